"""The ``taskcollect`` console script, run as a user runs it: a subprocess, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.console_script import Run, console_script


@pytest.fixture(autouse=True)
def private_log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's ``taskcollect`` logs go to its own folder (not the user's log folder)."""
    folder = tmp_path / "logs"
    monkeypatch.setenv("TASKCOLLECT_LOG_DIR", str(folder))
    return folder


@pytest.fixture
def taskcollect(tmp_path: Path) -> Run:
    """``taskcollect(*args) -> CompletedProcess``: the installed console script, run in
    ``tmp_path`` with text output captured and a cache of its own (``console_script``)."""
    return console_script(tmp_path, timeout=300)
