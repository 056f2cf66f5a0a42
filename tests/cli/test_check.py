"""``taskcollect check``: build, static check, collection, ``--help`` and smoke runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_taskcollect import TaskPackageSpec, TaskSpec, get_preset, write_task_project
from pytest_taskcollect.collection.uv_installer import UV_LOG_WARNING, find_uv
from support.console_script import EXAMPLE_PROJECT, Run, document

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
SMOKE_ARGS = {
    "Create Demo Zarr": {"zarr_dir": "{workdir}/zarr"},
    "Threshold Image": {"zarr_url": "{workdir}/zarr/image_0.zarr"},
    "Measure Features": {
        "non_parallel": {"zarr_urls": ["{workdir}/zarr/image_0.zarr"], "zarr_dir": "{workdir}"},
        "parallel": {"zarr_url": "{workdir}/zarr/image_0.zarr", "init_args": {"features": ["a"]}},
    },
}


def test_example_project_passes_with_a_table(taskcollect: Run) -> None:
    completed = taskcollect("check", EXAMPLE_PROJECT)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == (
        "Built fractal_tasks_demo-0.1.0-py3-none-any.whl. Collected fractal-tasks-demo "
        f"0.1.0 (Python {PYTHON}): 3 tasks."
    )
    assert lines[2].split() == ["TASK", "TYPE", "COMMAND", "RESULT"]
    rows = lines[3:7]
    assert [row.split()[-1] for row in rows] == ["ok"] * 4
    assert "python fractal_tasks_demo/measure/measure_features_init.py --help" in rows[2]
    assert lines[-3:-1] == ["OK", "Emulated: fractal-server 2.14.5"]
    assert lines[-1].startswith("Log: ")
    assert Path(lines[-1].removeprefix("Log: ")).is_file()
    assert completed.stderr == ""  # no progress: stderr is not a terminal


def test_example_project_smoke_run_as_json(taskcollect: Run, tmp_path: Path) -> None:
    smoke = tmp_path / "smoke.json"
    smoke.write_text(json.dumps(SMOKE_ARGS))

    completed = taskcollect("check", EXAMPLE_PROJECT, "--smoke-args", smoke, "--json")

    assert completed.returncode == 0, completed.stdout + completed.stderr
    data = document(completed)
    assert (data["status"], data["stage"], data["error"]) == ("OK", None, None)
    assert data["task_group"]["pkg_name"] == "fractal-tasks-demo"
    assert [task["name"] for task in data["tasks"]] == list(SMOKE_ARGS)
    assert [(check["check"], check["ok"]) for check in data["checks"]] == (
        [("help", True)] * 4 + [("smoke", True)] * 4
    )
    assert data["checks"][5]["kind"] == "parallel"
    assert data["wheel_problems"] == []
    assert data["wheel"] == "fractal_tasks_demo-0.1.0-py3-none-any.whl"


@pytest.mark.skipif(find_uv() is None, reason="uv is not installed (`pip install uv` runs this)")
def test_example_project_with_uv(taskcollect: Run) -> None:
    completed = taskcollect("check", EXAMPLE_PROJECT, "--installer", "uv", "--json")

    assert completed.returncode == 0, completed.stdout + completed.stderr
    data = document(completed)
    assert (data["status"], data["verdict"]) == ("OK", "collects")
    assert UV_LOG_WARNING in data["warnings"]
    assert [(check["check"], check["ok"]) for check in data["checks"]] == [("help", True)] * 4


def test_broken_preset_stops_at_the_static_check(taskcollect: Run, tmp_path: Path) -> None:
    project = write_task_project(get_preset("missing_executable").spec, tmp_path / "project")

    completed = taskcollect("check", project)

    assert completed.returncode == 1
    assert "Traceback" not in completed.stdout + completed.stderr
    failure = next(line for line in completed.stdout.splitlines() if line.startswith("FAILED"))
    assert failure.startswith("FAILED at stage 'wheel': fractal-server would fail at stage 'files'")
    assert "`create_ome_zarr_compound` has `command_parallel` pointing to missing file" in failure
    assert "Why: `fractal_tasks_missing_executable/fill_cellvoyager_ome_zarr.py` is not in" in (
        completed.stdout
    )
    assert "Log: " in completed.stdout


def test_a_task_that_cannot_import_fails_its_help_check(taskcollect: Run, tmp_path: Path) -> None:
    spec = TaskPackageSpec(
        "fractal-tasks-bad-import",
        tasks=(TaskSpec("generic_task", type="non_parallel"),),
        extra_files={"generic_task.py": "import not_an_installed_module\n"},
    )
    project = write_task_project(spec, tmp_path / "project")

    completed = taskcollect("check", project, "--json")

    assert completed.returncode == 3  # it collects, but a task does not start
    data = document(completed)
    assert (data["status"], data["verdict"], data["stage"]) == (
        "problems",
        "collects_with_problems",
        "help",
    )
    assert data["error"] == (
        "fractal-server collects fractal-tasks-bad-import 0.0.1, but 1 of 1 task commands do "
        "not start; the first, 'generic_task' (non_parallel): exit 1: ModuleNotFoundError: No "
        "module named 'not_an_installed_module'."
    )
    log = Path(data["log_path"]).read_text()
    assert "Traceback" in log  # the task's own traceback goes to the log, not to the user
    assert "fractal_tasks_bad_import/generic_task.py --help" in data["checks"][0]["command"]
