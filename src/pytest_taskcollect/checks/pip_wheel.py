"""What pip (23.x up to 24.0, the server's ``pip<=24.0``) does with a wheel file, in bounded memory.

``inspect_wheel_install`` walks the steps of ``pip install <wheel>`` that depend on the file
alone, in pip's order and with pip's messages:

1. the file name against pip's own pattern (looser than PEP 427: ``0.0.1\\u200b``, ``0.0.1'``
   and ``.`` are versions pip installs, compared as "legacy" versions by its vendored
   ``packaging`` 21.3), then its compatibility tags against the target interpreter;
2. the archive: one ``.dist-info`` folder named after the distribution, a ``WHEEL`` file with a
   supported ``Wheel-Version``, every metadata file readable, ``METADATA`` in UTF-8 with the
   file name's ``Name``, and ``Requires-Python`` satisfied;
3. the install: each member, in pip's order (site-packages members, then ``.data`` schemes, then
   scripts), must stay inside its target folder, use a known ``.data`` scheme, have file names
   the file system accepts and decompress without error (CRC, method, encryption); then the
   ``RECORD`` file must exist and be UTF-8.

Nothing is written and no member is held whole: members are streamed and CRC-checked, only the
``METADATA`` headers (the first MiB) and the manifest candidates (at most ``MAX_MANIFEST_BYTES``
each) are kept, and at most ``MAX_INFLATED_BYTES`` are decompressed in all; a wheel inflating
to more is reported with a warning and its remaining members are not verified. Dependencies are
not resolved. Entry-point scripts are not checked.
"""

from __future__ import annotations

import codecs
import os
import platform
import posixpath
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath

from packaging import tags
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

__all__ = [
    "MAX_INFLATED_BYTES",
    "MAX_MANIFEST_BYTES",
    "InstallTarget",
    "PipWheelName",
    "WheelInstall",
    "inspect_wheel_install",
    "parse_pip_wheel_filename",
    "pip_versions_equal",
]

_MIB = 1024 * 1024
MAX_MANIFEST_BYTES = 16 * _MIB
"""The largest manifest the check reads (a real one is a few hundred kB)."""
MAX_INFLATED_BYTES = 256 * _MIB
"""How many decompressed bytes the check verifies in all before it stops (with a warning)."""
_METADATA_HEAD = _MIB
_CHUNK = _MIB
_NAME_MAX = 255
_PATH_MAX = 4095
_BOMB_RATIO = 100
_BOMB_SIZE = 10 * _MIB
_SCHEMES = ("data", "headers", "platlib", "purelib", "scripts")

_PIP_WHEEL_NAME = re.compile(
    r"^(?P<name>[^\s-]+?)-(?P<ver>[^\s-]*?)"
    r"((-(?P<build>\d[^-]*?))?-(?P<pyver>[^\s-]+?)-(?P<abi>[^\s-]+?)-(?P<plat>[^\s-]+?)\.whl)$"
)


@dataclass(frozen=True)
class PipWheelName:
    """A file name as pip's ``Wheel`` class reads it (``_`` in name and version read as ``-``)."""

    name: str
    version: str
    tags: frozenset[str]

    @property
    def canonical_name(self) -> str:
        """The name as pip compares it."""
        return canonicalize_name(self.name)


def parse_pip_wheel_filename(filename: str) -> PipWheelName | None:
    """pip's reading of a ``.whl`` file name, ``None`` where pip says "is not a valid wheel
    filename" (no PEP 440 or PEP 427 validation beyond that pattern)."""
    match = _PIP_WHEEL_NAME.match(filename)
    if match is None:
        return None
    combos = {
        f"{interpreter}-{abi}-{plat}"
        for interpreter in match["pyver"].split(".")
        for abi in match["abi"].split(".")
        for plat in match["plat"].split(".")
    }
    return PipWheelName(
        name=match["name"].replace("_", "-"),
        version=match["ver"].replace("_", "-"),
        tags=frozenset(combos),
    )


# -- versions as packaging 21.3 (vendored by pip <= 24.0) compares them ------------------------

_LEGACY_PART = re.compile(r"(\d+|[a-z]+|\.|-)")
_LEGACY_SPELLING = {"pre": "c", "preview": "c", "-": "final-", "rc": "c", "dev": "@"}


def _legacy_key(version: str) -> tuple[str, ...]:
    """The comparison key of a non-PEP 440 ("legacy") version in packaging 21.3."""
    parts: list[str] = []
    for raw in _LEGACY_PART.split(version.lower()):
        part = _LEGACY_SPELLING.get(raw, raw)
        if not part or part == ".":
            continue
        part = part.zfill(8) if part[0].isdigit() else "*" + part
        if part.startswith("*"):
            if part < "*final":
                while parts and parts[-1] == "*final-":
                    parts.pop()
            while parts and parts[-1] == "00000000":
                parts.pop()
        parts.append(part)
    parts.append("*final")
    return tuple(parts)


def pip_versions_equal(first: str, second: str) -> bool:
    """Whether pip (up to 24.0) treats two version strings as the same version: parsed when both
    are PEP 440 versions, by legacy key when neither is; never across the two kinds."""
    try:
        return Version(first) == Version(second)
    except InvalidVersion:
        pass
    for version in (first, second):
        try:
            Version(version)
        except InvalidVersion:
            continue
        return False
    return _legacy_key(first) == _legacy_key(second)


# -- the target --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallTarget:
    """Where the server's pip installs: the venv, its Python ``X.Y`` and the uploaded wheel's
    path (which pip's messages name)."""

    venv: PurePosixPath
    python_version: str
    wheel_path: str

    @property
    def site_packages(self) -> PurePosixPath:
        """``<venv>/lib/pythonX.Y/site-packages``."""
        return self.venv / "lib" / f"python{self.python_version}" / "site-packages"

    def scheme(self, key: str, dist_name: str) -> PurePosixPath:
        """The folder a ``.data/<key>/`` member installs into, in a venv."""
        if key in ("purelib", "platlib"):
            return self.site_packages
        if key == "scripts":
            return self.venv / "bin"
        if key == "headers":
            return self.venv / "include" / "site" / f"python{self.python_version}" / dist_name
        return self.venv

    @property
    def importlib_metadata(self) -> bool:
        """Whether pip reads metadata through ``importlib.metadata`` (Python 3.11+) rather than
        ``pkg_resources``; a few checks and crash messages differ."""
        major, minor = (int(part) for part in self.python_version.split(".")[:2])
        return (major, minor) >= (3, 11)

    @property
    def full_python_version(self) -> str:
        """The running interpreter's ``X.Y.Z`` when it is the target's ``X.Y``, else ``X.Y.0``."""
        if self.python_version == f"{sys.version_info[0]}.{sys.version_info[1]}":
            return platform.python_version()
        return f"{self.python_version}.0"

    def supported_tags(self) -> set[str]:
        """The interpreter tags pip accepts for the target (this machine's platforms)."""
        if self.python_version == f"{sys.version_info[0]}.{sys.version_info[1]}":
            return {str(tag) for tag in tags.sys_tags()}
        major, minor = (int(part) for part in self.python_version.split("."))
        generated = [
            *tags.cpython_tags((major, minor)),
            *tags.compatible_tags((major, minor), f"cp{major}{minor}"),
        ]
        return {str(tag) for tag in generated}


# -- the outcome -------------------------------------------------------------------------------


@dataclass
class WheelInstall:
    """What ``pip install <wheel>`` would make of the file.

    ``problems`` are ``(pip's message, explanation)`` pairs, in pip's order (pip stops at the
    first); ``readable`` is false when pip cannot even read the archive's metadata (nothing
    further was checked). ``dist_info_name`` is the name pip installs the distribution under
    (from its .dist-info folder, canonical), ``metadata_name`` and ``metadata_version`` are
    METADATA's ``Name`` and ``Version`` (what ``pip show`` prints); ``installed`` maps each
    installed file (relative to site-packages, or absolute for ``.data`` schemes outside it) to
    its member; ``manifests`` holds the bytes of every member whose name contains
    ``manifest_marker`` (``None`` when larger than ``MAX_MANIFEST_BYTES``).
    """

    readable: bool = False
    dist_info_name: str | None = None
    metadata_name: str | None = None
    metadata_version: str | None = None
    installed: dict[str, str] = field(default_factory=dict)
    manifests: dict[str, bytes | None] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Budget:
    """The decompressed bytes still allowed, and the member at which they ran out."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.exhausted_at: str | None = None


def _decode_error_text(error: UnicodeDecodeError, offset: int) -> str:
    """CPython's message for ``error``, with positions counted from the start of the file."""
    start, end = offset + error.start, offset + error.end
    if end - start == 1:
        byte = error.object[error.start]
        return f"'utf-8' codec can't decode byte 0x{byte:02x} in position {start}: {error.reason}"
    return f"'utf-8' codec can't decode bytes in position {start}-{end - 1}: {error.reason}"


@dataclass
class _Read:
    """One member streamed: its first ``keep`` bytes, its size, and why reading failed."""

    head: bytes = b""
    size: int = 0
    complete: bool = True
    error: BaseException | None = None
    utf8_error: str | None = None


def _stream(
    archive: zipfile.ZipFile,
    name: str,
    *,
    keep: int,
    budget: _Budget,
    utf8: bool = False,
) -> _Read:
    """Decompress member ``name`` (the last entry of that name, as pip reads it) chunk by chunk:
    the CRC is checked at the end by ``zipfile``; only the first ``keep`` bytes are kept."""
    result = _Read()
    decoder = codecs.getincrementaldecoder("utf-8")() if utf8 else None
    head = bytearray()
    try:
        with archive.open(name) as stream:
            while True:
                if budget.left <= 0:
                    result.complete = not stream.read(1)  # at the end, the CRC is checked
                    break
                chunk = stream.read(min(_CHUNK, budget.left))
                if not chunk:
                    break
                budget.left -= len(chunk)
                if decoder is not None and result.utf8_error is None:
                    pending = len(decoder.getstate()[0])
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as error:
                        result.utf8_error = _decode_error_text(error, result.size - pending)
                if len(head) < keep:
                    head += chunk[: keep - len(head)]
                result.size += len(chunk)
        if decoder is not None and result.utf8_error is None and result.complete:
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as error:
                result.utf8_error = _decode_error_text(error, result.size - pending)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, OSError) as error:
        result.error = error
    except (EOFError, ValueError) as error:  # a truncated member, an inconsistent local header
        result.error = error
    result.head = bytes(head)
    return result


def _error_line(error: BaseException) -> str:
    """The last line of the traceback pip prints for an unexpected exception."""
    kind = type(error)
    module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
    return f"{module}{kind.__qualname__}: {error}"


def _is_within(directory: str, target: str) -> bool:
    """pip's ``is_within_directory``: a character-wise common prefix of the absolute paths, so
    ``site-packages-other`` counts as inside ``site-packages`` (pip's behaviour, kept)."""
    absolute_directory = posixpath.abspath(directory)
    prefix = os.path.commonprefix([absolute_directory, posixpath.abspath(target)])  # noqa: RUF071
    return prefix == absolute_directory


class _Inspector:
    """One inspection's state; ``run`` follows ``pip install``."""

    def __init__(
        self,
        path: Path,
        wheel_name: PipWheelName,
        target: InstallTarget,
        manifest_marker: str,
    ) -> None:
        self.path = path
        self.name = wheel_name
        self.target = target
        self.marker = manifest_marker
        self.out = WheelInstall()
        self.budget = _Budget(MAX_INFLATED_BYTES)
        self.record: _Read | None = None

    def fail(self, message: str, explanation: str) -> None:
        self.out.problems.append((message, explanation))

    def invalid(self, detail: str, explanation: str) -> None:
        """pip's ``UnsupportedWheel``: ``<name> has an invalid wheel, <detail>``."""
        self.fail(f"{self.name.canonical_name} has an invalid wheel, {detail}", explanation)

    def run(self) -> WheelInstall:
        filename = self.path.name
        if not self.name.tags & self.target.supported_tags():
            self.fail(
                f"ERROR: {filename} is not a supported wheel on this platform.",
                f"its tags ({', '.join(sorted(self.name.tags))}) fit no interpreter tag of "
                f"Python {self.target.python_version} here.",
            )
            return self.out
        try:
            archive = zipfile.ZipFile(self.path)
        except (OSError, zipfile.BadZipFile, EOFError, ValueError) as error:
            self.fail(
                f"ERROR: Wheel '{self.name.canonical_name}' located at "
                f"{self.target.wheel_path} is invalid.",
                f"the file is not a readable zip archive: {error}",
            )
            return self.out
        with archive:
            if not self._metadata(archive):
                return self.out
            self.out.readable = True
            self._install(archive)
        if self.budget.exhausted_at is not None:
            self.out.warnings.append(
                f"The wheel inflates to more than {MAX_INFLATED_BYTES // _MIB} MiB: the check "
                f"stopped verifying members at {self.budget.exhausted_at!r} (pip installs them "
                "all, which takes that much disk space)."
            )
        return self.out

    # -- metadata (pip's ``parse_wheel`` and ``WheelDistribution.from_zipfile``) --------------

    def _metadata(self, archive: zipfile.ZipFile) -> bool:
        names = archive.namelist()
        tops = {name.split("/", 1)[0] for name in names}
        info_dirs = sorted(top for top in tops if top.endswith(".dist-info"))
        why = "pip requires exactly one <name>-<version>.dist-info folder at the archive's top."
        if not info_dirs:
            self.invalid(".dist-info directory not found", why)
            return False
        if len(info_dirs) > 1:
            self.invalid(f"multiple .dist-info directories found: {', '.join(info_dirs)}", why)
            return False
        info_dir = info_dirs[0]
        if not canonicalize_name(info_dir).startswith(self.name.canonical_name):
            self.invalid(
                f".dist-info directory {info_dir!r} does not start with "
                f"{self.name.canonical_name!r}",
                "the metadata folder must be named after the distribution in the file name.",
            )
            return False
        if not self._wheel_file(archive, info_dir):
            return False
        reads: dict[str, _Read] = {}
        for name in dict.fromkeys(names):
            if not name.startswith(f"{info_dir}/"):
                continue
            if self.marker in name:
                read = self._read_manifest(archive, name)
            else:
                keep = _METADATA_HEAD if name == f"{info_dir}/METADATA" else 0
                read = self._read(archive, name, keep=keep, utf8=True)
            if read.error is not None:
                if isinstance(read.error, (zipfile.BadZipFile, RuntimeError)):
                    self.invalid(
                        f"could not read {name!r} file: {read.error!r}",
                        "pip reads every file of the .dist-info folder before installing.",
                    )
                else:
                    self.fail(
                        _error_line(read.error),
                        f"pip crashes reading {name}, a file of the .dist-info folder.",
                    )
                return False
            reads[name] = read
            if self.marker in name:
                self.out.manifests[name] = None if read.size > MAX_MANIFEST_BYTES else read.head
        return self._metadata_file(info_dir, reads)

    def _wheel_file(self, archive: zipfile.ZipFile, info_dir: str) -> bool:
        path = f"{info_dir}/WHEEL"
        why = "pip reads the Wheel-Version from the WHEEL file of the .dist-info folder."
        try:
            info = archive.getinfo(path)
        except KeyError as error:
            self.invalid(f"could not read {path!r} file: {error!r}", why)
            return False
        if info.file_size > _MIB:
            self.invalid(f"WHEEL is {info.file_size} bytes", why)
            return False
        read = self._read(archive, path, keep=_MIB)
        if read.error is not None:
            if isinstance(read.error, (zipfile.BadZipFile, RuntimeError)):
                self.invalid(f"could not read {path!r} file: {read.error!r}", why)
            else:
                self.fail(_error_line(read.error), why)
            return False
        try:
            text = read.head.decode()
        except UnicodeDecodeError as error:
            self.invalid(f"error decoding {path!r}: {error!r}", why)
            return False
        version_text = HeaderParser().parsestr(text)["Wheel-Version"]
        if version_text is None:
            self.invalid("WHEEL is missing Wheel-Version", why)
            return False
        try:
            version = tuple(map(int, version_text.strip().split(".")))
        except ValueError:
            self.invalid(f"invalid Wheel-Version: {version_text.strip()!r}", why)
            return False
        if version[0] > 1:
            self.invalid(
                f"{self.name.canonical_name}'s Wheel-Version ({'.'.join(map(str, version))}) "
                "is not compatible with this version of pip",
                "pip installs wheels of format version 1.x only.",
            )
            return False
        return True

    def _metadata_file(self, info_dir: str, reads: dict[str, _Read]) -> bool:
        """The name pip installs (from the .dist-info folder), METADATA in UTF-8 with a
        Version, and Requires-Python met."""
        folder_name = canonicalize_name(info_dir[: -len(".dist-info")].split("-", 1)[0])
        self.out.dist_info_name = folder_name
        if self.target.importlib_metadata and folder_name != self.name.canonical_name:
            self.fail(
                f"has inconsistent name: expected {self.name.canonical_name!r}, but metadata "
                f"has {folder_name!r}",
                f"pip names the distribution after its .dist-info folder ({info_dir}), which "
                "must match the file name.",
            )
            return False
        read = reads.get(f"{info_dir}/METADATA")
        if read is not None and read.utf8_error is not None:
            self.fail(
                f"Error decoding metadata for {self.target.wheel_path}: {read.utf8_error} in "
                "METADATA file",
                "pip decodes METADATA as UTF-8.",
            )
            return False
        metadata = _headers(read.head) if read is not None else Message()
        self.out.metadata_name = metadata.get("Name")
        self.out.metadata_version = metadata.get("Version")
        if self.out.metadata_version is None:
            self.fail(
                "TypeError: expected string or bytes-like object, got 'NoneType'"
                if self.target.importlib_metadata
                else "ValueError: (\"Missing 'Version:' header and/or METADATA file at path",
                f"{info_dir}/METADATA is missing or has no Version: pip crashes reading it.",
            )
            return False
        self._requires_python(
            self.out.metadata_name or folder_name, metadata.get("Requires-Python")
        )
        self.record = reads.get(f"{info_dir}/RECORD")
        return True

    def _requires_python(self, name: str, requires: str | None) -> None:
        if requires is None:
            return
        try:
            specifier = SpecifierSet(requires)
        except InvalidSpecifier:
            return  # pip warns and ignores an invalid Requires-Python
        version = self.target.full_python_version
        if not specifier.contains(version, prereleases=True):
            self.fail(
                f"ERROR: Package {name!r} requires a different Python: {version} not in "
                f"{requires!r}",
                "METADATA's Requires-Python excludes the collection's Python.",
            )

    # -- the install (pip's ``_install_wheel``) ------------------------------------------------

    def _install(self, archive: zipfile.ZipFile) -> None:
        names = archive.namelist()
        files = [name for name in names if not name.endswith("/")]
        root = [name for name in files if not name.split("/", 1)[0].endswith(".data")]
        data = [name for name in files if name.split("/", 1)[0].endswith(".data")]
        scripts = [name for name in data if _is_script(name)]
        others = [name for name in data if not _is_script(name)]
        created_files: set[str] = set()
        created_dirs: set[str] = set()
        for name, destination in self._destinations(root, others, scripts):
            if destination is None:
                continue
            if not self._writable(destination, created_files, created_dirs):
                continue
            self._verify(archive, name)
        self._record()

    def _destinations(
        self, root: list[str], others: list[str], scripts: list[str]
    ) -> Iterator[tuple[str, str | None]]:
        """Each member with where pip writes it (``None``, with a problem, when pip refuses)."""
        site = str(self.target.site_packages)
        for name in root:
            destination = posixpath.join(site, posixpath.normpath(name))
            yield name, self._inside(name, site, destination)
        for name in [*others, *scripts]:
            normed = posixpath.normpath(name)
            parts = normed.split("/", 2)
            if len(parts) < 3:
                self.fail(
                    f"Unexpected file in {self.target.wheel_path}: {name!r}. .data directory "
                    "contents should be named like: '<scheme key>/<path>'.",
                    "a .data folder holds one folder per install scheme.",
                )
                yield name, None
                continue
            _, key, subpath = parts
            if key not in _SCHEMES:
                self.fail(
                    f"Unknown scheme key used in {self.target.wheel_path}: {key} (for file "
                    f"{name!r}). .data directory contents should be in subdirectories named "
                    f"with a valid scheme key ({', '.join(_SCHEMES)})",
                    f"`{key}` is not one of pip's install schemes.",
                )
                yield name, None
                continue
            scheme = str(self.target.scheme(key, self.name.name))
            destination = posixpath.join(scheme, subpath)
            yield name, self._inside(name, scheme, destination)

    def _inside(self, name: str, folder: str, destination: str) -> str | None:
        if _is_within(folder, destination):
            relative = posixpath.relpath(
                posixpath.abspath(destination), str(self.target.site_packages)
            )
            self.out.installed[relative] = name
            return posixpath.abspath(destination)
        self.fail(
            f"The wheel {self.target.wheel_path!r} has a file {destination!r} trying to install "
            f"outside the target directory {folder!r}",
            f"member {name!r} climbs out of its install folder; pip refuses it before writing.",
        )
        return None

    def _writable(self, destination: str, files: set[str], dirs: set[str]) -> bool:
        """The file system accepts the path (name lengths, no file where a folder must be)."""
        encoded = destination.encode("utf-8", "surrogateescape")
        components = destination.split("/")
        too_long = len(encoded) > _PATH_MAX or any(
            len(part.encode("utf-8", "surrogateescape")) > _NAME_MAX for part in components
        )
        if too_long:
            self.fail(
                "ERROR: Could not install packages due to an OSError: [Errno 36] File name too "
                f"long: {destination!r}",
                f"a file name may have at most {_NAME_MAX} bytes (a path {_PATH_MAX}).",
            )
            return False
        parents = [posixpath.dirname(destination)]
        while parents[-1] not in ("/", ""):
            parents.append(posixpath.dirname(parents[-1]))
        clash = next((parent for parent in parents if parent in files), None)
        if clash is not None or destination in dirs:
            errno = "[Errno 20] Not a directory" if clash else "[Errno 21] Is a directory"
            self.fail(
                f"ERROR: Could not install packages due to an OSError: {errno}: "
                f"{clash or destination!r}",
                "the wheel holds a file and a folder at the same path.",
            )
            return False
        files.add(destination)
        dirs.update(parents)
        return True

    def _verify(self, archive: zipfile.ZipFile, name: str) -> None:
        manifest = self.marker in name
        if self.budget.left <= 0 and not manifest:
            self.budget.exhausted_at = self.budget.exhausted_at or name
            return
        read = self._read_manifest(archive, name) if manifest else self._read(archive, name)
        if read.error is not None:
            self.fail(_error_line(read.error), f"pip cannot extract {name!r}.")
            return
        if manifest:
            self.out.manifests[name] = None if read.size > MAX_MANIFEST_BYTES else read.head
            return
        info = archive.getinfo(name)
        if read.size > _BOMB_SIZE and read.size > _BOMB_RATIO * max(info.compress_size, 1):
            self.out.warnings.append(
                f"{name} inflates from {info.compress_size} bytes to {read.size} bytes "
                f"({read.size // max(info.compress_size, 1)}:1); pip writes all of it."
            )

    def _read(
        self, archive: zipfile.ZipFile, name: str, *, keep: int = 0, utf8: bool = False
    ) -> _Read:
        """Stream a member within what is left of the overall budget, but always at least its
        first ``keep`` bytes (so a bomb earlier in the archive cannot hide METADATA)."""
        budget = _Budget(max(self.budget.left, keep))
        read = _stream(archive, name, keep=keep, budget=budget, utf8=utf8)
        self.budget.left -= read.size
        if not read.complete:
            self.budget.exhausted_at = self.budget.exhausted_at or name
        return read

    def _read_manifest(self, archive: zipfile.ZipFile, name: str) -> _Read:
        """A manifest candidate, up to one byte past ``MAX_MANIFEST_BYTES`` (enough to tell it
        is too large), outside the overall budget."""
        return _stream(
            archive, name, keep=MAX_MANIFEST_BYTES + 1, budget=_Budget(MAX_MANIFEST_BYTES + 1)
        )

    def _record(self) -> None:
        record = self.record
        why = "pip rewrites RECORD after installing the files, so it must be there, in UTF-8."
        if record is None:
            self.fail("ERROR: Could not install packages due to an OSError: RECORD", why)
        elif record.utf8_error is not None:
            self.fail(
                f"Error decoding metadata for {self.target.wheel_path}: {record.utf8_error} in "
                "RECORD file",
                why,
            )


def _is_script(name: str) -> bool:
    parts = name.split("/", 2)
    return len(parts) > 2 and parts[0].endswith(".data") and parts[1] == "scripts"


def _headers(head: bytes) -> Message:
    """The METADATA headers from its first bytes (the body is not needed)."""
    text = head.decode("utf-8", "replace")
    end = text.find("\n\n")
    return HeaderParser().parsestr(text if end < 0 else text[: end + 1])


def inspect_wheel_install(
    path: Path,
    wheel_name: PipWheelName,
    target: InstallTarget,
    *,
    manifest_marker: str,
) -> WheelInstall:
    """What ``pip install`` does with the wheel at ``path`` (see the module docstring)."""
    return _Inspector(path, wheel_name, target, manifest_marker).run()
