"""Fixtures for the demo's own tests: the built wheel, fresh venvs, and the checks
fractal-server 2.14.5 applies when it collects a wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import virtualenv
from build import ProjectBuilder
from pydantic import ValidationError

from pytest_taskcollect import ManifestV2, TaskCreateV2, normalize_package_name

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_wheel(task_wheelhouse: Path) -> Path:
    """This project's wheel, built like ``python -m build --wheel --no-isolation`` into the
    session wheelhouse (next to anything ``task_package`` builds)."""
    return Path(ProjectBuilder(PROJECT_ROOT).build("wheel", task_wheelhouse))


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(
        [str(python), "-m", "pip", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture
def install_offline(tmp_path: Path) -> Callable[[Path, str], Path]:
    """``install_offline(find_links, requirement)``: a fresh venv with ``requirement`` installed
    by pip with ``--no-index``; returns the venv's python."""

    def install(find_links: Path, requirement: str) -> Path:
        venv = tmp_path / "venv"
        virtualenv.cli_run(
            [str(venv), "--quiet", "--no-setuptools", "-p", sys.executable], setup_logging=False
        )
        python = venv / "bin" / "python"
        result = _pip(python, "install", "--no-index", "--find-links", str(find_links), requirement)
        assert result.returncode == 0, result.stderr
        return python

    return install


def _manifest_problems(raw: Any, package_root: PurePosixPath) -> list[str]:
    """What fractal-server would reject in a manifest: ``ManifestV2`` validation, the
    ``TaskCreateV2`` re-validation of each task (with its real command line) and executables
    missing under ``package_root`` (where the server looks for them)."""
    try:
        manifest = ManifestV2(**raw)
    except (TypeError, ValidationError) as error:
        return [f"manifest: {error}"]
    problems = []
    for task in manifest.task_list:
        attributes = task.model_dump(exclude={"executable_non_parallel", "executable_parallel"})
        if manifest.has_args_schemas:
            attributes["args_schema_version"] = manifest.args_schema_version
        for slot in ("non_parallel", "parallel"):
            executable = getattr(task, f"executable_{slot}")
            if executable is None:
                continue
            path = package_root / executable
            attributes[f"command_{slot}"] = f"/venv/bin/python {path}"
            if not Path(path).is_file():
                problems.append(f"{task.name}: missing file {path}")
        try:
            TaskCreateV2(**attributes, version="0", authors=manifest.authors)
        except ValidationError as error:
            problems.append(f"{task.name}: {error}")
    return problems


def _wheel_problems(wheel: Path, workdir: Path) -> list[str]:
    """``manifest_problems`` for a wheel, after unpacking it: the manifest must be unique, and
    the package root is derived from the file name as the server derives it."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(workdir)
        manifests = [n for n in archive.namelist() if n.endswith("__FRACTAL_MANIFEST__.json")]
    if len(manifests) != 1:
        return [f"expected one __FRACTAL_MANIFEST__.json, found {manifests}"]
    raw = json.loads((workdir / manifests[0]).read_text())
    root_name = normalize_package_name(wheel.name.split("-")[0]).replace("-", "_")
    return _manifest_problems(raw, PurePosixPath(workdir) / root_name)


@pytest.fixture
def manifest_problems() -> Callable[[Any, PurePosixPath], list[str]]:
    """``manifest_problems(raw_manifest, package_root) -> list of problems``."""
    return _manifest_problems


@pytest.fixture
def wheel_problems(tmp_path: Path) -> Callable[[Path], list[str]]:
    """``wheel_problems(wheel) -> list of problems`` (the wheel is unpacked in ``tmp_path``)."""
    return lambda wheel: _wheel_problems(wheel, tmp_path / "unpacked")
