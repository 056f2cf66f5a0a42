"""The ``taskcollect`` console script, run as a user runs it (tests/cli, tests/authors)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_taskcollect.collection.user_cache import ENV_VARIABLE

TASKCOLLECT = Path(sys.executable).parent / "taskcollect"
EXAMPLE_PROJECT = Path(__file__).resolve().parents[2] / "examples" / "fractal-tasks-demo"

Run = Callable[..., subprocess.CompletedProcess[str]]


def console_script(folder: Path, *, timeout: float) -> Run:
    """``run(*args, env=None) -> CompletedProcess``: the installed console script, run in
    ``folder`` with text output captured (stdout and stderr are pipes, not a terminal) and,
    unless ``env`` says otherwise, a cache of its own in ``folder`` (no venv of another test
    is reused)."""

    def run(
        *args: str | Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        if env is None:
            env = {**os.environ, ENV_VARIABLE: str(folder / "taskcollect-cache")}
        return subprocess.run(
            [str(TASKCOLLECT), *map(str, args)],
            capture_output=True,
            text=True,
            cwd=folder,
            env=env,
            timeout=timeout,
            check=False,
        )

    return run


def document(completed: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The ``--json`` document printed by a run."""
    data: dict[str, Any] = json.loads(completed.stdout)
    return data
