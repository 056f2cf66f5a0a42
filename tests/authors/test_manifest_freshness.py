"""Manifest freshness: fractal-task-tools rebuilds the manifest in the collected venv.

Real packages from the factory that write their manifest with fractal-task-tools 0.5.1
(installed into the collected venv from a local wheelhouse), collected through the pip path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_taskcollect import TaskPackageFactory, assert_manifest_up_to_date
from pytest_taskcollect.checks.manifest_freshness import (
    ManifestDifference,
    check_manifest_freshness,
    diff_manifests,
    manifest_freshness_of,
)
from pytest_taskcollect.collection import CollectionResult, CollectionSettings, collect_pip
from pytest_taskcollect.collection.settings import running_interpreter, running_python_version
from pytest_taskcollect.schemas import TaskCollectPipV2

from .packages import ftt_package


def collect(wheel: Path, tasks_dir: Path, *find_links: Path) -> CollectionResult:
    settings = CollectionSettings(
        tasks_dir=tasks_dir,
        python_interpreters={running_python_version(): running_interpreter()},
        find_links=tuple(str(link) for link in find_links),
    )
    result = collect_pip(TaskCollectPipV2(), wheel=wheel, settings=settings)
    assert result.ok, result.error
    return result


@pytest.fixture(scope="module")
def rebuilt_manifest(
    build_package: TaskPackageFactory,
    ftt_wheelhouse: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict:
    """What fractal-task-tools makes of ``ftt_package()`` (as ``fractal-manifest create``)."""
    wheel = build_package(ftt_package())
    result = collect(wheel.path, tmp_path_factory.mktemp("tasks"), ftt_wheelhouse)
    freshness = manifest_freshness_of(result)
    assert freshness.status == "stale"  # the factory's manifest is not fractal-task-tools'
    return freshness.rebuilt


def test_diff_is_path_by_path_and_ignores_key_order() -> None:
    committed = {"a": 1, "task_list": [{"name": "t", "args": {"x": 1}}], "old": True}
    rebuilt = {"task_list": [{"args": {"x": 2, "y": 3}, "name": "t"}, {"name": "u"}], "a": 1}

    assert diff_manifests(committed, rebuilt) == [
        ManifestDifference("task_list[0].args.x", "changed", 1, 2),
        ManifestDifference("task_list[0].args.y", "only_rebuilt", rebuilt=3),
        ManifestDifference("task_list[1]", "only_rebuilt", rebuilt={"name": "u"}),
        ManifestDifference("old", "only_committed", committed=True),
    ]
    assert diff_manifests({"b": 1, "a": [1]}, {"a": [1], "b": 1}) == []


def test_up_to_date_manifest(
    rebuilt_manifest: dict,
    build_package: TaskPackageFactory,
    ftt_wheelhouse: Path,
    tmp_path: Path,
) -> None:
    wheel = build_package(ftt_package(manifest=rebuilt_manifest))
    result = collect(wheel.path, tmp_path / "tasks", ftt_wheelhouse)

    freshness = assert_manifest_up_to_date(result)

    assert freshness.status == "up_to_date"
    assert freshness.tool == "fractal-task-tools 0.5.1"
    assert freshness.differences == ()
    assert freshness.summary() == (
        "The manifest is up to date (fractal-task-tools 0.5.1 rebuilds the same one)."
    )


def test_stale_manifest_after_a_code_change(
    rebuilt_manifest: dict,
    build_package: TaskPackageFactory,
    ftt_wheelhouse: Path,
    tmp_path: Path,
) -> None:
    wheel = build_package(ftt_package(manifest=rebuilt_manifest, smoothing_arg=True))
    result = collect(wheel.path, tmp_path / "tasks", ftt_wheelhouse)

    freshness = manifest_freshness_of(result)

    assert freshness.status == "stale"
    assert [item.path for item in freshness.differences] == [
        "task_list[0].args_schema_parallel.properties.smoothing"
    ]
    assert freshness.differences[0].kind == "only_rebuilt"
    assert freshness.differences[0].rebuilt["default"] == 0.5
    with pytest.raises(AssertionError) as failure:
        assert_manifest_up_to_date(result)
    message = str(failure.value)
    assert "the committed manifest of fractal-tasks-fresh 0.1.0 is not up to date" in message
    assert "task_list[0].args_schema_parallel.properties.smoothing: missing from the committed" in (
        message
    )
    assert "fractal-manifest create" in message


def test_package_without_fractal_task_tools_is_not_checked(
    build_package: TaskPackageFactory, tmp_path: Path
) -> None:
    wheel = build_package("fractal_tasks_mock")
    result = collect(wheel.path, tmp_path / "tasks")

    freshness = manifest_freshness_of(result)

    assert freshness.status == "not_checked"
    assert freshness.reason == "fractal-task-tools is not installed in the package's venv"
    with pytest.raises(AssertionError, match="cannot tell whether the manifest of"):
        assert_manifest_up_to_date(result)


def test_a_failing_rebuild_is_an_error(tmp_path: Path) -> None:
    freshness = check_manifest_freshness(python=tmp_path / "no-python", package="x")

    assert freshness.status == "error"
    assert "cannot run" in freshness.reason
