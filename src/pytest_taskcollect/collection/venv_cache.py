"""Reusing a collected venv for a later collection of the same inputs (fast mode), across processes.

Collecting the same wheel again (same interpreter, wheel bytes and name, extras, pins, offline
sources, pip cap and fractal-server release, whose install script and log wording the stored
outputs follow) runs the same pip commands on the same inputs, so it produces the same venv
except for the paths written into it. After a collection's ``pip freeze`` step, its venv goes
into a **persistent store** (``CollectionSettings.venv_store``; by default ``venvs/`` in the user
cache dir, see ``user_cache``); a later collection, in this process or another one (a
pytest-xdist worker, the next CI run), rebuilds it at its own venv path and rewrites every place
that holds the old location, as pip and virtualenv would have written it there:

* text files holding the old venv path (``pyvenv.cfg``, activation scripts, script shebangs;
  an entry is not used across the 127-byte shebang limit, where the shebang's form changes);
* the package's ``direct_url.json`` (the uploaded wheel's ``file://`` URL);
* the ``.pyc`` of a rewritten source (recompiled: its header holds the source's size);
* the RECORD rows (hash, size) of every rewritten file;
* symlinks pointing into the old venv.

Every other file is hard-linked from the store (copied where links are impossible), which is
what makes reusing a venv of a thousand megabytes take a second. That includes the ``.pyc``
files, whose code objects keep naming the source at its first place: Python replaces that name
with the module's real path whenever it loads one (``importlib`` calls ``_imp._fix_co_filename``
with the source path), so tracebacks, ``inspect``, ``warnings`` and coverage see the new place,
and the header (source mtime and size) still matches the linked source, so nothing is
recompiled. Writing them anew with the path patched would cost seconds on a big venv (8,000
new files for fractal-tasks-core) for bytes nothing reads; the one difference from a fresh
install is that string. Files are always replaced, never written in place, so the store's copy
never changes through a venv (pip, too, unlinks a file before writing it, and Python writes a
``.pyc`` by renaming a new file over it); the store records each file's size and modification
time and an entry whose file changed anyway is dropped. Any other occurrence of the old
task-group path, or a path with characters that tools quote or escape differently (anything but
``[A-Za-z0-9_./-]``), makes the venv unusable for the store and the collection runs normally.
The scripts' pip output and ``pip freeze`` are replayed with the paths substituted.

The store (``<store>/<key>/`` with ``entry.json`` and ``venv/``) is written like the wheel cache
(``factory.cache``): under a per-key ``filelock``, into a staging folder published by one atomic
rename, ``entry.json`` written last, so a reader never sees half an entry and a process killed
while storing (SIGKILL) leaves only a staging folder. The storing process holds a lock on its
staging folder (``.owner.lock``, ``flock``) while it writes; the next process that stores
anything, and ``clear``, remove the staging folders whose lock is free (a running process's is
never touched), and the trash of interrupted removals. The store is capped in size
(``CollectionSettings.venv_store_max_bytes``): after each store, the least recently used entries
are removed until it fits.
"""

from __future__ import annotations

import base64
import compileall
import contextlib
import csv
import dataclasses
import fcntl
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from filelock import FileLock

from ..schemas.task_collection import UploadedFileBase
from .activity_log import ActivityLog
from .interpreters import InterpreterInfo
from .pip_request import TaskGroupPlan
from .settings import CollectionSettings
from .user_cache import default_venv_store

__all__ = [
    "CachedVenv",
    "Relocation",
    "StoreInfo",
    "cache_key",
    "clear",
    "lookup",
    "path_to_url",
    "restore",
    "store",
    "store_info",
    "store_root",
]

_SAFE_PATH = re.compile(r"[A-Za-z0-9_./-]+")
_ENTRY_FILE = "entry.json"
_USED_FILE = "last-used"
_STAGING = ".staging-"
_TRASH = ".trash-"
_OWNER_LOCK = ".owner.lock"
_FORMAT = 3
_THREADS = 4
_T = TypeVar("_T")

_COMPILE = (
    "import compileall, sys, warnings\n"
    "with warnings.catch_warnings():\n"
    "    warnings.filterwarnings('ignore')\n"
    "    for path in sys.argv[1:]:\n"
    "        compileall.compile_file(path, force=True, quiet=True)\n"
)


def path_to_url(path: str) -> str:
    """pip's ``path_to_url``: the ``file://`` URL pip records for a local file."""
    path = os.path.normpath(os.path.abspath(path))
    return urllib.parse.urljoin("file:", urllib.request.pathname2url(path))


def store_root(settings: CollectionSettings) -> Path:
    """The venv store of ``settings``."""
    return settings.venv_store if settings.venv_store is not None else default_venv_store()


@dataclass(frozen=True)
class Relocation:
    """The paths of one collection: its group folder, venv and uploaded wheel."""

    group_path: str
    venv_path: str
    wheel_path: str | None
    links: tuple[str, ...] = ()
    """The find-links pip was given (printed by pip; equal content elsewhere is reusable)."""

    @property
    def simple_shebang(self) -> bool:
        """Whether script shebangs are ``#!<venv>/bin/python`` (distlib, which writes the
        scripts of virtualenv and pip, switches to a ``/bin/sh`` trampoline above 127 bytes)."""
        return len(f"{self.venv_path}/bin/python") + 3 <= 127

    @property
    def safe(self) -> bool:
        """True when no path needs quoting or escaping anywhere it is written."""
        return all(
            _SAFE_PATH.fullmatch(path) is not None
            for path in (self.group_path, self.venv_path, self.wheel_path or self.group_path)
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "group_path": self.group_path,
            "venv_path": self.venv_path,
            "wheel_path": self.wheel_path,
            "links": list(self.links),
        }


@dataclass(frozen=True)
class CachedVenv:
    """A stored venv and what its collection printed."""

    folder: Path
    origin: Relocation
    outputs: dict[str, tuple[str, str]]
    pip_freeze: str
    dirs: list[str]
    symlinks: dict[str, str]
    files: dict[str, list[int]]
    rewrite: frozenset[str]

    @property
    def template(self) -> Path:
        """The stored venv."""
        return self.folder / "venv"

    @property
    def venv_path(self) -> str:
        """Where the stored venv was first created."""
        return self.origin.venv_path

    def _relocate_text(self, text: str, target: Relocation) -> str:
        """``text`` with the origin's paths (wheel URL, group path, find-links) replaced by the
        target's, in one pass (longest first, so no replacement is replaced again)."""
        mapping = {self.origin.group_path: target.group_path}
        if self.origin.wheel_path is not None and target.wheel_path is not None:
            mapping[path_to_url(self.origin.wheel_path)] = path_to_url(target.wheel_path)
        mapping.update(zip(self.origin.links, target.links, strict=True))
        mapping = {old: new for old, new in mapping.items() if old != new}
        if not mapping:
            return text
        pattern = "|".join(re.escape(old) for old in sorted(mapping, key=len, reverse=True))
        return re.sub(pattern, lambda match: mapping[match.group(0)], text)

    def replay(self, template: str, target: Relocation) -> tuple[str, str]:
        """``(stdout, stderr)`` of a script of the first collection, paths substituted."""
        stdout, stderr = self.outputs[template]
        return self._relocate_text(stdout, target), self._relocate_text(stderr, target)

    def relocated_freeze(self, target: Relocation) -> str:
        """The first collection's ``pip freeze --all`` with the wheel URL substituted."""
        return self._relocate_text(self.pip_freeze, target)


# -- keys ----------------------------------------------------------------------------------


_DIGESTS_FILE = ".digests.json"
_DIGESTS_KEPT = 50_000
_digests: dict[str, str] = {}
_digests_used: set[str] = set()
_digests_loaded: set[Path] = set()


def _digest(path: str, info: os.stat_result) -> str:
    """The SHA-256 of a source file, remembered per path, size, inode and mtime (in this
    process, and in the store's ``.digests.json`` for the next ones: see ``cache_key``)."""
    memo = f"{path}\0{info.st_size}\0{info.st_ino}\0{info.st_mtime_ns}"
    _digests_used.add(memo)
    if memo not in _digests:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _digests[memo] = digest.hexdigest()
    return _digests[memo]


def _load_digests(root: Path) -> None:
    if root in _digests_loaded:
        return
    _digests_loaded.add(root)
    try:
        saved = json.loads((root / _DIGESTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(saved, dict):
        _digests.update({key: value for key, value in saved.items() if isinstance(value, str)})


def _save_digests(root: Path) -> None:
    """Write the known digests next to the store (replaced atomically; a lost race only
    costs the other process some hashing); past ``_DIGESTS_KEPT``, only this process's."""
    if len(_digests) > _DIGESTS_KEPT:
        for stale in set(_digests) - _digests_used:
            del _digests[stale]
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=_DIGESTS_FILE, dir=root)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(_digests, stream)
        os.replace(temporary, root / _DIGESTS_FILE)
    except OSError:
        return


def _fingerprint(link: str) -> object:
    """What a local find-links entry holds (names, sizes, content digests; not times, so a
    copy of the same wheels elsewhere or in a later session has the same fingerprint),
    ``None`` if not local."""
    path = Path(link[len("file://") :] if link.startswith("file://") else link)
    if "://" in link and not link.startswith("file://"):
        return None
    if path.is_dir():
        listing = []
        for entry in sorted(os.scandir(path), key=lambda item: item.name):
            if entry.is_file():
                entry_stat = entry.stat()
                listing.append((entry.name, entry_stat.st_size, _digest(entry.path, entry_stat)))
            else:
                listing.append((entry.name, -1, ""))
        return listing
    if path.is_file():
        path_stat = path.stat()
        return [path.name, path_stat.st_size, _digest(str(path), path_stat)]
    return []


def cache_key(
    *,
    plan: TaskGroupPlan,
    wheel: UploadedFileBase | None,
    info: InterpreterInfo,
    settings: CollectionSettings,
    find_links: list[str],
    installer: str = "pip",
) -> str | None:
    """A key for everything the venv's content depends on, ``None`` when not cacheable.

    Only offline collections from local sources are cached: an index could change between two
    collections. A find-links entry counts by its content, and by its path only when that has
    characters pip might print otherwise (a replay substitutes the paths, see ``Relocation``).
    """
    if not settings.no_index:
        return None
    root = store_root(settings)
    _load_digests(root)
    known = len(_digests)
    fingerprints = [_fingerprint(link) for link in find_links]
    if len(_digests) != known:
        _save_digests(root)
    if any(fingerprint is None for fingerprint in fingerprints):
        return None
    material = {
        "format": _FORMAT,
        "interpreter": [info.path, list(info.version), info.magic],
        "origin": plan.origin.value,
        "pkg_name": plan.pkg_name,
        "version": plan.version,
        "extras": plan.pip_extras,
        "pins": {field: pins or {} for field, pins in plan.pins.items()},
        "server_version": settings.server_version,
        "wheel": None
        if wheel is None
        else [wheel.filename, hashlib.sha256(wheel.contents).hexdigest()],
        "pip_cap": settings.pip_cap,
        "installer": installer,
        "pip_cache_dir": str(settings.pip_cache_dir) if settings.pip_cache_dir else None,
        "find_links": [
            [None if _SAFE_PATH.fullmatch(link) else link, fingerprint]
            for link, fingerprint in zip(find_links, fingerprints, strict=True)
        ],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


# -- reading -------------------------------------------------------------------------------


def _load(folder: Path) -> CachedVenv | None:
    try:
        data = json.loads((folder / _ENTRY_FILE).read_text(encoding="utf-8"))
        if data.get("format") != _FORMAT:
            return None
        return CachedVenv(
            folder=folder,
            origin=Relocation(
                group_path=data["origin"]["group_path"],
                venv_path=data["origin"]["venv_path"],
                wheel_path=data["origin"]["wheel_path"],
                links=tuple(data["origin"]["links"]),
            ),
            outputs={name: (out, err) for name, (out, err) in data["outputs"].items()},
            pip_freeze=data["pip_freeze"],
            dirs=data["dirs"],
            symlinks=data["symlinks"],
            files=data["files"],
            rewrite=frozenset(data["rewrite"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def lookup(root: Path, key: str) -> CachedVenv | None:
    """The stored venv for ``key``, if a complete one is there."""
    return _load(root / key)


# -- writing -------------------------------------------------------------------------------


class _Unrelocatable(Exception):
    """The venv holds its location somewhere we do not rewrite."""


@dataclass(frozen=True)
class _Listing:
    """A venv's tree: folders (parents first), symlinks (``rel: target``), regular files
    (``rel: [size, mtime_ns]``), the files holding its path (to rewrite on reuse, ``.pyc``
    aside) and its size in bytes."""

    dirs: list[str]
    symlinks: dict[str, str]
    files: dict[str, list[int]]
    rewrite: list[str]
    size: int


def _may_hold_the_path(rel: str) -> bool:
    """Whether a venv file can hold the venv's path: only files that virtualenv and pip write
    at install time do (scripts and activation files, ``pyvenv.cfg``, ``.pth`` files, the
    ``*.dist-info`` files pip adds); the other files of ``lib/`` come from wheels as they
    are, and ``.pyc`` files are linked as they are (see the module docstring)."""
    if rel.endswith(".pyc"):
        return False
    if not rel.startswith(("lib/", "lib64/")):
        return True
    folder, name = os.path.split(rel)
    return name.endswith(".pth") or folder.endswith(".dist-info")


def _scan(relocation: Relocation) -> _Listing:
    """List the venv at ``relocation.venv_path``. Raises ``_Unrelocatable``."""
    venv = relocation.venv_path
    group = relocation.group_path.encode()
    venv_bytes = venv.encode()
    url = path_to_url(relocation.wheel_path).encode() if relocation.wheel_path else None
    listing = _Listing(dirs=[], symlinks={}, files={}, rewrite=[], size=0)
    size = 0
    for folder, dirnames, filenames in os.walk(venv):
        for name in dirnames + filenames:
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, venv)
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                listing.symlinks[rel] = os.readlink(full)
                continue
            if stat.S_ISDIR(info.st_mode):
                listing.dirs.append(rel)
                continue
            if not stat.S_ISREG(info.st_mode):
                raise _Unrelocatable(f"{full} is neither a file, a folder nor a symlink")
            listing.files[rel] = [info.st_size, info.st_mtime_ns]
            size += info.st_size
            if not _may_hold_the_path(rel):
                continue
            data = Path(full).read_bytes()
            if group not in data:
                continue
            residue = data.replace(venv_bytes, b"")
            if url is not None and name == "direct_url.json":
                residue = residue.replace(url, b"")
            if group in residue:
                raise _Unrelocatable(f"{full} holds the group path outside the venv path")
            listing.rewrite.append(rel)
    return dataclasses.replace(listing, size=size)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _make_dirs(root: str, dirs: list[str]) -> None:
    """Create ``root`` and its folders ``dirs`` (relative), parents first and siblings in
    parallel: on ext4 each new folder costs an inode and a block, a venv has thousands."""
    os.mkdir(root)
    by_depth: dict[int, list[str]] = {}
    for rel in dirs:
        by_depth.setdefault(rel.count(os.sep), []).append(os.path.join(root, rel))
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        for depth in sorted(by_depth):
            list(pool.map(os.mkdir, by_depth[depth]))


def _in_threads(work: Callable[[str], _T], items: list[str]) -> list[_T]:
    """``work`` on every item, in ``_THREADS`` threads (file-system calls release the GIL)."""
    chunks = [items[index::_THREADS] for index in range(_THREADS)]
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        done = pool.map(lambda chunk: [work(item) for item in chunk], chunks)
        return [outcome for chunk in done for outcome in chunk]


def _clone_tree(source: str, target: str, listing: _Listing) -> None:
    """``target`` as ``source``'s tree (as ``listing`` found it), its files hard links to
    ``source``'s, its symlinks as they are."""
    _make_dirs(target, listing.dirs)
    for rel, link in listing.symlinks.items():
        os.symlink(link, os.path.join(target, rel))
    _in_threads(
        lambda rel: _link_or_copy(os.path.join(source, rel), os.path.join(target, rel)),
        list(listing.files),
    )


def _remove(folder: Path) -> None:
    """Remove ``folder`` after moving it aside (atomic for readers)."""
    trash = folder.with_name(f"{_TRASH}{folder.name}-{os.getpid()}-{time.monotonic_ns()}")
    try:
        folder.rename(trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def _owned_by_a_live_process(folder: Path) -> bool:
    """Whether a staging folder's owner lock is held (or, without a lock file yet, whether the
    folder is less than a day old: its process may be about to take the lock)."""
    try:
        handle = open(folder / _OWNER_LOCK, "r+")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        with contextlib.suppress(OSError):
            return time.time() - folder.lstat().st_mtime < 24 * 3600
        return False
    except OSError:
        return True
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def _sweep_leftovers(root: Path) -> list[Path]:
    """Remove the staging folders of processes that are gone and the trash of interrupted
    removals (same user only); return what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for folder in root.iterdir():
            if not folder.name.startswith((_STAGING, _TRASH)):
                continue
            with contextlib.suppress(OSError):
                folder_stat = folder.lstat()
                if not stat.S_ISDIR(folder_stat.st_mode) or folder_stat.st_uid != os.getuid():
                    continue
                if folder.name.startswith(_STAGING) and _owned_by_a_live_process(folder):
                    continue
                shutil.rmtree(folder)
                removed.append(folder)
    return removed


@contextlib.contextmanager
def _staging_folder(root: Path, key: str) -> Iterator[Path]:
    """A new staging folder for ``key``, locked by this process until the block ends; removed
    unless the block renamed it away (published it)."""
    staging = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{key}-", dir=root))
    try:
        with open(staging / _OWNER_LOCK, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def store(
    root: Path,
    key: str,
    *,
    relocation: Relocation,
    outputs: dict[str, tuple[str, str]],
    pip_freeze: str,
    max_bytes: int,
) -> bool:
    """Put the venv at ``relocation.venv_path`` into the store under ``key``; ``True`` when
    stored now.

    Nothing is stored when the venv cannot be relocated reliably (unsafe characters, the group
    path in ``pip freeze`` other than in the wheel's URL, or in a file outside the venv path),
    or when another process stored it first.
    """
    if not relocation.safe or lookup(root, key) is not None:
        return False
    freeze_rest = pip_freeze
    if relocation.wheel_path is not None:
        freeze_rest = freeze_rest.replace(path_to_url(relocation.wheel_path), "")
    if relocation.group_path in freeze_rest:
        return False
    root.mkdir(parents=True, exist_ok=True)
    _sweep_leftovers(root)
    with FileLock(root / f".{key}.lock"):
        if lookup(root, key) is not None:
            return False
        if (root / key).exists():  # an entry of an older format
            _remove(root / key)
        try:
            with _staging_folder(root, key) as staging:
                listing = _scan(relocation)
                _clone_tree(relocation.venv_path, str(staging / "venv"), listing)
                entry = {
                    "format": _FORMAT,
                    "origin": relocation.as_dict(),
                    "outputs": outputs,
                    "pip_freeze": pip_freeze,
                    **dataclasses.asdict(listing),
                }
                (staging / _USED_FILE).touch()
                (staging / _ENTRY_FILE).write_text(json.dumps(entry), encoding="utf-8")
                os.replace(staging, root / key)
        except (OSError, _Unrelocatable):
            return False
        (root / key / _OWNER_LOCK).unlink(missing_ok=True)
    _evict(root, max_bytes, keep=key)
    return True


# -- size cap, info, clear -----------------------------------------------------------------


@dataclass(frozen=True)
class StoreInfo:
    """What the store holds: complete entries (key, bytes, last use) and leftovers."""

    root: Path
    entries: tuple[tuple[str, int, float], ...]
    leftovers: tuple[Path, ...]

    @property
    def size(self) -> int:
        return sum(size for _, size, _ in self.entries)


def _entry_size(folder: Path) -> int:
    try:
        data = json.loads((folder / _ENTRY_FILE).read_text(encoding="utf-8"))
        return int(data["size"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _last_used(folder: Path) -> float:
    try:
        return (folder / _USED_FILE).stat().st_mtime
    except OSError:
        return 0.0


def store_info(root: Path) -> StoreInfo:
    """The store's entries, largest use first, and leftover folders of killed processes."""
    entries = []
    leftovers = []
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if not folder.is_dir():
                continue
            if folder.name.startswith((_STAGING, _TRASH)):
                leftovers.append(folder)
            elif (folder / _ENTRY_FILE).is_file():
                entries.append((folder.name, _entry_size(folder), _last_used(folder)))
            else:
                leftovers.append(folder)
    entries.sort(key=lambda item: item[2], reverse=True)
    return StoreInfo(root=root, entries=tuple(entries), leftovers=tuple(leftovers))


def _evict(root: Path, max_bytes: int, *, keep: str) -> None:
    """Remove least recently used entries until the store fits ``max_bytes``."""
    with FileLock(root / ".evict.lock"):
        info = store_info(root)
        total = info.size
        for key, size, _ in reversed(info.entries):
            if total <= max_bytes:
                break
            if key == keep:
                continue
            with FileLock(root / f".{key}.lock"):
                _remove(root / key)
            total -= size


def clear(root: Path | None = None) -> StoreInfo:
    """Empty the store (default: the user cache dir's); returns what it removed (a staging
    folder that a running process is writing is left to it)."""
    root = root if root is not None else default_venv_store()
    info = store_info(root)
    for key, _, _ in info.entries:
        with FileLock(root / f".{key}.lock"):
            _remove(root / key)
    removed = _sweep_leftovers(root)
    for leftover in info.leftovers:
        if not leftover.name.startswith((_STAGING, _TRASH)):
            shutil.rmtree(leftover, ignore_errors=True)
            removed.append(leftover)
    return dataclasses.replace(info, leftovers=tuple(sorted(removed)))


# -- restoring -----------------------------------------------------------------------------


def restore(
    entry: CachedVenv,
    target: Relocation,
    info: InterpreterInfo,
    env: dict[str, str],
    log: ActivityLog,
) -> bool:
    """Rebuild ``entry`` at ``target.venv_path``; ``False`` (and nothing left behind) when
    that is not possible. An entry whose files changed since it was stored is removed."""
    if not target.safe or target.simple_shebang != entry.origin.simple_shebang:
        return False
    try:
        _rebuild(entry, target, info, env)
    except _Changed as error:
        log.note(f"the stored venv {entry.folder} changed ({error}); removed it")
        _remove(entry.folder)
        shutil.rmtree(target.venv_path, ignore_errors=True)
        return False
    except (OSError, _Unrelocatable, subprocess.SubprocessError, ValueError) as error:
        log.note(f"could not reuse the venv of {entry.venv_path} ({error}); creating it anew")
        shutil.rmtree(target.venv_path, ignore_errors=True)
        return False
    with contextlib.suppress(OSError):
        os.utime(entry.folder / _USED_FILE)
    return True


class _Changed(Exception):
    """A stored file is not the one that was stored."""


def _replace_file(path: str, data: bytes, like: os.stat_result) -> None:
    """Write ``data`` as a new file at ``path`` (none there) with ``like``'s mode and times."""
    with open(path, "xb") as handle:
        handle.write(data)
    os.chmod(path, stat.S_IMODE(like.st_mode))
    os.utime(path, ns=(like.st_atime_ns, like.st_mtime_ns))


def _rebuild(
    entry: CachedVenv, target: Relocation, info: InterpreterInfo, env: dict[str, str]
) -> None:
    """Recreate the stored tree at the target: folders, symlinks (retargeted), files linked
    or rewritten, in threads: most of the time is file-system calls."""
    origin = entry.origin
    old_venv, new_venv = origin.venv_path, target.venv_path
    old_url = new_url = None
    if origin.wheel_path is not None and target.wheel_path is not None:
        old_url, new_url = path_to_url(origin.wheel_path), path_to_url(target.wheel_path)
    template = str(entry.template)
    _make_dirs(new_venv, entry.dirs)
    for rel, link in entry.symlinks.items():
        if link.startswith(old_venv + "/"):
            link = new_venv + link[len(old_venv) :]
        os.symlink(link, os.path.join(new_venv, rel))

    def place(rel: str, recorded: list[int]) -> tuple[str | None, str | None]:
        """Create ``rel``; returns (a rewritten file, a ``.pyc`` to recompile)."""
        source, out = os.path.join(template, rel), os.path.join(new_venv, rel)
        try:
            source_stat = os.lstat(source)
        except FileNotFoundError:
            raise _Changed(f"{rel} is missing") from None
        if [source_stat.st_size, source_stat.st_mtime_ns] != recorded:
            raise _Changed(f"{rel} differs from what was stored")
        if rel in entry.rewrite:
            data = Path(source).read_bytes()
            if old_url is not None and new_url is not None and rel.endswith("direct_url.json"):
                data = data.replace(old_url.encode(), new_url.encode())
            _replace_file(out, data.replace(old_venv.encode(), new_venv.encode()), source_stat)
            return os.path.normpath(out), None
        if rel.endswith(".pyc") and _pyc_source(rel, info) in entry.rewrite:
            return None, out
        _link_or_copy(source, out)
        return None, None

    placed = _in_threads(lambda rel: place(rel, entry.files[rel]), list(entry.files))
    changed = {rewritten for rewritten, _ in placed if rewritten is not None}
    _recompile([pyc for _, pyc in placed if pyc is not None], info, env)
    _update_records(Path(new_venv) / "lib" / f"python{info.major_minor}" / "site-packages", changed)


def _pyc_source(rel: str, info: InterpreterInfo) -> str:
    """The source file (relative to the venv) of the ``.pyc`` at ``rel``."""
    cache_dir, name = os.path.split(rel)
    suffix = f".{info.cache_tag}.pyc"
    if os.path.basename(cache_dir) != "__pycache__" or not name.endswith(suffix):
        raise _Unrelocatable(f"unexpected bytecode file {rel}")
    return os.path.join(os.path.dirname(cache_dir), name[: -len(suffix)] + ".py")


def _recompile(pycs: list[str], info: InterpreterInfo, env: dict[str, str]) -> None:
    """Byte-compile the sources of ``pycs`` at their new place, as pip does after installing."""
    suffix = f".{info.cache_tag}.pyc"
    sources = []
    for pyc in pycs:
        cache_dir, name = os.path.split(pyc)
        source = os.path.join(os.path.dirname(cache_dir), name[: -len(suffix)] + ".py")
        if not os.path.isfile(source):
            raise _Unrelocatable(f"no source for {pyc}")
        sources.append(source)
    if not sources:
        return
    same_interpreter = (
        info.magic == importlib.util.MAGIC_NUMBER.hex()
        and info.cache_tag == sys.implementation.cache_tag
    )
    if same_interpreter:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore")
            for source in sources:
                compileall.compile_file(source, force=True, quiet=1, optimize=0)
        return
    subprocess.run(
        [info.path, "-I", "-S", "-c", _COMPILE, *sources],
        env=env,
        check=True,
        capture_output=True,
    )


def _update_records(site_packages: Path, changed: set[str]) -> None:
    """Give the RECORD rows of rewritten files their new hash and size (RECORD replaced)."""
    if not changed or not site_packages.is_dir():
        return
    for info_dir in site_packages.glob("*.dist-info"):
        record = info_dir / "RECORD"
        if info_dir.is_symlink() or not record.is_file():
            continue
        text = record.read_bytes().decode("utf-8")
        rows = list(csv.reader(text.splitlines()))
        updated = False
        for row in rows:
            if len(row) < 3 or not row[1]:
                continue
            path = os.path.normpath(os.path.join(site_packages, row[0]))
            if path in changed:
                data = Path(path).read_bytes()
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                row[1], row[2] = f"sha256={digest.decode()}", str(len(data))
                updated = True
        if updated:
            buffer = io.StringIO()
            terminator = "\r\n" if "\r\n" in text else "\n"
            csv.writer(buffer, lineterminator=terminator).writerows(rows)
            record_stat = record.stat()
            record.unlink()  # a hard link into the store: never written in place
            _replace_file(str(record), buffer.getvalue().encode("utf-8"), record_stat)
