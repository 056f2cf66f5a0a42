"""Feedback while ``check`` works, and what stays on disk: progress lines, argument checks
first, JSON timings, ``--keep`` and ``--tasks-dir`` (with reuse by the next run)."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

from pytest_taskcollect import TaskPackageSpec, TaskSpec, write_task_project
from pytest_taskcollect.cli.progress_view import ProgressView
from pytest_taskcollect.cli.table import fit_table
from pytest_taskcollect.collection import CollectionSettings, collect_pip
from pytest_taskcollect.collection.progress import ProgressEvent, observe_progress
from pytest_taskcollect.schemas import TaskCollectPipV2
from support.console_script import EXAMPLE_PROJECT, document

from .packages import unpinned_package

STAMP = r"\[ *\d+\.\ds\]"


def test_progress_lines_stage_by_stage(taskcollect) -> None:
    completed = taskcollect("check", EXAMPLE_PROJECT, "--progress")

    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stderr.splitlines()
    assert all(re.match(STAMP, line) for line in lines), lines
    stages = [
        line.split("] ", 1)[1] for line in lines if not line.split("] ", 1)[1].startswith(" ")
    ]
    assert stages == [
        "building the wheel",
        "checking the wheel",
        "creating the venv",
        "pip install",
        "pip freeze",
        "pip show",
        "loading the manifest",
        "starting each task with --help: 4 task commands",
        "rebuilding the manifest with the package's tooling",
    ]
    assert "  installed 1 package" in completed.stderr
    task_lines = [line for line in lines if re.search(r"\] +ok +", line)]
    assert len(task_lines) == 4  # one line per task command, as it finishes


def test_argument_checks_come_before_any_progress(taskcollect, tmp_path: Path) -> None:
    completed = taskcollect("check", tmp_path / "nowhere", "--progress")

    assert completed.returncode == 2
    assert completed.stderr == (
        f"taskcollect check: error: {tmp_path / 'nowhere'} is neither a project folder nor a "
        "wheel file.\n"
    )


def test_json_has_timings_and_the_manifest_verdict(taskcollect) -> None:
    completed = taskcollect("check", EXAMPLE_PROJECT, "--json")

    assert completed.stderr == ""  # no progress with --json (and stderr is not a terminal)
    data = document(completed)

    assert set(data["timings"]) == {
        "build",
        "wheel",
        "collect",
        "help",
        "freshness",
        "total",
        "collection_stages",
    }
    assert {"venv", "install", "show"} <= set(data["timings"]["collection_stages"])
    assert data["timings"]["total"] >= data["timings"]["collect"] > 0
    assert data["manifest"] == {
        "status": "not_checked",
        "reason": "fractal-task-tools is not installed in the package's venv",
        "tool": None,
        "differences": [],
    }
    assert all(check["seconds"] > 0 for check in data["checks"])


def test_keep_keeps_the_venv_and_failures_point_into_it(
    taskcollect, author_wheelhouse: Path, tmp_path: Path
) -> None:
    project = write_task_project(unpinned_package(), tmp_path / "project")

    completed = taskcollect("check", project, "--find-links", author_wheelhouse, "--keep")

    assert completed.returncode == 3
    kept = next(line for line in completed.stdout.splitlines() if line.startswith("Tasks dir"))
    assert Path(kept.removeprefix("Tasks dir (kept): ")).is_dir()
    reproduce = next(line for line in completed.stdout.splitlines() if line.startswith("Repro"))
    python = reproduce.removeprefix("Reproduce: ").split()[0]
    assert Path(python).is_file()  # the message points into a folder that exists
    assert "Rerun with --keep" not in completed.stdout


def test_tasks_dir_is_reused_by_the_next_check(taskcollect, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    spec = TaskPackageSpec("fractal-tasks-rerun", tasks=(TaskSpec("Run", type="parallel"),))
    project = write_task_project(spec, tmp_path / "project")

    first = taskcollect("check", project, "--tasks-dir", tasks, "--json", "--progress")
    second = taskcollect("check", project, "--tasks-dir", tasks, "--json", "--progress")

    assert (first.returncode, second.returncode) == (0, 0), first.stdout + second.stdout
    assert "reusing the collection" not in first.stderr
    assert "reusing the collection kept in the tasks dir" in second.stderr
    assert "creating the venv" not in second.stderr
    one, two = document(first), document(second)
    assert one["task_group"] == two["task_group"]
    assert Path(two["task_group"]["venv_path"], "bin", "python").exists()

    # The code changes (same version): the recorded collection is replaced, not reused.
    changed = write_task_project(
        TaskPackageSpec(spec.name, tasks=(TaskSpec("Run", type="non_parallel"),)), project
    )
    third = taskcollect("check", changed, "--tasks-dir", tasks, "--json", "--progress")

    assert third.returncode == 0, third.stdout + third.stderr
    assert "creating the venv" in third.stderr
    assert document(third)["tasks"][0]["type"] == "non_parallel"


def test_progress_events_of_a_collection(task_package, tmp_path: Path) -> None:
    events: list[ProgressEvent] = []
    settings = CollectionSettings(tasks_dir=tmp_path / "tasks", reuse_venvs=False)

    with observe_progress(events.append):
        result = collect_pip(
            TaskCollectPipV2(), wheel=task_package("fractal_tasks_mock").path, settings=settings
        )

    assert result.ok
    stages = [event.stage for event in events if event.kind == "stage"]
    assert stages[:2] == ["request", "python"]
    assert {"venv", "install", "freeze", "show", "manifest", "tasks", "files"} <= set(stages)
    pip = [event.message for event in events if event.kind == "pip"]
    assert pip[-2:] == ["installing 1 package", "installed 1 package"]
    assert all(b.elapsed >= a.elapsed for a, b in itertools.pairwise(events))


def test_progress_view_rewrites_one_status_line_on_a_terminal() -> None:
    stream = io.StringIO()
    view = ProgressView(stream, tty=True)

    view(ProgressEvent("stage", "install", "", 1.0))
    view(ProgressEvent("pip", "install", "collecting numpy", 1.5, done=1))
    view(ProgressEvent("pip", "install", "collecting scipy", 2.0, done=2))
    view(ProgressEvent("stage", "freeze", "", 3.0))
    view.close()

    assert stream.getvalue() == (
        "[   1.0s] pip install\n"
        "\r\x1b[K[   1.5s]   collecting numpy"
        "\r\x1b[K[   2.0s]   collecting scipy"
        "\r\x1b[K[   3.0s] pip freeze\n"
    )


def test_tables_fit_the_width() -> None:
    rows = [["Measure Features", "compound", "python pkg/measure/measure_features_init.py --help"]]

    lines = fit_table(("TASK", "TYPE", "COMMAND"), rows, width=60)

    assert max(map(len, lines)) <= 60
    assert lines[1].startswith("Measure Features  compound  python pkg")
    assert lines[1].endswith("_init.py --help")
    assert "…" in lines[1]
    assert fit_table(("A",), [["x" * 200]], width=None) == ["A", "x" * 200]
