"""``taskcollect wheelhouse``: fill a folder once, then check offline with ``--find-links``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pytest_taskcollect import write_task_project

from .conftest import document
from .packages import ftt_package, unpinned_package

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


@pytest.mark.network
def test_wheelhouse_from_the_index_makes_the_check_offline(taskcollect, tmp_path: Path) -> None:
    project = write_task_project(ftt_package(), tmp_path / "project")
    into = tmp_path / "wheelhouse"

    filled = taskcollect("wheelhouse", project, "--python", PYTHON, "--into", into)

    assert filled.returncode == 0, filled.stdout + filled.stderr
    names = {path.name.split("-")[0] for path in into.iterdir()}
    assert {"fractal_task_tools", "pydantic", "pydantic_core", "pip", "setuptools"} <= names

    checked = taskcollect("check", project, "--find-links", into, "--json")

    # Offline, from the wheelhouse alone; the factory's manifest is not fractal-task-tools'.
    data = document(checked)
    assert (checked.returncode, data["verdict"]) == (3, "collects_with_problems")
    assert data["manifest"]["status"] == "stale"
    assert "pip==24.0" in data["task_group"]["pip_freeze"].splitlines()
