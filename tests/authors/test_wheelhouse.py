"""``taskcollect wheelhouse``: fill a folder once, then check offline with ``--find-links``.

The half that downloads from the package index is the README walk-through's first block
(``tests/test_readme.py``, a ``network`` test): wheelhouse from PyPI, then offline checks.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pytest_taskcollect import write_task_project
from support.console_script import document

from .packages import unpinned_package

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def test_offline_wheelhouse_from_local_sources(
    taskcollect, author_wheelhouse: Path, tmp_path: Path
) -> None:
    project = write_task_project(unpinned_package(), tmp_path / "project")
    into = tmp_path / "wheelhouse"

    filled = taskcollect(
        "wheelhouse", project, "--python", PYTHON, "--into", into, "--pin", "demo-lib=1.0",
        "--no-index", "--find-links", author_wheelhouse,
    )  # fmt: skip

    assert filled.returncode == 0, filled.stdout + filled.stderr
    assert sorted(path.name for path in into.iterdir()) == [
        "demo_lib-1.0-py3-none-any.whl",
        "demo_lib-2.0-py3-none-any.whl",
    ]  # the project's own wheel is not kept: the check builds it from the code
    assert filled.stdout.startswith(f"{into}: 2 wheels for Python {PYTHON} (2 new).")

    checked = taskcollect("check", project, "--find-links", into, "--pin", "demo-lib=1.0")

    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_missing_distribution_fails_the_download(taskcollect, tmp_path: Path) -> None:
    project = write_task_project(unpinned_package(), tmp_path / "project")

    completed = taskcollect(
        "wheelhouse", project, "--python", PYTHON, "--into", tmp_path / "w", "--no-index", "--json"
    )

    assert completed.returncode == 1
    data = document(completed)
    assert data["stage"] == "download"
    assert "No matching distribution found for demo-lib" in data["error"]
    assert data["error"].endswith("(offline: only --find-links were searched).")
