"""The CI templates for task-package repositories, run here as far as they run offline: the
pre-commit hook's entry and the GitHub Actions job's ``taskcollect`` steps, on a copy of the
example package."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_taskcollect.collection.user_cache import (
    ENV_VARIABLE,
    default_cache_dir,
    default_venv_store,
    pip_wheels_dir,
)
from support.console_script import EXAMPLE_PROJECT
from support.fractal_server_venv import index_reachable

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "ci" / "github-actions" / "taskcollect.yml"
README_YAML = re.findall(r"^```yaml\n(.*?)^```$", (ROOT / "README.md").read_text(), re.M | re.S)


def _without_env(folder: Callable[[], Path]) -> Path:
    """``folder()`` when neither ``$TASKCOLLECT_CACHE_DIR`` nor ``$XDG_CACHE_HOME`` is set
    (as on GitHub's runners)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV_VARIABLE, raising=False)
        patch.delenv("XDG_CACHE_HOME", raising=False)
        return folder()


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` as CI runs it (split like a shell line, no shell), with this interpreter's
    scripts first on PATH."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        shlex.split(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def task_repository(tmp_path: Path) -> Path:
    """A task-package repository: a copy of the example project."""
    repository = tmp_path / "repository"
    shutil.copytree(EXAMPLE_PROJECT, repository, ignore=shutil.ignore_patterns("tests"))
    return repository


def test_pre_commit_hooks_run_on_the_example(task_repository: Path) -> None:
    hooks: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert (hook["id"], hook["language"], hook["pass_filenames"]) == (
        "taskcollect-check",
        "python",
        False,
    )
    assert re.search(hook["files"], "src/fractal_tasks_demo/__FRACTAL_MANIFEST__.json")
    # The README's local hook is the same command, with the CI job's wheelhouse.
    (config,) = [yaml.safe_load(block) for block in README_YAML if ".pre-commit-config" in block]
    (local,) = config["repos"][0]["hooks"]
    assert local["id"] == hook["id"]
    assert local["entry"] == f"{hook['entry']} --find-links wheelhouse"
    (task_repository / "wheelhouse").mkdir()  # what the CI job fills; the example needs none

    completed = run(local["entry"], task_repository)

    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_github_actions_job_steps(task_repository: Path) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/cache", "actions/cache"]
    python = next(step for step in steps if "setup-python" in step.get("uses", ""))
    cache, user_cache = [step for step in steps if "actions/cache" in step.get("uses", "")]
    # Folders of taskcollect's cache dir (the default one on a runner), saved per dependency
    # set like the wheelhouse; never the venv store (a venv per commit, up to gigabytes).
    root = _without_env(default_cache_dir)
    folders = [Path(line).expanduser() for line in user_cache["with"]["path"].split()]
    assert folders == [_without_env(pip_wheels_dir), root / "uv", root / "bytecode"]
    assert _without_env(default_venv_store) not in folders
    dependency_set = cache["with"]["key"].removeprefix("taskcollect-wheelhouse")
    assert user_cache["with"]["key"] == f"taskcollect-cache{dependency_set}"
    commands = [step["run"] for step in steps if "run" in step]
    install, fill, check = commands
    assert install == "python -m pip install pytest-taskcollect"
    assert shlex.split(fill)[:2] == ["taskcollect", "wheelhouse"]
    assert shlex.split(check)[:2] == ["taskcollect", "check"]
    # The wheelhouse the job fills is the folder it caches and the check reads, for the
    # job's Python.
    version = python["with"]["python-version"]
    assert cache["with"]["path"] == "wheelhouse"
    assert f"--into {cache['with']['path']}" in fill
    assert f"--python {version}" in fill
    assert f"--find-links {cache['with']['path']}" in check

    if index_reachable():
        filled = run(fill, task_repository)
        assert filled.returncode == 0, filled.stdout + filled.stderr
    else:  # offline: the example has no dependencies, an empty wheelhouse will do
        (task_repository / "wheelhouse").mkdir()
    if version != f"{sys.version_info.major}.{sys.version_info.minor}":
        pytest.skip(f"the job's check step runs Python {version}")
    checked = run(check, task_repository)
    assert checked.returncode == 0, checked.stdout + checked.stderr
