"""The distribution itself: entry points, console script, typing marker and code quality."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib.metadata import distribution, entry_points
from pathlib import Path

import pytest

import pytest_taskcollect
from pytest_taskcollect import schemas

ROOT = Path(__file__).resolve().parent.parent


def test_public_api_is_curated() -> None:
    for name in pytest_taskcollect.__all__:
        assert hasattr(pytest_taskcollect, name), name
    for name in schemas.__all__:
        assert hasattr(schemas, name), name


def test_plugin_is_registered_as_pytest11_entry_point() -> None:
    (entry,) = [e for e in entry_points(group="pytest11") if e.name == "taskcollect"]
    assert entry.value == "pytest_taskcollect.plugin"
    assert entry.dist is not None
    assert entry.dist.name == "pytest-taskcollect"


def test_py_typed_is_shipped() -> None:
    files = distribution("pytest-taskcollect").files or []
    assert (
        any(str(f).endswith("pytest_taskcollect/py.typed") for f in files)
        or (Path(pytest_taskcollect.__file__).parent / "py.typed").is_file()
    )


def test_installed_plugin_does_not_break_a_pytest_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert "taskcollect" in "\n".join(pytester.runpytest_subprocess("--trace-config").outlines)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--version"],
            f"taskcollect {pytest_taskcollect.__version__} "
            "(fractal-server 2.14.5 to 2.26.0; default 2.14.5)",
        ),
        (["--help"], "usage: taskcollect"),
    ],
)
def test_console_script(args: list[str], expected: str) -> None:
    executable = shutil.which("taskcollect", path=str(Path(sys.executable).parent))
    assert executable is not None, "the taskcollect console script is not installed"
    completed = subprocess.run(
        [executable, *args], capture_output=True, text=True, check=True, timeout=60
    )
    assert expected in completed.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "src", "tests"],
        ["ruff", "format", "--check", "src", "tests"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_code_quality(command: list[str]) -> None:
    tool = shutil.which(command[0], path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.skip(f"{command[0]} is not installed (pip install -e '.[test]')")
    completed = subprocess.run(
        [tool, *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
