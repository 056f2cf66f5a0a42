"""A persistent, content-keyed cache of built task packages, safe across processes.

An entry lives in ``<root>/<key>/`` and holds the artifact plus ``entry.json`` (file name, kind
and the manifest as written). The key is a digest of the spec's content, the artifact kind,
pytest-taskcollect's version, the source of the modules that generate the package, and the
``flit_core`` version, so any change to what would be built gives a new key.

Concurrency (pytest-xdist workers, parallel runs): a reader takes an entry without locking
when its ``entry.json`` and artifact are both present. Entries are built under a per-key
``filelock`` in a temporary sibling directory and published with one atomic ``os.replace``,
so a reader never sees a half-written entry; temporary directories left by a crashed build are
never read, and an incomplete entry directory is discarded and rebuilt under the lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import cache
from importlib.metadata import version
from pathlib import Path

from filelock import FileLock

from .. import __version__
from . import build
from .build import BuildKind, BuiltWheel
from .spec import TaskPackageSpec

__all__ = ["WheelCache"]

_ENTRY_FILE = "entry.json"
_GENERATOR_MODULES = ("spec.py", "manifest.py", "task_script.py", "build.py")


@cache
def _builder_fingerprint() -> str:
    """Digest of everything besides the spec that shapes a built package (computed once)."""
    digest = hashlib.sha256()
    digest.update(f"pytest-taskcollect {__version__}; flit_core {version('flit_core')}".encode())
    here = Path(__file__).parent
    for module in _GENERATOR_MODULES:
        digest.update((here / module).read_bytes())
    return digest.hexdigest()


class WheelCache:
    """Build-once store of task-package wheels and sdists under ``root``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def key(self, spec: TaskPackageSpec, kind: BuildKind = "wheel") -> str:
        """The cache key of ``spec`` built as ``kind``."""
        text = f"{_builder_fingerprint()}\n{kind}\n{spec.content_hash()}"
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, spec: TaskPackageSpec, kind: BuildKind = "wheel") -> BuiltWheel:
        """The built package of ``spec``, building it on a miss (once, across processes)."""
        key = self.key(spec, kind)
        entry = self.root / key
        built = self._load(entry, spec)
        if built is not None:
            return built
        with FileLock(self.root / f"{key}.lock"):
            built = self._load(entry, spec)
            if built is not None:
                return built
            if entry.exists():
                shutil.rmtree(entry)
            return self._build(key, entry, spec, kind)

    def _load(self, entry: Path, spec: TaskPackageSpec) -> BuiltWheel | None:
        """The entry's package, or ``None`` if the entry is missing or incomplete."""
        try:
            record = json.loads((entry / _ENTRY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        path = entry / record["filename"]
        if not path.is_file():
            return None
        return BuiltWheel(
            path=path,
            filename=path.name,
            pkg_name=spec.name,
            version=spec.version,
            manifest=record["manifest"],
            spec=spec,
            kind=record["kind"],
        )

    def _build(self, key: str, entry: Path, spec: TaskPackageSpec, kind: BuildKind) -> BuiltWheel:
        staging = Path(tempfile.mkdtemp(prefix=f"{key}.tmp-", dir=self.root))
        try:
            if kind == "wheel":
                built = build.build_task_wheel(spec, staging)
            else:
                built = build.build_task_sdist(spec, staging)
            record = {"filename": built.filename, "kind": kind, "manifest": built.manifest}
            (staging / _ENTRY_FILE).write_text(json.dumps(record), encoding="utf-8")
            os.replace(staging, entry)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        loaded = self._load(entry, spec)
        if loaded is None:
            raise RuntimeError(f"Cache entry {entry} vanished right after it was written.")
        return loaded
