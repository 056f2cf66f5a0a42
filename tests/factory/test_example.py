"""The example task-package project under ``examples/`` passes its own test suite, which uses
the ``task_package`` and ``task_wheelhouse`` fixtures (run in a copy, so nothing is written
into the repository)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_taskcollect import broken_package_names

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("project", ["fractal-tasks-demo"])
def test_example_project_suite_passes(pytester: pytest.Pytester, project: str) -> None:
    copy = pytester.path / project
    shutil.copytree(EXAMPLES / project, copy, ignore=shutil.ignore_patterns(".pytest_cache"))
    result = pytester.runpytest_subprocess(str(copy / "tests"), "--rootdir", str(copy))
    result.assert_outcomes(passed=6 + len(broken_package_names()))  # 6 + the catalogue
