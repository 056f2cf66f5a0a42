"""Reusing a kept check's collection in the next run (``taskcollect check --tasks-dir D``).

A check that keeps its tasks dir records, next to the task groups, what it collected and from
which inputs (``D/.taskcollect-check/<wheel file name>.json``): a key over the wheel's contents
(member names and bytes, so that a rebuilt but identical wheel matches), the request, the
interpreter, the pip sources (with the file names the find-links folders hold) and this
package's version, plus the ``CollectionResult``. The next check of the same wheel file name in
the same tasks dir:

* with the same key and the venv still there, reuses the result (and its venv) instead of
  collecting again;
* with another key (the code changed, another extra, ...), removes the task-group folder that
  the recorded check created, and only that one, then collects anew.

A task-group folder without a record was not made by a check: it is left alone (and the
collection then fails as the server does, "already exists").
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

from .. import __version__
from ..collection import CollectionResult, CollectionSettings
from ..collection.versions import filenames_at
from ..schemas.task_collection import PipRequestBase

__all__ = ["RECORD_FOLDER", "forget", "load", "reuse_key", "save"]

RECORD_FOLDER = ".taskcollect-check"


def _wheel_digest(wheel: Path) -> str:
    digest = hashlib.sha256()
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            digest.update(name.encode() + b"\0")
            digest.update(hashlib.sha256(archive.read(name)).digest())
    return digest.hexdigest()


def reuse_key(wheel: Path, request: PipRequestBase, settings: CollectionSettings) -> str:
    """What must be equal for a recorded collection to be reused."""
    sources = {link: sorted(filenames_at(link)) for link in settings.find_links}
    data = {
        "taskcollect": __version__,
        "wheel": _wheel_digest(wheel),
        "wheel_name": wheel.name,
        "request": request.model_dump(mode="json"),
        "interpreters": {key: str(value) for key, value in settings.python_interpreters.items()},
        "default_python": settings.default_python_version,
        "sources": sources,
        "no_index": settings.no_index,
        "index_url": settings.index_url,
        "mode": settings.mode,
        "installer": settings.installer,
        "max_pip": settings.pip_cap,
        "server_version": settings.server_version,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _record(tasks_dir: Path, wheel_name: str) -> Path:
    return tasks_dir / RECORD_FOLDER / f"{wheel_name}.json"


def load(tasks_dir: Path, wheel_name: str, key: str) -> CollectionResult | None:
    """The recorded result for ``key``, if its venv is still there."""
    record = _record(tasks_dir, wheel_name)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        result = CollectionResult.model_validate(data["result"])
    except (OSError, ValueError, KeyError):
        return None
    group = result.task_group
    if data.get("key") != key or group is None or group.venv_path is None:
        return None
    if not (Path(group.venv_path) / "bin" / "python").exists():
        return None
    return result


def forget(tasks_dir: Path, wheel_name: str) -> None:
    """Remove the recorded collection of ``wheel_name`` and the task-group folder it made."""
    record = _record(tasks_dir, wheel_name)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        path = data["result"]["task_group"]["path"]
    except (OSError, ValueError, KeyError, TypeError):
        path = None
    if path and Path(path).is_relative_to(tasks_dir) and Path(path).is_dir():
        shutil.rmtree(path)
    record.unlink(missing_ok=True)


def save(tasks_dir: Path, wheel_name: str, key: str, result: CollectionResult) -> None:
    """Record a successful collection for the next check."""
    record = _record(tasks_dir, wheel_name)
    record.parent.mkdir(parents=True, exist_ok=True)
    staging = record.with_suffix(".tmp")
    staging.write_text(
        json.dumps({"key": key, "result": result.model_dump(mode="json", exclude_unset=True)}),
        encoding="utf-8",
    )
    staging.replace(record)
