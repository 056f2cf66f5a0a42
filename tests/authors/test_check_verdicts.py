"""``taskcollect check`` on author-shaped packages: each case gets the right verdict, exit
status and one-sentence message (real wheels, real venvs, real pip, offline)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from pytest_taskcollect import write_task_project
from support.console_script import document

from .packages import extra_needed_package, ftt_package, unpinned_package

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def test_an_extra_needed_by_a_task_import(taskcollect, author_wheelhouse: Path, tmp_path: Path):
    project = write_task_project(extra_needed_package(), tmp_path / "project")

    without = taskcollect("check", project, "--find-links", author_wheelhouse, "--json")

    assert without.returncode == 3, without.stdout + without.stderr
    data = document(without)
    assert (data["status"], data["verdict"], data["stage"]) == (
        "problems",
        "collects_with_problems",
        "help",
    )
    assert data["error"] == (
        "fractal-server collects fractal-tasks-extra 0.2.0, but 1 of 2 task commands do not "
        "start; the first, 'Measure' (parallel): exit 1: ModuleNotFoundError: No module named "
        "'demo_extra_lib' (demo_extra_lib comes with the package's extra 'measure': collect it "
        "with that extra (--extras measure), as Fractal users must)."
    )
    assert [check["ok"] for check in data["checks"]] == [True, False]

    with_extra = taskcollect(
        "check", project, "--find-links", author_wheelhouse, "--extras", "measure", "--json"
    )

    assert with_extra.returncode == 0, with_extra.stdout + with_extra.stderr
    data = document(with_extra)
    assert (data["verdict"], data["task_group"]["pip_extras"]) == ("collects", "measure")


def test_an_unpinned_dependency_whose_new_release_breaks_an_import(
    taskcollect, author_wheelhouse: Path, tmp_path: Path
):
    project = write_task_project(unpinned_package(), tmp_path / "project")

    broken = taskcollect("check", project, "--find-links", author_wheelhouse)

    assert broken.returncode == 3, broken.stdout + broken.stderr
    problem = next(line for line in broken.stdout.splitlines() if line.startswith("PROBLEMS"))
    assert problem.startswith(
        "PROBLEMS at stage 'help': fractal-server collects fractal-tasks-unpinned 0.3.0, but 1 "
        "of 1 task commands do not start; the first, 'Smooth' (parallel): exit 1: ImportError: "
        "cannot import name 'smooth' from 'demo_lib' (<removed tasks dir>/"
    )  # the exception names a file in the tasks dir, which is gone: the message says so
    assert "Rerun with --keep to keep the collected venv and inspect it." in broken.stdout

    pinned = taskcollect(
        "check", project, "--find-links", author_wheelhouse, "--pin", "demo-lib=1.0", "--json"
    )

    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    data = document(pinned)
    assert data["task_group"]["pinned_package_versions"] == {"demo-lib": "1.0"}
    assert "demo-lib==1.0" in data["task_group"]["pip_freeze"].splitlines()


def test_offline_install_failure_names_the_missing_distributions(taskcollect, tmp_path: Path):
    project = write_task_project(unpinned_package(), tmp_path / "project")

    completed = taskcollect("check", project)

    assert completed.returncode == 1
    assert "Traceback" not in completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[-2] == "Emulated: fractal-server 2.14.5"
    assert lines[-3] == (
        "FAILED at stage 'install': pip found no distribution of demo-lib offline (no "
        "--find-links sources): add --network to install from PyPI as the server does, or "
        "--find-links DIR with their wheels (fill DIR once with: taskcollect wheelhouse "
        f"project --python {PYTHON} --into DIR)."
    )
    log = Path(lines[-1].removeprefix("Log: "))
    assert "No matching distribution found for demo-lib" in log.read_text()


def test_stale_and_fresh_manifests(
    taskcollect, build_package, ftt_wheelhouse: Path, tmp_path: Path
):
    stale = write_task_project(ftt_package(), tmp_path / "stale")

    completed = taskcollect("check", stale, "--find-links", ftt_wheelhouse, "--json")

    assert completed.returncode == 3, completed.stdout + completed.stderr
    data = document(completed)
    assert (data["verdict"], data["stage"]) == ("collects_with_problems", "manifest")
    assert data["error"].startswith(
        "fractal-server collects fractal-tasks-fresh 0.1.0 and every task starts, but the "
        "committed manifest is stale: fractal-task-tools 0.5.1 rebuilds it with "
    )
    assert data["error"].endswith("regenerate it (fractal-manifest create) and commit it.")
    assert data["manifest"]["status"] == "stale"
    paths = [item["path"] for item in data["manifest"]["differences"]]
    assert "args_schema_version" in paths
    assert all(check["ok"] for check in data["checks"])

    # Commit what the tooling makes (fractal-manifest create), and the check passes:
    manifest_path = stale / "src" / "fractal_tasks_fresh" / "__FRACTAL_MANIFEST__.json"
    rebuilt = json.loads(manifest_path.read_text())
    for item in data["manifest"]["differences"]:
        _apply(rebuilt, item)
    manifest_path.write_text(json.dumps(rebuilt, indent=2) + "\n")

    fresh = taskcollect("check", stale, "--find-links", ftt_wheelhouse)

    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert (
        "The manifest is up to date (fractal-task-tools 0.5.1 rebuilds the same one)."
        in fresh.stdout
    )


def _apply(manifest: dict, difference: dict) -> None:
    """Apply one reported difference to ``manifest`` (as regenerating it would)."""
    parts = [
        int(part[1:-1]) if part.startswith("[") else part
        for part in re.findall(r"\[\d+\]|[^.\[\]]+", difference["path"])
    ]
    *parents, last = parts
    target = manifest
    for part in parents:
        target = target[part]
    if difference["kind"] == "only_committed":
        del target[last]
    elif isinstance(target, list) and last == len(target):
        target.append(difference["rebuilt"])
    else:
        target[last] = difference["rebuilt"]
