"""Byte-compiled modules kept across installs, so a uv install does not compile them again.

pip byte-compiles every module it installs (``compileall.compile_file(force=True)``), and fast
mode's uv installs do the same afterwards (``uv_installer``) so that the venv holds pip's
``.pyc`` files. For a large package that compilation is most of a cold install (fractal-tasks-core
2.1.0: about 9,000 modules, 15 of 19 seconds), and its result depends only on

* the source's bytes and the interpreter's bytecode (its magic number),
* the source's path, stored once in the marshalled code as the code objects' file name, and
* the source's size and modification time, in the ``.pyc`` header (timestamp invalidation).

So each compiled module is stored under the SHA-256 of its source in a folder per magic number,
with the path it was compiled at. A later install of the same source, at any path, gets that
``.pyc`` with the file name replaced as marshal writes it (byte for byte what compiling there
gives, as the uv installer promises) and the header set from the new source, written the way
``py_compile`` writes (mode from the source's, a new file renamed into place). A module whose
file name cannot be replaced exactly (the path also occurs elsewhere in the code) is compiled,
as is every module not yet stored; those are stored afterwards. Entries are whole files renamed
into place, so a reader never sees half of one; ``clear`` empties the cache (``taskcollect cache
clear``). The cache is capped in size (``max_bytes``, all interpreters together): after a
compilation that stored modules, the oldest entries go until it holds at most four fifths of
the cap (so the next stores do not each walk it again); an entry removed while another process
reads it only costs that process a compilation.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .user_cache import default_cache_dir

__all__ = [
    "DEFAULT_MAX_BYTES",
    "BytecodeCache",
    "cache_size",
    "clear",
    "default_bytecode_cache",
    "patch_pyc_filename",
    "trim",
]

_THREADS = 4
_TEMPORARY = ".tmp-"
DEFAULT_MAX_BYTES = 2 * 2**30
"""The default size cap (fractal-tasks-core's 7,800 modules take about 180 MB)."""
_HEADER = 16
"""A ``.pyc`` header: magic number, flags (0: timestamp-based), source mtime, source size."""


def default_bytecode_cache() -> Path:
    """``bytecode/`` in the user cache dir."""
    return default_cache_dir() / "bytecode"


def patch_pyc_filename(data: bytes, old: bytes, new: bytes) -> bytes | None:
    """``data`` (a ``.pyc``) with the marshalled string ``old`` (the code objects' file name,
    stored once and referenced after that) replaced by ``new`` as marshal writes it; ``None``
    when ``old`` is not there exactly once as a plain ASCII string."""
    if data.count(old) != 1:
        return None
    index = data.index(old)
    if len(old) < 256:
        start, kinds, length = index - 2, (0x7A, 0xFA), data[index - 1 : index]
        expected = bytes([len(old)])
    else:
        start, kinds, length = index - 5, (0x61, 0xE1), data[index - 4 : index]
        expected = len(old).to_bytes(4, "little")
    if start < _HEADER or data[start] not in kinds or length != expected:
        return None
    flag = data[start] & 0x80
    if len(new) < 256:
        header = bytes([0x7A | flag, len(new)])
    else:
        header = bytes([0x61 | flag]) + len(new).to_bytes(4, "little")
    return data[:start] + header + new + data[index + len(old) :]


def _umask() -> int:
    """The process's umask: from ``/proc`` (setting it to read it back would race with other
    threads creating files), else by setting and restoring it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class BytecodeCache:
    """The stored compilations of one interpreter (``magic``, hex) under ``root``."""

    def __init__(self, root: Path, magic: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.folder = root / magic
        self.magic = bytes.fromhex(magic)
        self.max_bytes = max_bytes

    def _entry(self, digest: str) -> Path:
        return self.folder / digest[:2] / digest

    def compile(
        self,
        sources: list[Path],
        pyc_path: Callable[[Path], Path],
        compile_missing: Callable[[list[Path]], Mapping[str, str]],
    ) -> dict[str, str]:
        """Give each source its ``.pyc`` at ``pyc_path(source)``: from the cache where it
        holds the source, else by ``compile_missing`` (which returns ``{source: pyc}`` for
        those that compiled, as pip records them), whose results are then stored. Returns
        ``{source: pyc}`` for every source that has one."""
        mask = _umask()

        def from_cache(source: Path) -> tuple[str | None, str | None]:
            """(the source's digest when it must be compiled, its pyc when it came from here);
            an unreadable source goes to ``compile_missing`` as it is, with no digest."""
            try:
                data = source.read_bytes()
            except OSError:
                return "", None
            digest = hashlib.sha256(data).hexdigest()
            pyc = pyc_path(source)
            try:
                stored = self._entry(digest).read_bytes()
            except OSError:
                return digest, None
            old, _, code = stored.partition(b"\n")
            patched = patch_pyc_filename(code, old, os.fsencode(source))
            if patched is None or code[:4] != self.magic or code[4:8] != bytes(4):
                return digest, None
            info = source.stat()
            header = (int(info.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little") + (
                info.st_size & 0xFFFFFFFF
            ).to_bytes(4, "little")
            _write_like_py_compile(pyc, patched[:8] + header + patched[_HEADER:], info, mask)
            return None, str(pyc)

        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            outcomes = list(zip(sources, pool.map(from_cache, sources), strict=True))
        done = {str(source): pyc for source, (_, pyc) in outcomes if pyc is not None}
        missing = {source: digest for source, (digest, _) in outcomes if digest is not None}
        compiled = dict(compile_missing(list(missing)))
        stored = False
        for source, digest in missing.items():
            if digest and str(source) in compiled:
                stored |= self._store(digest, source, Path(compiled[str(source)]))
        if stored:
            trim(self.root, self.max_bytes)
        return done | compiled

    def _store(self, digest: str, source: Path, pyc: Path) -> bool:
        """Keep ``pyc`` (compiled from ``source``) for that source's content; ``True`` when
        stored (a failure to store only costs a later compilation)."""
        try:
            code = pyc.read_bytes()
            if code[:4] != self.magic or code[4:8] != bytes(4):
                return False
            entry = self._entry(digest)
            entry.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=_TEMPORARY)
        except OSError:
            return False
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(os.fsencode(source) + b"\n" + code)
            os.replace(temporary, entry)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
            return False
        return True


def _write_like_py_compile(pyc: Path, data: bytes, source: os.stat_result, mask: int) -> None:
    """Write ``pyc`` as ``py_compile`` leaves it: its ``__pycache__`` made with the default
    mode, the file with the source's mode (plus owner write, minus the umask). A fresh install
    has no ``.pyc`` there, so the file is created in place; one already there is replaced by a
    new file renamed over it, as ``py_compile`` does."""
    pyc.parent.mkdir(exist_ok=True)
    mode = (stat.S_IMODE(source.st_mode) | 0o200) & 0o666 & ~mask
    flags = os.O_EXCL | os.O_CREAT | os.O_WRONLY
    try:
        handle = os.open(pyc, flags, mode)
    except FileExistsError:
        temporary = f"{pyc}.{os.getpid()}-{threading.get_ident()}"
        handle = os.open(temporary, flags, mode)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, pyc)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
    except BaseException:
        pyc.unlink(missing_ok=True)  # never a half-written module
        raise


def _entries(root: Path) -> list[tuple[int, int, str]]:
    """The cache's entries as ``(mtime_ns, size, path)``: temporary files of a store in
    progress, and files removed meanwhile, left out."""
    entries = []
    for folder, _, files in os.walk(root):
        for name in files:
            if name.startswith(_TEMPORARY):
                continue
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            entries.append((info.st_mtime_ns, info.st_size, path))
    return entries


def trim(root: Path, max_bytes: int) -> int:
    """Remove the oldest entries (by modification time) of the cache at ``root`` until it
    holds at most four fifths of ``max_bytes``, when it holds more than ``max_bytes``; returns
    how many were removed. Temporary files of a store in progress are left alone."""
    entries = _entries(root)
    total = sum(size for _, size, _ in entries)
    if total <= max_bytes:
        return 0
    removed = 0
    for _, size, path in sorted(entries):
        if total <= max_bytes * 4 // 5:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        total -= size
        removed += 1
    return removed


def cache_size(root: Path) -> tuple[int, int]:
    """What the cache at ``root`` holds: (modules, bytes)."""
    entries = _entries(root)
    return len(entries), sum(size for _, size, _ in entries)


def clear(root: Path) -> tuple[int, int]:
    """Empty the cache at ``root``; returns what it held (modules, bytes)."""
    held = cache_size(root)
    shutil.rmtree(root, ignore_errors=True)
    return held
