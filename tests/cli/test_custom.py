"""``taskcollect custom``: a manifest plus an existing interpreter and package."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from support.console_script import EXAMPLE_PROJECT, Run, document

MANIFEST = "__FRACTAL_MANIFEST__.json"


@pytest.fixture
def package_root(tmp_path: Path) -> Path:
    """A copy of the example's import package (executables and manifest) under ``tmp_path``."""
    root = tmp_path / "root" / "fractal_tasks_demo"
    shutil.copytree(EXAMPLE_PROJECT / "src" / "fractal_tasks_demo", root)
    return root


def test_package_root_relative_paths_are_made_absolute(
    taskcollect: Run, package_root: Path
) -> None:
    completed = taskcollect(
        "custom",
        "--manifest", "root/fractal_tasks_demo/" + MANIFEST,
        "--python-interpreter", sys.executable,
        "--package-root", "root/fractal_tasks_demo",
        "--label", "demo",
        "--version", "1.2.3",
        "--json",
    )  # fmt: skip

    assert completed.returncode == 0, completed.stdout + completed.stderr
    data = document(completed)
    assert data["status"] == "OK"
    assert data["task_group"]["origin"] == "other"
    assert data["task_group"]["pkg_name"] == "demo"
    assert data["warnings"] == []
    first = data["tasks"][0]
    assert first["command_non_parallel"] == f"{sys.executable} {package_root}/create_demo_zarr.py"
    assert {task["version"] for task in data["tasks"]} == {"1.2.3"}


def test_package_name_is_resolved_by_the_interpreter(taskcollect: Run, package_root: Path) -> None:
    # pytest_taskcollect is importable by the running interpreter but holds no task scripts:
    # the server accepts that on the custom path, and we warn.
    completed = taskcollect(
        "custom",
        "--manifest", package_root / MANIFEST,
        "--python-interpreter", sys.executable,
        "--package-name", "pytest_taskcollect",
        "--label", "demo",
    )  # fmt: skip

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.startswith("Collected task group 'demo' (origin: other, ")
    assert "Warning: Task `Create Demo Zarr` has `command_non_parallel` pointing to missing" in (
        completed.stdout
    )


def test_missing_interpreter_fails_with_the_server_message(
    taskcollect: Run, package_root: Path, tmp_path: Path
) -> None:
    interpreter = tmp_path / "nowhere" / "python"

    completed = taskcollect(
        "custom",
        "--manifest", package_root / MANIFEST,
        "--python-interpreter", interpreter,
        "--package-root", package_root,
        "--label", "demo",
    )  # fmt: skip

    assert completed.returncode == 1
    assert completed.stdout.splitlines()[0] == (
        f"FAILED at stage 'python': task_collect.python_interpreter='{interpreter}' is not "
        "accessible to the Fractal user or it is not executable."
    )
    assert completed.stdout.splitlines()[1] == "Emulated: fractal-server 2.14.5"
    assert completed.stdout.splitlines()[2].startswith("Log: ")
