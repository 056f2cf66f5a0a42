"""Helpers for the wheel-factory tests: real venvs, real offline pip, presets built once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import virtualenv

from pytest_taskcollect import BuiltWheel, build_task_sdist, build_task_wheel, get_preset
from pytest_taskcollect.factory.presets import preset_names


@dataclass(frozen=True)
class Venv:
    """A virtual environment created for one test (or one session fixture)."""

    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def site_packages(self) -> Path:
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        return self.root / "lib" / version / "site-packages"

    def pip(self, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
        """Run this venv's pip with no configuration file, so nothing but the arguments (e.g.
        ``--no-index``) decides where packages come from."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
        env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        return subprocess.run(
            [str(self.python), "-m", "pip", *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )


def create_venv(path: Path) -> Venv:
    """A real venv with pip (shared, pre-compiled, from virtualenv's app-data) and nothing else."""
    virtualenv.cli_run(
        [str(path), "--quiet", "--no-setuptools", "--symlink-app-data", "-p", sys.executable],
        setup_logging=False,
    )
    return Venv(path)


@pytest.fixture
def make_venv(tmp_path: Path) -> Callable[[], Venv]:
    """Create a fresh venv in the test's temporary directory."""
    return lambda: create_venv(tmp_path / "venv")


@pytest.fixture(scope="session")
def built_presets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltWheel]:
    """Every preset, freshly built (no persistent cache) into one session directory."""
    dest = tmp_path_factory.mktemp("presets")
    built = {}
    for name in preset_names():
        preset = get_preset(name)
        build = build_task_sdist if preset.kind == "sdist" else build_task_wheel
        built[name] = build(preset.spec, dest)
    return built


@pytest.fixture(scope="session")
def preset_venv(
    tmp_path_factory: pytest.TempPathFactory, built_presets: dict[str, BuiltWheel]
) -> Venv:
    """One venv with every preset that ``pip install --no-index`` accepts, installed by a
    single pip call (dependencies are resolved, offline: none of these presets has any)."""
    venv = create_venv(tmp_path_factory.mktemp("preset-venv") / "venv")
    wheels = [
        built.path
        for name, built in built_presets.items()
        if get_preset(name).offline_install == "ok"
    ]
    result = venv.pip("install", "--no-index", *wheels)
    assert result.returncode == 0, result.stdout + result.stderr
    return venv
