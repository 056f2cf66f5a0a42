"""The ``taskcollect`` console script, run as a user runs it: a subprocess, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_taskcollect.collection.user_cache import ENV_VARIABLE

TASKCOLLECT = Path(sys.executable).parent / "taskcollect"
EXAMPLE_PROJECT = Path(__file__).resolve().parents[2] / "examples" / "fractal-tasks-demo"

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(autouse=True)
def private_log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's ``taskcollect`` logs go to its own folder (not the user's log folder)."""
    folder = tmp_path / "logs"
    monkeypatch.setenv("TASKCOLLECT_LOG_DIR", str(folder))
    return folder


@pytest.fixture
def taskcollect(tmp_path: Path) -> Run:
    """``taskcollect(*args) -> CompletedProcess``: the installed console script, run in
    ``tmp_path`` with text output captured and a cache of its own (no venv of another test
    is reused)."""
    env = {**os.environ, ENV_VARIABLE: str(tmp_path / "taskcollect-cache")}

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(TASKCOLLECT), *map(str, args)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
            check=False,
        )

    return run


def document(completed: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The ``--json`` document printed by a run."""
    data: dict[str, Any] = json.loads(completed.stdout)
    return data
