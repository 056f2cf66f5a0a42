"""Reusing a collected venv for a later collection of the same inputs (fast mode).

Collecting the same wheel again (same interpreter, wheel bytes and name, extras, pins, offline
sources and pip cap) runs the same pip commands on the same inputs, so it produces the same venv
except for the paths written into it. After a collection's ``pip freeze`` step, its venv is
copied into a per-process cache; a later collection copies that template to its own venv path and
rewrites every place that holds the old location, as pip and virtualenv would have written it
there:

* text files holding the old venv path (``pyvenv.cfg``, activation scripts, script shebangs;
  an entry is not used across the 127-byte shebang limit, where the shebang's form changes);
* the package's ``direct_url.json`` (the uploaded wheel's ``file://`` URL);
* the ``.pyc`` files of installed packages, recompiled at the new location as pip compiles them
  (their ``co_filename`` holds the path);
* the RECORD rows (hash, size) of every rewritten file;
* symlinks pointing into the old venv.

Any other occurrence of the old task-group path, or a path with characters that tools quote or
escape differently (anything but ``[A-Za-z0-9_./-]``, which ``shlex.quote`` and URLs keep as
is), makes the entry unusable and the collection runs normally. The scripts' pip output and
``pip freeze`` are replayed with the paths substituted. Entries live in a temporary folder
(``pytest-taskcollect-venvs-*``) removed when the process exits. The process holds a lock on
that folder while it lives; a process killed before it could remove its folder (SIGKILL) leaves
it unlocked, and the next process that creates a cache folder removes it (only folders of the
same user, and only unlocked ones, so a running process's cache is never touched).
"""

from __future__ import annotations

import atexit
import base64
import compileall
import contextlib
import csv
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
import threading
import time
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..schemas.task_collection import UploadedFileBase
from .activity_log import ActivityLog
from .interpreters import InterpreterInfo
from .pip_request import TaskGroupPlan
from .settings import CollectionSettings

__all__ = [
    "CachedVenv",
    "Relocation",
    "cache_key",
    "clear",
    "lookup",
    "path_to_url",
    "restore",
    "store",
]

_SAFE_PATH = re.compile(r"[A-Za-z0-9_./-]+")

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


@dataclass(frozen=True)
class Relocation:
    """The paths of one collection: its group folder, venv and uploaded wheel."""

    group_path: str
    venv_path: str
    wheel_path: str | None

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


@dataclass(frozen=True)
class CachedVenv:
    """A stored venv and what its collection printed."""

    template: Path
    origin: Relocation
    outputs: dict[str, tuple[str, str]]
    pip_freeze: str

    @property
    def venv_path(self) -> str:
        """Where the stored venv was first created."""
        return self.origin.venv_path

    def _relocate_text(self, text: str, target: Relocation) -> str:
        if self.origin.wheel_path is not None and target.wheel_path is not None:
            text = text.replace(path_to_url(self.origin.wheel_path), path_to_url(target.wheel_path))
        return text.replace(self.origin.group_path, target.group_path)

    def replay(self, template: str, target: Relocation) -> tuple[str, str]:
        """``(stdout, stderr)`` of a script of the first collection, paths substituted."""
        stdout, stderr = self.outputs[template]
        return self._relocate_text(stdout, target), self._relocate_text(stderr, target)

    def relocated_freeze(self, target: Relocation) -> str:
        """The first collection's ``pip freeze --all`` with the wheel URL substituted."""
        return self._relocate_text(self.pip_freeze, target)


_entries: dict[str, CachedVenv] = {}
_lock = threading.Lock()
_root: Path | None = None
_ROOT_PREFIX = "pytest-taskcollect-venvs-"
_LOCK_NAME = ".owner.lock"
_owner_lock: object = None  # the open lock file, held for the life of the process


def _remove_stale_roots(parent: Path, own: Path) -> None:
    """Remove the cache folders of processes that are gone: same user, lock not held (or, for
    a folder without a lock file, one not touched for a day)."""
    for folder in parent.glob(f"{_ROOT_PREFIX}*"):
        if folder == own:
            continue
        with contextlib.suppress(OSError):
            folder_stat = folder.lstat()
            if not stat.S_ISDIR(folder_stat.st_mode) or folder_stat.st_uid != os.getuid():
                continue
            try:
                handle = open(folder / _LOCK_NAME, "r+")  # noqa: SIM115 (never created here)
            except FileNotFoundError:
                if time.time() - folder_stat.st_mtime > 24 * 3600:
                    shutil.rmtree(folder)
                continue
            with handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if in use
                shutil.rmtree(folder)


def _cache_root() -> Path:
    global _root, _owner_lock
    with _lock:
        if _root is None:
            root = Path(tempfile.mkdtemp(prefix=_ROOT_PREFIX))
            handle = open(root / _LOCK_NAME, "w")  # noqa: SIM115 (held while the process lives)
            fcntl.flock(handle, fcntl.LOCK_EX)
            _owner_lock = handle
            _remove_stale_roots(root.parent, root)
            atexit.register(shutil.rmtree, root, ignore_errors=True)
            atexit.register(handle.close)  # runs first: the lock goes before its folder
            _root = root
        return _root


def clear() -> None:
    """Forget every stored venv and delete them."""
    with _lock:
        entries = list(_entries.values())
        _entries.clear()
    for entry in entries:
        shutil.rmtree(entry.template.parent, ignore_errors=True)


def _fingerprint(link: str) -> object:
    """What a local find-links entry holds (names, sizes, mtimes), ``None`` if not local."""
    path = Path(link[len("file://") :] if link.startswith("file://") else link)
    if "://" in link and not link.startswith("file://"):
        return None
    if path.is_dir():
        listing = []
        for entry in sorted(os.scandir(path), key=lambda item: item.name):
            entry_stat = entry.stat()
            listing.append((entry.name, entry_stat.st_size, entry_stat.st_mtime_ns))
        return listing
    if path.is_file():
        path_stat = path.stat()
        return [path.name, path_stat.st_size, path_stat.st_mtime_ns]
    return []


def cache_key(
    *,
    plan: TaskGroupPlan,
    wheel: UploadedFileBase | None,
    info: InterpreterInfo,
    settings: CollectionSettings,
    find_links: list[str],
) -> str | None:
    """A key for everything the venv's content depends on, ``None`` when not cacheable.

    Only offline collections from local sources are cached: an index could change between two
    collections.
    """
    if not settings.no_index:
        return None
    fingerprints = [_fingerprint(link) for link in find_links]
    if any(fingerprint is None for fingerprint in fingerprints):
        return None
    material = {
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
        "find_links": [find_links, fingerprints],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def lookup(key: str) -> CachedVenv | None:
    """The stored venv for ``key``, if any."""
    with _lock:
        return _entries.get(key)


def store(
    key: str,
    *,
    relocation: Relocation,
    outputs: dict[str, tuple[str, str]],
    pip_freeze: str,
) -> None:
    """Copy the venv at ``relocation.venv_path`` into the cache under ``key``.

    Nothing is stored when the venv cannot be relocated reliably (unsafe characters, or the
    group path appearing in ``pip freeze`` other than in the wheel's URL).
    """
    if not relocation.safe or lookup(key) is not None:
        return
    freeze_rest = pip_freeze
    if relocation.wheel_path is not None:
        freeze_rest = freeze_rest.replace(path_to_url(relocation.wheel_path), "")
    if relocation.group_path in freeze_rest:
        return
    folder = _cache_root() / key
    staging = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=_cache_root()))
    try:
        shutil.copytree(relocation.venv_path, staging / "venv", symlinks=True)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return
    with _lock:
        if key in _entries:
            shutil.rmtree(staging, ignore_errors=True)
            return
        staging.rename(folder)
        _entries[key] = CachedVenv(
            template=folder / "venv",
            origin=relocation,
            outputs=outputs,
            pip_freeze=pip_freeze,
        )


class _Unrelocatable(Exception):
    """The copied venv holds the old location somewhere we do not rewrite."""


def restore(
    entry: CachedVenv,
    target: Relocation,
    info: InterpreterInfo,
    env: dict[str, str],
    log: ActivityLog,
) -> bool:
    """Copy ``entry`` to ``target.venv_path`` and relocate it; ``False`` (and nothing left
    behind) when that is not possible."""
    if not target.safe or target.simple_shebang != entry.origin.simple_shebang:
        return False
    try:
        shutil.copytree(entry.template, target.venv_path, symlinks=True)
        _relocate(entry.origin, target, info, env)
    except (OSError, _Unrelocatable, subprocess.SubprocessError, ValueError) as error:
        log.note(f"could not reuse the venv of {entry.venv_path} ({error}); creating it anew")
        shutil.rmtree(target.venv_path, ignore_errors=True)
        return False
    return True


def _relocate(
    origin: Relocation, target: Relocation, info: InterpreterInfo, env: dict[str, str]
) -> None:
    old_venv, new_venv = origin.venv_path, target.venv_path
    old_url = new_url = None
    if origin.wheel_path is not None and target.wheel_path is not None:
        old_url, new_url = path_to_url(origin.wheel_path), path_to_url(target.wheel_path)
    changed: set[str] = set()
    pycs: list[str] = []
    for folder, dirnames, filenames in os.walk(new_venv):
        for name in dirnames + filenames:
            full = os.path.join(folder, name)
            if os.path.islink(full):
                link_target = os.readlink(full)
                if link_target.startswith(old_venv + "/"):
                    os.unlink(full)
                    os.symlink(new_venv + link_target[len(old_venv) :], full)
                continue
            if name in dirnames:
                continue
            if name.endswith(".pyc"):
                pycs.append(full)
                continue
            data = Path(full).read_bytes()
            new = data
            if old_url is not None and new_url is not None and name == "direct_url.json":
                new = new.replace(old_url.encode(), new_url.encode())
            new = new.replace(old_venv.encode(), new_venv.encode())
            residue = new.replace(new_venv.encode(), b"")
            if new_url is not None:
                residue = residue.replace(new_url.encode(), b"")
            if origin.group_path != target.group_path and origin.group_path.encode() in residue:
                raise _Unrelocatable(f"{full} holds the old path")
            if new != data:
                Path(full).write_bytes(new)
                changed.add(os.path.normpath(full))
    _recompile(pycs, info, env)
    _update_records(Path(new_venv) / "lib" / f"python{info.major_minor}" / "site-packages", changed)


def _recompile(pycs: list[str], info: InterpreterInfo, env: dict[str, str]) -> None:
    """Byte-compile the sources of ``pycs`` at their new place, as pip does after installing."""
    suffix = f".{info.cache_tag}.pyc"
    sources = []
    for pyc in pycs:
        cache_dir, name = os.path.split(pyc)
        if os.path.basename(cache_dir) != "__pycache__" or not name.endswith(suffix):
            raise _Unrelocatable(f"unexpected bytecode file {pyc}")
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
    """Give the RECORD rows of rewritten files their new hash and size."""
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
            record.write_text(buffer.getvalue(), encoding="utf-8", newline="")
