"""``taskcollect pip``: a wheel upload or a package by name, offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_taskcollect import TaskPackageFactory, get_preset
from pytest_taskcollect.collection.uv_installer import UV_LOG_WARNING, find_uv
from support.console_script import Run, document


def test_wheel_is_collected(taskcollect: Run, task_package: TaskPackageFactory) -> None:
    wheel = task_package("fractal_tasks_mock")

    completed = taskcollect("pip", wheel.path)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("Collected fractal-tasks-mock 0.0.1 (origin: wheel-file, Python ")
    assert lines[0].endswith("): 16 tasks.")
    assert lines[2].split() == ["TASK", "TYPE", "COMMAND"]
    assert "python fractal_tasks_mock/create_cellvoyager_ome_zarr.py" in lines[3]
    assert "OK" in lines
    assert "Tasks dir (kept)" not in completed.stdout
    assert completed.stderr == ""  # no progress: stderr is not a terminal


def test_progress_on_request(taskcollect: Run, task_package: TaskPackageFactory) -> None:
    completed = taskcollect("pip", task_package("fractal_tasks_mock").path, "--progress", "--json")

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert document(completed)["status"] == "OK"  # stdout holds only the JSON document
    stages = [line.split("] ", 1)[1] for line in completed.stderr.splitlines()]
    assert stages[:2] == ["creating the venv", "pip install"]
    assert "  installed 1 package" in stages


def test_broken_wheel_fails_like_the_server(
    taskcollect: Run, task_package: TaskPackageFactory
) -> None:
    outcome = get_preset("invalid_manifest_version").server_outcome

    completed = taskcollect("pip", task_package("invalid_manifest_version").path, "--json")

    assert completed.returncode == 1
    data = document(completed)
    assert (data["status"], data["stage"]) == ("failed", outcome.stage)
    assert outcome.message in data["error"]
    assert data["tasks"] == []
    assert outcome.message in Path(data["log_path"]).read_text()


def test_package_by_name_from_find_links_into_a_kept_tasks_dir(
    taskcollect: Run, task_package: TaskPackageFactory, task_wheelhouse: Path, tmp_path: Path
) -> None:
    task_package("fractal_tasks_mock")
    tasks_dir = tmp_path / "tasks"

    completed = taskcollect(
        "pip", "fractal-tasks-mock", "--find-links", task_wheelhouse, "--tasks-dir", "tasks"
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.splitlines()[0].startswith(
        "Collected fractal-tasks-mock 0.0.1 (origin: pypi, "
    )
    assert f"Tasks dir (kept): {tasks_dir}" in completed.stdout
    assert (tasks_dir / "1" / "fractal-tasks-mock" / "0.0.1" / "venv").is_dir()


def test_invalid_request_names_the_field(taskcollect: Run) -> None:
    completed = taskcollect("pip", "fractal-tasks-mock", "--version", ">=0.1", "--json")

    assert completed.returncode == 1
    data = document(completed)
    assert (data["status"], data["stage"]) == ("failed", "request")
    assert data["error"].startswith("Invalid request: package_version: Command must not contain")
    assert "\n" not in data["error"]


@pytest.mark.skipif(find_uv() is None, reason="uv is not installed (`pip install uv` runs this)")
def test_installer_uv_gives_pips_record(taskcollect: Run, task_package: TaskPackageFactory) -> None:
    """``--installer uv``: the same task group (freeze included) and tasks as with pip, and
    the warning that the log's install lines are uv's."""
    wheel = task_package("fractal_tasks_mock").path

    by_pip = taskcollect("pip", wheel, "--json", "--tasks-dir", "pip")
    by_uv = taskcollect("pip", wheel, "--json", "--tasks-dir", "uv", "--installer", "uv")

    assert (by_pip.returncode, by_uv.returncode) == (0, 0), by_uv.stdout + by_uv.stderr
    pip_data, uv_data = document(by_pip), document(by_uv)
    assert UV_LOG_WARNING in uv_data["warnings"]
    assert UV_LOG_WARNING not in pip_data["warnings"]
    comparable = [
        json.dumps([data["task_group"], data["tasks"]]).replace(data["tasks_dir"], "<D>")
        for data in (pip_data, uv_data)
    ]
    assert comparable[0] == comparable[1]
    assert "<D>/" in comparable[0]


def test_installer_must_be_pip_or_uv(taskcollect: Run, task_package: TaskPackageFactory) -> None:
    completed = taskcollect("pip", "fractal-tasks-mock", "--installer", "conda")

    assert completed.returncode == 2
    assert "--installer: invalid choice: 'conda' (choose from" in completed.stderr
