"""``--server-version`` on the commands, and the pin options of each release."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_taskcollect import TaskPackageFactory
from support.console_script import Run, document


def test_pip_under_2_26_0(taskcollect: Run, task_package: TaskPackageFactory) -> None:
    wheel = task_package("fractal_tasks_mock")

    completed = taskcollect(
        "pip", wheel.path, "--server-version", "2.26.0", "--pin", "setuptools=65.5.0", "--json"
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    data = document(completed)
    assert data["server_version"] == "2.26.0"
    group = data["task_group"]
    assert group["archive_path"].endswith(wheel.filename)
    assert "wheel_path" not in group
    assert "venv_size_in_kB" not in group
    # --pin is --pin-post from 2.16.0: installed after the package, as it was in 2.15.9
    assert group["pinned_package_versions_post"] == {"setuptools": "65.5.0"}
    assert group["pinned_package_versions_pre"] == {}


def test_unknown_release_and_pins_of_another_release(taskcollect: Run, tmp_path: Path) -> None:
    unknown = taskcollect("pip", "fractal-tasks-core", "--server-version", "2.13.0")
    assert unknown.returncode == 2
    assert "2.13.0' is outside the supported range" in unknown.stderr
    assert "Traceback" not in unknown.stderr

    pre = taskcollect("pip", "fractal-tasks-core", "--pin-pre", "numpy=1.26")
    assert pre.returncode == 2
    assert pre.stderr == (
        "taskcollect pip: error: --pin-pre/--pin-post: fractal-server 2.14.5 has one list of "
        "pinned versions, installed after the package (--pin); pre- and post-pins come in "
        "2.16.0.\n"
    )


def test_custom_requires_a_version_from_2_23_1(taskcollect: Run, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"manifest_version": "2", "task_list": []}))
    args = ("custom", "--manifest", manifest, "--python-interpreter", "/usr/bin/python3")
    args += ("--package-root", tmp_path, "--label", "demo", "--json")

    completed = taskcollect(*args, "--server-version", "2.23.1")

    assert completed.returncode == 1
    data = document(completed)
    assert (data["server_version"], data["stage"]) == ("2.23.1", "request")
    assert data["error"] == "Invalid request: version: Field required."
    older = document(taskcollect(*args, "--server-version", "2.23.0"))
    assert older["status"] == "OK"
    assert older["task_group"]["version"] is None
    human = taskcollect(*args[:-1], "--server-version", "2.22.10").stdout.splitlines()
    assert human[-3:-1] == ["OK", "Emulated: fractal-server 2.22.10"]
