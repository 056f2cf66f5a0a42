"""The wheel check this package's tests rely on (``assert_wheel_collectable``), run over
pytest-taskcollect's catalogue of broken packages: it must flag exactly the packages
fractal-server 2.14.5 rejects after installing them, at the same stage, which shows it would
catch those mistakes in this package too."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_taskcollect import BuiltWheel, broken_package_names, get_preset
from pytest_taskcollect.checks.wheel_check import check_wheel_collectable

CHECKED_STAGES = {"show", "manifest", "tasks", "files"}
WHEELS = [name for name in broken_package_names() if get_preset(name).kind == "wheel"]


@pytest.mark.parametrize("name", WHEELS)
def test_checks_flag_what_the_server_rejects(
    name: str, task_package: Callable[[str], BuiltWheel]
) -> None:
    report = check_wheel_collectable(task_package(name))
    outcome = get_preset(name).server_outcome
    if outcome.stage in CHECKED_STAGES:
        assert report.first_problem is not None, report.summary()
        assert report.first_problem.stage == outcome.stage, report.summary()
        assert outcome.message in report.first_problem.message, report.summary()
    else:
        assert report.problems == (), report.summary()
