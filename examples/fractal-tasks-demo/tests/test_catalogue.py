"""The demo's packaging checks (``wheel_problems``) run over pytest-taskcollect's catalogue of
broken packages: they must flag exactly the packages fractal-server 2.14.5 rejects after
installing them, which shows the checks would catch those mistakes in this package too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_taskcollect import BuiltWheel, broken_package_names, get_preset

CHECKED_STAGES = {"show", "manifest", "tasks", "files"}
WHEELS = [name for name in broken_package_names() if get_preset(name).kind == "wheel"]


@pytest.mark.parametrize("name", WHEELS)
def test_checks_flag_what_the_server_rejects(
    name: str,
    task_package: Callable[[str], BuiltWheel],
    wheel_problems: Callable[[Path], list[str]],
) -> None:
    problems = wheel_problems(task_package(name).path)
    expected_failure = get_preset(name).server_outcome.stage in CHECKED_STAGES
    assert bool(problems) == expected_failure, problems
