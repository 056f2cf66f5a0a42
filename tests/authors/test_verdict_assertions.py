"""The three verdicts in the pytest assertions: ``assert_collection_ok`` (does it collect?),
``assert_tasks_start`` (does every task start?) and ``package_verdict``."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_taskcollect import assert_collection_ok, assert_tasks_start
from pytest_taskcollect.checks import Verdict, check_tasks_start, package_verdict
from pytest_taskcollect.collection import CollectionSettings, collect_pip
from pytest_taskcollect.schemas import TaskCollectPipV2

from .packages import extra_needed_package


@pytest.fixture(scope="module")
def extra_wheel(build_package) -> Path:
    return build_package(extra_needed_package()).path


def settings(tasks_dir: Path, *find_links: Path) -> CollectionSettings:
    return CollectionSettings(tasks_dir=tasks_dir, find_links=tuple(map(str, find_links)))


def test_collects_but_a_task_does_not_start(
    extra_wheel: Path, author_wheelhouse: Path, tmp_path: Path
) -> None:
    result = collect_pip(
        TaskCollectPipV2(), wheel=extra_wheel, settings=settings(tmp_path, author_wheelhouse)
    )

    assert_collection_ok(result)
    with pytest.raises(AssertionError) as failure:
        assert_tasks_start(result)
    lines = [line.strip() for line in str(failure.value).splitlines()]
    assert lines[:3] == [
        "fractal-server collects fractal-tasks-extra 0.2.0, but 1 of 2 task commands do not start:",
        "Measure (parallel): exit 1: ModuleNotFoundError: No module named 'demo_extra_lib'",
        "demo_extra_lib comes with the package's extra 'measure': collect it with that extra "
        "(--extras measure), as Fractal users must",
    ]
    assert package_verdict(result, check_tasks_start(result)) is Verdict.COLLECTS_WITH_PROBLEMS


def test_collects_and_every_task_starts(
    extra_wheel: Path, author_wheelhouse: Path, tmp_path: Path
) -> None:
    result = collect_pip(
        TaskCollectPipV2(package_extras="measure"),
        wheel=extra_wheel,
        settings=settings(tmp_path, author_wheelhouse),
    )

    starts = assert_tasks_start(result)

    assert [(start.task, start.ok) for start in starts] == [("Segment", True), ("Measure", True)]
    assert package_verdict(result, starts) is Verdict.COLLECTS


def test_does_not_collect(extra_wheel: Path, tmp_path: Path) -> None:
    result = collect_pip(
        TaskCollectPipV2(package_extras="measure"), wheel=extra_wheel, settings=settings(tmp_path)
    )

    assert package_verdict(result) is Verdict.DOES_NOT_COLLECT
    with pytest.raises(AssertionError, match="expected the collection to succeed"):
        assert_tasks_start(result)
