"""``taskcollect pip``: a wheel upload or a package by name, offline."""

from __future__ import annotations

from pathlib import Path

from pytest_taskcollect import TaskPackageFactory, get_preset

from .conftest import Run, document


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
