"""The hostile-wheel catalogue: wheels written byte by byte to break whatever reads them.

Where ``BROKEN_PACKAGES`` holds packages an honest author gets wrong, ``HOSTILE_WHEELS`` holds
archives an attacker or a broken tool produces: members that climb out of site-packages, zip
bombs, corrupt, encrypted or unknown-method members, lying CRCs, manifests that are ``null``,
not UTF-8 or nested 100,000 deep, names only pip's lax parser accepts, and metadata pip rejects.
They are written with ``raw_zip.write_zip`` (no build backend, a few milliseconds each) around a
small valid task package, so each entry differs from a collectable wheel in one way only.

Each ``HostileWheel`` documents what fractal-server 2.14.5 does when the wheel is uploaded to
``POST /api/v2/task/collect/pip/`` (``server_outcome``, which ``collect_pip`` reproduces) and
what ``check_wheel_collectable`` reports (``check_outcome``: the stage and message of its first
problem); the two always agree on whether the wheel is collectable, and neither raises. Use
``hostile_wheel_names()`` to parametrise your own tools over the catalogue and
``build_hostile_wheel(name, folder)`` to write one wheel.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import stat
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ..collection.result import CollectionStage
from .presets import ServerOutcome
from .raw_zip import STORED, RawMember, write_zip

__all__ = [
    "HOSTILE_WHEELS",
    "HostileWheel",
    "build_hostile_wheel",
    "get_hostile_wheel",
    "hostile_wheel_names",
]

_MIB = 1024 * 1024


@dataclass(frozen=True)
class HostileWheel:
    """One hostile wheel: its upload file name, how to make its bytes, and what happens to it.

    ``server_outcome`` is fractal-server 2.14.5's collection (stage ``None``: collected);
    ``check_outcome`` is ``check_wheel_collectable``'s first problem in the same form (stage
    ``None``: no problem). ``collectable`` is the verdict both share.
    """

    name: str
    filename: str
    doc: str
    server_outcome: ServerOutcome
    check_outcome: ServerOutcome
    contents: Callable[[], bytes]

    @property
    def collectable(self) -> bool:
        """Whether fractal-server collects the wheel (and the static check says so)."""
        return not self.server_outcome.fails

    def write(self, folder: str | Path) -> Path:
        """Write the wheel into ``folder`` (created if needed) under its file name."""
        target = Path(folder) / self.filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.contents())
        return target


# -- the valid task package every entry starts from ---------------------------------------------

_TASK_SCRIPT = b"""import argparse
import json

parser = argparse.ArgumentParser()
parser.add_argument("--args-json", required=True)
parser.add_argument("--out-json", required=True)
args = parser.parse_args()
with open(args.out_json, "w") as stream:
    json.dump({}, stream)
"""


def _manifest(task_name: str = "hostile task") -> bytes:
    manifest = {
        "manifest_version": "2",
        "task_list": [{"name": task_name, "executable_non_parallel": "task.py"}],
        "has_args_schemas": False,
    }
    return json.dumps(manifest, indent=2).encode()


def _record_row(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _zeros(name: str, size: int) -> RawMember:
    """A member of ``size`` NUL bytes (a multiple of 1 MiB), deflated about 1,000 to 1.

    Each MiB is one deflate block compressed from a fresh dictionary (``Z_FULL_FLUSH``), so
    the blocks are identical and a bomb of any size costs one MiB of compression."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(_MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // _MIB):
        crc = zlib.crc32(bytes(_MIB), crc)
    payload = block * (size // _MIB) + compressor.flush()
    return RawMember(name, payload=payload, crc=crc, declared_size=size)


@dataclass(frozen=True)
class _Package:
    """A one-task wheel described by its parts; ``wheel`` lays it out, and can replace, add or
    corrupt any member. ``extra`` files are installed members listed in RECORD."""

    slug: str
    version: str = "0.0.1"
    manifest: bytes = field(default_factory=_manifest)
    metadata_extra: bytes = b""
    wheel_version: bytes = b"1.0"
    tag: str = "py3-none-any"
    extra: dict[str, bytes] = field(default_factory=dict, hash=False)

    @property
    def dist(self) -> str:
        return f"fractal-tasks-hostile-{self.slug}"

    @property
    def module(self) -> str:
        return self.dist.replace("-", "_")

    @property
    def dist_info(self) -> str:
        return f"{self.module}-{self.version}.dist-info"

    @property
    def filename(self) -> str:
        return f"{self.module}-{self.version}-{self.tag}.whl"

    @property
    def manifest_name(self) -> str:
        return f"{self.module}/__FRACTAL_MANIFEST__.json"

    @property
    def task_name(self) -> str:
        return f"{self.module}/task.py"

    def files(self) -> dict[str, bytes]:
        """The package's members, without RECORD."""
        metadata = (
            f"Metadata-Version: 2.1\nName: {self.dist}\nVersion: {self.version}\n"
            "Summary: A hostile task package\n"
        ).encode()
        return {
            f"{self.module}/__init__.py": b"",
            self.manifest_name: self.manifest,
            self.task_name: _TASK_SCRIPT,
            **self.extra,
            f"{self.dist_info}/METADATA": metadata + self.metadata_extra,
            f"{self.dist_info}/WHEEL": (
                b"Wheel-Version: " + self.wheel_version + b"\nGenerator: pytest-taskcollect\n"
                b"Root-Is-Purelib: true\nTag: " + self.tag.encode() + b"\n"
            ),
        }

    def wheel(
        self,
        *,
        replace: dict[str, RawMember] | None = None,
        first: Sequence[RawMember] = (),
        extra: Sequence[RawMember] = (),
        record: bool = True,
    ) -> bytes:
        """The archive: ``first``, then the files (``replace`` swaps in raw members by name),
        then ``extra`` and a RECORD (unless ``record`` is false) listing the files as they are
        without the replacements."""
        files = self.files()
        replace = replace or {}
        members = [*first]
        members += [replace.get(name, RawMember(name, data)) for name, data in files.items()]
        members += extra
        if record:
            rows = [_record_row(name, data) for name, data in files.items()]
            rows.append(f"{self.dist_info}/RECORD,,")
            text = "\n".join(rows).encode() + b"\n"
            members.append(RawMember(f"{self.dist_info}/RECORD", text))
        return write_zip(members)


# -- the catalogue -------------------------------------------------------------------------------

_HOSTILE: dict[str, HostileWheel] = {}

Outcome = tuple[CollectionStage | None, str]
Builder = Callable[[_Package], bytes]


def _hostile(
    package: _Package, server: Outcome, check: Outcome | None = None
) -> Callable[[Builder], Builder]:
    """Register the decorated builder (``package`` -> the archive's bytes) under its name, with
    its docstring as documentation; ``check`` defaults to the server's outcome."""

    def register(builder: Builder) -> Builder:
        _HOSTILE[builder.__name__] = HostileWheel(
            name=builder.__name__,
            filename=package.filename,
            doc=" ".join((builder.__doc__ or "").split()),
            server_outcome=ServerOutcome(*server),
            check_outcome=ServerOutcome(*(check or server)),
            contents=functools.partial(builder, package),
        )
        return builder

    return register


# Manifests -------------------------------------------------------------------------------------


@_hostile(
    _Package("manifest-null", manifest=b"null"),
    ("manifest", "argument after ** must be a mapping, not NoneType"),
)
def manifest_null(package: _Package) -> bytes:
    """The manifest is the JSON document ``null``. It loads; the server's ``ManifestV2(**data)``
    raises ``TypeError: ... argument after ** must be a mapping, not NoneType`` and the
    collection fails at ``manifest``. The check reports the same."""
    return package.wheel()


@_hostile(
    _Package("manifest-deeply-nested", manifest=b"[" * 100_000 + b"]" * 100_000),
    ("manifest", "maximum recursion depth exceeded"),
)
def manifest_deeply_nested(package: _Package) -> bytes:
    """The manifest is 100,000 nested JSON arrays (200 kB, deflated to a few hundred bytes). The
    server's ``json.load`` raises ``RecursionError: maximum recursion depth exceeded while
    decoding a JSON array``; the collection fails at ``manifest``, and the check says the same."""
    return package.wheel()


@_hostile(
    _Package("manifest-not-utf8", manifest=_manifest("caf\u00e9").replace(b"\\u00e9", b"\xe9")),
    ("manifest", "'utf-8' codec can't decode byte 0xe9"),
)
def manifest_not_utf8(package: _Package) -> bytes:
    """The manifest holds a Latin-1 ``é`` (byte 0xE9) in a task name. The server reads it as
    UTF-8 text and ``json.load`` raises ``UnicodeDecodeError``; the collection fails at
    ``manifest``, as the check says."""
    return package.wheel()


@_hostile(
    _Package("manifest-bomb"),
    ("manifest", "Expecting value: line 1 column 1 (char 0)"),
    ("manifest", "the check reads at most 16 MiB"),
)
def manifest_bomb(package: _Package) -> bytes:
    """The manifest inflates from 20 kB to 20 MiB of NUL bytes (a zip bomb aimed at whatever
    reads the manifest). pip installs it; the server reads it whole and ``json.load`` fails with
    ``Expecting value: line 1 column 1 (char 0)``. The check reads at most 16 MiB of a manifest
    and reports a larger one as a problem at ``manifest`` without reading further."""
    return package.wheel(replace={package.manifest_name: _zeros(package.manifest_name, 20 * _MIB)})


@_hostile(_Package("manifest-symlink"), ("manifest", "Expecting value: line 1 column 1 (char 0)"))
def manifest_symlink(package: _Package) -> bytes:
    """The manifest member is a symbolic link (Unix mode ``S_IFLNK``) to ``/etc/hostname``.
    pip writes members as regular files, so the installed manifest holds the text
    ``/etc/hostname`` and ``json.load`` fails with ``Expecting value``; nothing outside the
    wheel is read, by the server or by the check."""
    link = RawMember(package.manifest_name, b"/etc/hostname", mode=stat.S_IFLNK | 0o777)
    return package.wheel(replace={package.manifest_name: link})


@_hostile(_Package("duplicate-manifest-member"), (None, "validated manifest content"))
def duplicate_manifest_member(package: _Package) -> bytes:
    """The archive holds the manifest twice under one name: first ``null``, then the valid
    manifest. Zip readers look a name up in the central directory, where the last entry wins,
    so pip installs the valid one (twice) and the collection succeeds; the check reads the same
    entry. A tool that scans the entries in order sees ``null``."""
    return package.wheel(first=[RawMember(package.manifest_name, b"null")])


# Archive members -------------------------------------------------------------------------------


@_hostile(
    _Package("path-traversal", extra={"../../../../outside.py": b""}),
    ("install", "trying to install outside the target directory"),
)
def path_traversal(package: _Package) -> bytes:
    """A member named ``../../../../outside.py``. pip refuses before writing it: ``The wheel
    '<path>' has a file '<site-packages>/../../../../outside.py' trying to install outside the
    target directory``; the collection fails at ``install`` and nothing is written outside the
    tasks dir. The check reports the same."""
    return package.wheel()


@_hostile(
    _Package("absolute-member", extra={"/tmp/fractal-tasks-hostile-absolute.py": b""}),
    ("install", "trying to install outside the target directory"),
)
def absolute_member(package: _Package) -> bytes:
    """A member named ``/tmp/fractal-tasks-hostile-absolute.py`` (an absolute path). pip refuses
    it as outside site-packages; the collection fails at ``install``, as the check says."""
    return package.wheel()


@_hostile(
    _Package(
        "unknown-data-scheme",
        extra={"fractal_tasks_hostile_unknown_data_scheme-0.0.1.data/etc/passwd": b""},
    ),
    ("install", "Unknown scheme key used in"),
)
def unknown_data_scheme(package: _Package) -> bytes:
    """A member ``<name>.data/etc/passwd``: a ``.data`` folder may only hold pip's install
    schemes (purelib, platlib, headers, scripts, data). pip refuses with ``Unknown scheme key
    used in <wheel>: etc``; the collection fails at ``install``, as the check says."""
    return package.wheel()


@_hostile(
    _Package(
        "long-member-name", extra={f"fractal_tasks_hostile_long_member_name/{'a' * 297}.py": b""}
    ),
    ("install", "File name too long"),
)
def long_member_name(package: _Package) -> bytes:
    """A member whose file name has 300 characters, more than the 255 bytes a file name may
    have on Linux file systems. pip fails writing it with ``[Errno 36] File name too long``;
    the collection fails at ``install``, and the check reports that name."""
    return package.wheel()


@_hostile(
    _Package(
        "sibling-folder",
        extra={"../site-packages-sibling/fractal_tasks_hostile_sibling_folder.py": b""},
    ),
    (None, "validated manifest content"),
)
def sibling_folder(package: _Package) -> bytes:
    """A member named ``../site-packages-sibling/<file>.py``. pip's containment test compares
    the paths character by character, and ``.../site-packages-sibling`` starts with
    ``.../site-packages``, so pip writes the file next to site-packages (still inside the venv)
    and the collection succeeds. The check models the same test, and agrees."""
    return package.wheel()


@_hostile(_Package("corrupt-member"), ("install", "Error -3 while decompressing data"))
def corrupt_member(package: _Package) -> bytes:
    """The task script's deflate stream is garbage. pip fails extracting it with ``zlib.error:
    Error -3 while decompressing data``; the collection fails at ``install``. The check
    decompresses every member (in bounded memory) and reports the same error."""
    garbage = RawMember(package.task_name, _TASK_SCRIPT, payload=b"\xff" * 64)
    return package.wheel(replace={package.task_name: garbage})


@_hostile(_Package("bad-crc"), ("install", "Bad CRC-32"))
def bad_crc(package: _Package) -> bytes:
    """The task script is stored with a CRC-32 that does not match its bytes. Reading it to the
    end raises ``BadZipFile: Bad CRC-32 for file``, in pip and in the check; the collection
    fails at ``install``."""
    liar = RawMember(package.task_name, _TASK_SCRIPT, method=STORED, crc=0xDEADBEEF)
    return package.wheel(replace={package.task_name: liar})


@_hostile(_Package("encrypted-member"), ("install", "password required for extraction"))
def encrypted_member(package: _Package) -> bytes:
    """The task script's flags say it is encrypted. pip cannot read it (``RuntimeError: File
    ... is encrypted, password required for extraction``); the collection fails at
    ``install``, as the check says."""
    locked = RawMember(package.task_name, _TASK_SCRIPT, flags=0x1)
    return package.wheel(replace={package.task_name: locked})


@_hostile(_Package("unknown-compression"), ("install", "compression method is not supported"))
def unknown_compression(package: _Package) -> bytes:
    """The task script claims compression method 97, which no zip reader knows. pip fails with
    ``NotImplementedError: That compression method is not supported``; the collection fails at
    ``install``, as the check says."""
    odd = RawMember(package.task_name, _TASK_SCRIPT, method=97, payload=_TASK_SCRIPT)
    return package.wheel(replace={package.task_name: odd})


@_hostile(_Package("truncated-archive"), ("install", "is invalid"))
def truncated_archive(package: _Package) -> bytes:
    """The archive is cut in half, so it has no central directory. pip reports ``Wheel '<name>'
    located at <path> is invalid.`` and the collection fails at ``install``; so does the
    check."""
    data = package.wheel()
    return data[: len(data) // 2]


@_hostile(_Package("data-bomb"), (None, "validated manifest content"))
def data_bomb(package: _Package) -> bytes:
    """A data file inflates from 16 kB to 16 MiB of NUL bytes (a compression ratio of 1,000).
    Nothing forbids it: pip installs it and the collection succeeds. The check verifies the
    member's CRC while streaming it (in bounded memory, whatever the size) and agrees."""
    return package.wheel(extra=[_zeros(f"{package.module}/weights.bin", 16 * _MIB)])


# Metadata --------------------------------------------------------------------------------------


@_hostile(_Package("metadata-bomb"), (None, "validated manifest content"))
def metadata_bomb(package: _Package) -> bytes:
    """METADATA's description inflates to 4 MiB after valid headers. pip reads it whole and
    installs the wheel; the collection succeeds. The check keeps only the first MiB (the
    headers) while it checks the rest is UTF-8, and agrees."""
    name = f"{package.dist_info}/METADATA"
    data = package.files()[name] + b"\n" + b"x" * (4 * _MIB)
    return package.wheel(replace={name: RawMember(name, data)})


@_hostile(
    _Package("metadata-not-utf8", metadata_extra=b"Author: Jos\xe9\n"),
    ("install", "Error decoding metadata for"),
)
def metadata_not_utf8(package: _Package) -> bytes:
    """METADATA's ``Author`` holds a Latin-1 byte. pip decodes METADATA as UTF-8 and refuses
    the wheel (``Error decoding metadata for <wheel>: 'utf-8' codec can't decode byte 0xe9 ...
    in METADATA file``); the collection fails at ``install``, as the check says."""
    return package.wheel()


@_hostile(
    _Package("metadata-missing"),
    ("install", "TypeError: expected string or bytes-like object"),
)
def metadata_missing(package: _Package) -> bytes:
    """The dist-info folder has no METADATA file. pip finds no ``Version`` and crashes (on
    Python 3.11+, ``TypeError: expected string or bytes-like object, got 'NoneType'``; before,
    ``ValueError: Missing 'Version:' header and/or METADATA file``); the collection fails at
    ``install``, as the check says."""
    name = f"{package.dist_info}/METADATA"
    return write_zip([RawMember(n, d) for n, d in package.files().items() if n != name])


@_hostile(
    _Package("metadata-name-differs"), ("show", "ERROR: manifest path not found for other-tasks")
)
def metadata_name_differs(package: _Package) -> bytes:
    """METADATA says ``Name: other-tasks`` in a wheel (and .dist-info folder) named after
    ``fractal-tasks-hostile-metadata-name-differs``. pip installs it under the folder's name;
    ``4_pip_show.sh`` reads ``Name: other-tasks`` from ``pip show``, then ``pip show
    other-tasks`` finds nothing (pip looks packages up by folder name), and the collection fails
    at ``show`` with ``ERROR: manifest path not found for other-tasks``, as the check says."""
    name = f"{package.dist_info}/METADATA"
    metadata = package.files()[name].replace(package.dist.encode(), b"other-tasks")
    return package.wheel(replace={name: RawMember(name, metadata)})


@_hostile(
    _Package("version-differs-from-metadata", version="0.0.2"),
    (None, "validated manifest content"),
)
def version_differs_from_metadata(package: _Package) -> bytes:
    """The file name says 0.0.2, METADATA says 0.0.1. pip checks the name but not the version of
    a wheel given as a file, and installs 0.0.1; the server takes 0.0.2 from the file name for
    the task group and its tasks, and the collection succeeds. The check agrees, with a warning
    about the two versions."""
    name = f"{package.dist_info}/METADATA"
    metadata = package.files()[name].replace(b"Version: 0.0.2", b"Version: 0.0.1")
    return package.wheel(replace={name: RawMember(name, metadata)})


@_hostile(
    _Package("two-dist-info-folders", extra={"other-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\n"}),
    ("install", "multiple .dist-info directories found"),
)
def two_dist_info_folders(package: _Package) -> bytes:
    """A second top-level ``other-1.0.dist-info/`` folder (holding only a WHEEL file). pip
    refuses: ``has an invalid wheel, multiple .dist-info directories found``; the collection
    fails at ``install``, as the check says."""
    return package.wheel()


@_hostile(
    _Package("wheel-version-2", wheel_version=b"2.0"),
    ("install", "is not compatible with this version of pip"),
)
def wheel_version_2(package: _Package) -> bytes:
    """WHEEL says ``Wheel-Version: 2.0``. pip refuses a wheel of a newer major format version
    (``Wheel-Version (2.0) is not compatible with this version of pip``); the collection fails
    at ``install``, as the check says."""
    return package.wheel()


@_hostile(_Package("missing-record"), ("install", "RECORD"))
def missing_record(package: _Package) -> bytes:
    """No ``RECORD`` file in the dist-info folder. pip installs the files, then fails to read
    RECORD; the collection fails at ``install``, as the check says."""
    return package.wheel(record=False)


@_hostile(
    _Package("requires-python-4", metadata_extra=b"Requires-Python: >=4\n"),
    ("install", "requires a different Python"),
)
def requires_python_4(package: _Package) -> bytes:
    """METADATA has ``Requires-Python: >=4``. pip refuses it on every Python 3 (``Package
    '<name>' requires a different Python: 3.x.y not in '>=4'``); the collection fails at
    ``install``, as the check says."""
    return package.wheel()


@_hostile(
    _Package("unsupported-platform-tag", tag="cp27-cp27mu-manylinux1_x86_64"),
    ("install", "is not a supported wheel on this platform"),
)
def unsupported_platform_tag(package: _Package) -> bytes:
    """A wheel tagged ``cp27-cp27mu-manylinux1_x86_64``, for CPython 2.7 only. pip refuses:
    ``<file> is not a supported wheel on this platform``; the collection fails at ``install``,
    as the check says."""
    return package.wheel()


# File names ------------------------------------------------------------------------------------


@_hostile(_Package("version-zero-width-space", version="0.0.1\u200b"), (None, ""))
def version_zero_width_space(package: _Package) -> bytes:
    """Version ``0.0.1\\u200b`` (a zero-width space) in the file name and in METADATA. PEP 440
    rejects it, but pip up to 24.0 parses wheel names with a lax pattern and compares such
    versions as legacy strings, so it installs the wheel; the server collects it with that
    version. The check follows pip, not PEP 440."""
    return package.wheel()


@_hostile(_Package("version-with-quotes", version="0.0.1'\""), ("venv", "No closing quotation"))
def version_with_quotes(package: _Package) -> bytes:
    """Version ``0.0.1'"`` (a single and a double quote). pip up to 24.0 would install it (a
    legacy version), but the task-group path holds the version, and the server runs its first
    script as ``shlex.split("bash <path>/scripts/...")``, which raises "No closing quotation":
    the collection fails at stage ``venv`` before anything is installed. The check agrees."""
    return package.wheel()


@_hostile(_Package("version-single-dot", version="."), (None, ""))
def version_single_dot(package: _Package) -> bytes:
    """Version ``.``. pip up to 24.0 installs it (a legacy version); the task-group path ends in
    ``/.`` and the collection succeeds. The check agrees."""
    return package.wheel()


HOSTILE_WHEELS: MappingProxyType[str, HostileWheel] = MappingProxyType(_HOSTILE)
"""The hostile-wheel catalogue: entry name -> ``HostileWheel``."""


def hostile_wheel_names() -> tuple[str, ...]:
    """Names of the hostile wheels, in catalogue order (for ``parametrize``)."""
    return tuple(HOSTILE_WHEELS)


def get_hostile_wheel(name: str) -> HostileWheel:
    """The catalogue entry called ``name``."""
    try:
        return HOSTILE_WHEELS[name]
    except KeyError:
        raise KeyError(f"Unknown hostile wheel {name!r}; known: {hostile_wheel_names()}") from None


def build_hostile_wheel(name: str, folder: str | Path) -> Path:
    """Write the hostile wheel ``name`` into ``folder``; return its path."""
    return get_hostile_wheel(name).write(folder)
