"""Fixtures for the demo's own tests: the built wheel and fresh venvs. (The checks
fractal-server 2.14.5 applies to a wheel come from ``pytest_taskcollect``'s assertions.)"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import virtualenv
from build import ProjectBuilder

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
