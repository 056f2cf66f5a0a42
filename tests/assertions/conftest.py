"""Helpers for the assertion tests: wheels rewritten member by member, and results built
directly (no venv, no pip)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from pytest_taskcollect import CollectionResult, TaskCreateV2


def rewrite_wheel(
    source: Path, dest: Path, rename: Callable[[str], str | None] = lambda name: name
) -> Path:
    """Copy the wheel ``source`` to ``dest`` member by member; ``rename`` maps each member's
    name to its new name (``None`` drops it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(dest, "w") as new:
        for member in old.namelist():
            target = rename(member)
            if target is not None:
                new.writestr(target, old.read(member))
    return dest


def collection_result(**fields: Any) -> CollectionResult:
    """A ``CollectionResult`` with the timestamps filled in."""
    now = datetime.now(timezone.utc)
    return CollectionResult(**{"timestamp_started": now, "timestamp_ended": now, **fields})


def task(name: str, **fields: Any) -> TaskCreateV2:
    """A non-parallel ``TaskCreateV2`` with a command under ``/venv``."""
    values: dict[str, Any] = {
        "command_non_parallel": f"/venv/bin/python /venv/site/{name}.py",
        "type": "non_parallel",
        **fields,
    }
    return TaskCreateV2(name=name, **values)


@pytest.fixture
def failed_result() -> CollectionResult:
    """A collection that failed at the file check, with a 40-line log."""
    log = "\n".join(f"2025-01-01 00:00:00 - collect - INFO - line {i}" for i in range(40))
    return collection_result(
        status="failed",
        stage="files",
        error="Task `t` has `command_non_parallel` pointing to missing file `/x/t.py`.",
        log=log + "\nERROR: manifest path not found for pkg",
    )
