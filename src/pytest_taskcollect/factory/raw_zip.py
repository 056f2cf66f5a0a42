"""A zip writer with control over every header field, for archives no zip library would write.

``zipfile`` refuses to write a member with a wrong CRC, an unknown compression method, an
encryption flag without encryption, or sizes that lie; a hostile wheel needs exactly those.
``write_zip`` lays out the bytes itself (PKWARE APPNOTE 6.3: local file headers, central
directory, end record; no zip64, no data descriptors) from ``RawMember`` descriptions. By default
a member is what ``zipfile`` would write (deflated, true CRC and sizes); each field can be
overridden.
"""

from __future__ import annotations

import stat
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DEFLATED", "STORED", "RawMember", "write_zip"]

STORED = 0
DEFLATED = 8

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_VERSION = 20  # 2.0: deflate
_UNIX = 3 << 8  # "version made by": Unix, so the external attributes hold a st_mode
_UTF8_NAME = 0x800
_DOS_DATE = (2025 - 1980) << 9 | 1 << 5 | 1  # 2025-01-01
_DOS_TIME = 0


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


@dataclass(frozen=True)
class RawMember:
    """One archive member.

    ``name`` is encoded as UTF-8 (with the UTF-8 flag when it is not ASCII) unless given as
    bytes. ``method`` is the compression method recorded; ``payload`` replaces the bytes that
    follow the local header (default: ``data`` stored or deflated). ``crc`` and ``declared_size``
    replace the true CRC-32 and uncompressed size; ``flags`` are OR-ed into the general-purpose
    flags (``0x1`` claims encryption); ``mode`` is the Unix ``st_mode`` (``S_IFLNK`` makes a
    symbolic link whose target is ``data``).
    """

    name: str | bytes
    data: bytes = b""
    method: int = DEFLATED
    payload: bytes | None = None
    crc: int | None = None
    declared_size: int | None = None
    flags: int = 0
    mode: int = stat.S_IFREG | 0o644

    def _encoded_name(self) -> tuple[bytes, int]:
        if isinstance(self.name, bytes):
            return self.name, 0
        if self.name.isascii():
            return self.name.encode("ascii"), 0
        return self.name.encode("utf-8"), _UTF8_NAME

    def _payload(self) -> bytes:
        if self.payload is not None:
            return self.payload
        if self.method == DEFLATED:
            return _deflate(self.data)
        return self.data


def write_zip(members: Sequence[RawMember]) -> bytes:
    """The bytes of a zip archive holding ``members`` in order (duplicates kept)."""
    body = bytearray()
    central = bytearray()
    for member in members:
        name, name_flag = member._encoded_name()
        flags = name_flag | member.flags
        payload = member._payload()
        crc = zlib.crc32(member.data) if member.crc is None else member.crc
        size = len(member.data) if member.declared_size is None else member.declared_size
        offset = len(body)
        body += _LOCAL.pack(
            0x04034B50,
            _VERSION,
            flags,
            member.method,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(payload),
            size,
            len(name),
            0,
        )
        body += name + payload
        external = (member.mode & 0xFFFF) << 16
        if stat.S_ISDIR(member.mode):
            external |= 0x10  # MS-DOS directory attribute
        central += _CENTRAL.pack(
            0x02014B50,
            _UNIX | _VERSION,
            _VERSION,
            flags,
            member.method,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(payload),
            size,
            len(name),
            0,
            0,
            0,
            0,
            external,
            offset,
        )
        central += name
    end = _END.pack(0x06054B50, 0, 0, len(members), len(members), len(central), len(body), 0)
    return bytes(body + central + end)
