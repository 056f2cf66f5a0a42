"""Fixtures for the pip-collection tests: real wheels from the factory, real venvs, offline pip."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.version import Version

from pytest_taskcollect import BuiltWheel, FrozenMap, TaskPackageFactory, get_preset
from pytest_taskcollect.collection import CollectionResult, CollectionSettings
from pytest_taskcollect.collection.pip_wheels import fetch_pip_wheels, stored_wheels
from pytest_taskcollect.collection.settings import running_interpreter, running_python_version
from pytest_taskcollect.factory.cache import WheelCache
from support.fractal_server_venv import index_reachable


@pytest.fixture(scope="session")
def collection_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels built for these tests (a find-links directory for by-name collections)."""
    return tmp_path_factory.mktemp("collection-wheelhouse")


@pytest.fixture(scope="session")
def build_package(task_wheel_cache: WheelCache, collection_wheelhouse: Path) -> TaskPackageFactory:
    """``build_package(preset_or_spec, **overrides) -> BuiltWheel``, session-wide."""
    return TaskPackageFactory(task_wheel_cache, collection_wheelhouse)


@pytest.fixture(scope="session")
def mock_wheel(build_package: TaskPackageFactory) -> BuiltWheel:
    """The ``fractal_tasks_mock`` preset's wheel (``fractal-tasks-mock`` 0.0.1)."""
    return build_package("fractal_tasks_mock")


@pytest.fixture(scope="session")
def versions_index(task_wheel_cache: WheelCache, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A find-links directory with ``fractal-tasks-mock`` 0.1.0, 0.1.1, 0.10.0, 0.2.0 and
    1.0.0rc1: ``"0.1"`` matches 0.1.0, 0.1.1 and 0.10.0, the largest by string sort is
    0.10.0; the latest final release is also 0.10.0 (not 0.2.0, and not the pre-release)."""
    folder = tmp_path_factory.mktemp("versions-index")
    factory = TaskPackageFactory(task_wheel_cache, folder)
    spec = get_preset("fractal_tasks_mock").spec
    for version in ("0.1.0", "0.1.1", "0.10.0", "0.2.0", "1.0.0rc1"):
        factory(dataclasses.replace(spec, version=version))
    return folder


def build_dependency_wheels(factory: TaskPackageFactory) -> None:
    """The two small dependencies of the dependency tests: ``fractal-tasks-dep-a`` 0.0.1 and
    ``Fractal_Tasks.Dep-B`` 2.0 (a non-canonical name), into ``factory``'s folder."""
    factory(get_preset("missing_manifest").spec, name="fractal-tasks-dep-a")
    factory(get_preset("missing_manifest").spec, name="Fractal_Tasks.Dep-B", version="2.0")


@pytest.fixture(scope="session")
def dependency_index(
    task_wheel_cache: WheelCache, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, BuiltWheel]:
    """A find-links folder with two small dependencies, and a mock-like wheel that requires
    one of them and the other through its ``full`` extra (plus a marker that is false). The
    extra has no ``_``: pip 23.2.1 does not normalise requested extras."""
    folder = tmp_path_factory.mktemp("dependency-index")
    factory = TaskPackageFactory(task_wheel_cache, folder)
    build_dependency_wheels(factory)
    spec = dataclasses.replace(
        get_preset("fractal_tasks_mock").spec,
        name="fractal-tasks-with-deps",
        import_name="fractal_tasks_with_deps",
        dependencies=("fractal-tasks-dep-a>=0.0.1", "nonexistent-package; python_version < '3'"),
        extras=FrozenMap({"full": ("fractal-tasks-dep-b==2.0",)}),
    )
    return folder, factory(spec)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., CollectionSettings]:
    """``make_settings(**fields)``: settings with a fresh tasks dir under ``tmp_path``."""

    def make(**fields: object) -> CollectionSettings:
        values: dict[str, object] = {
            "tasks_dir": tmp_path / "tasks",
            "python_interpreters": {running_python_version(): running_interpreter()},
        }
        values.update(fields)
        return CollectionSettings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def settings(make_settings: Callable[..., CollectionSettings]) -> CollectionSettings:
    """Offline settings with the running interpreter and a fresh tasks dir."""
    return make_settings()


def fetched_pip_wheel(version: str) -> Path:
    """The pip ``version`` wheel from the user's fetched wheels (``taskcollect cache fetch-pip``),
    fetched there first when missing and the index is reachable; skips the test otherwise."""
    folder = Path(os.environ["TASKCOLLECT_TEST_USER_CACHE"]) / "pip-wheels"
    for attempt in range(2):
        for wheel in stored_wheels(folder):
            if wheel.name.startswith(f"pip-{version}-"):
                return wheel
        if attempt == 0 and index_reachable():
            fetch_pip_wheels(folder)
    pytest.skip(
        f"no pip {version} wheel offline and pypi.org is unreachable: run "
        "`taskcollect cache fetch-pip` once with network"
    )


def fetched_newest_wheel(project: str) -> Path:
    """The newest fetched wheel of ``project`` (``pip``, ``setuptools``), as
    ``fetched_pip_wheel`` finds it."""
    folder = Path(os.environ["TASKCOLLECT_TEST_USER_CACHE"]) / "pip-wheels"
    for attempt in range(2):
        wheels = [wheel for wheel in stored_wheels(folder) if wheel.name.startswith(f"{project}-")]
        if wheels:
            return max(wheels, key=lambda wheel: Version(wheel.name.split("-")[1]))
        if attempt == 0 and index_reachable():
            fetch_pip_wheels(folder)
    pytest.skip(
        f"no {project} wheel offline and pypi.org is unreachable: run "
        "`taskcollect cache fetch-pip` once with network"
    )


@pytest.fixture(scope="session")
def pip_24_links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A find-links folder holding only the pip 24.0 wheel (the server's pip under 2.14.5)."""
    folder = tmp_path_factory.mktemp("pip-24")
    shutil.copy2(fetched_pip_wheel("24.0"), folder)
    return folder


@pytest.fixture(scope="session")
def newest_pip_links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A find-links folder holding the newest fetched pip and setuptools wheels (what a release
    without a pip cap, 2.16.0 on, installs)."""
    folder = tmp_path_factory.mktemp("pip-newest")
    for project in ("pip", "setuptools"):
        shutil.copy2(fetched_newest_wheel(project), folder)
    return folder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip ``network`` tests when pypi.org cannot be reached."""
    network_items = [item for item in items if item.get_closest_marker("network")]
    if network_items and not index_reachable():
        skip = pytest.mark.skip(reason="pypi.org is unreachable")
        for item in network_items:
            item.add_marker(skip)


def copy_wheel(wheel: BuiltWheel, folder: Path, filename: str | None = None) -> Path:
    """A copy of ``wheel`` in ``folder`` (optionally renamed), as a user's upload."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (filename or wheel.filename)
    shutil.copyfile(wheel.path, target)
    return target


_LOG_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
_SCRIPT_STAMP = re.compile(
    r"\[collect-task, [^\]]*\]|Elapsed: \d+ seconds|/\d+_collect_|collect\.ID\d+ "
)
_SIZE_LINE = re.compile(r"(^|DEBUG - )\d+ \d+$")
_TIMESTAMP = re.compile(r"(timestamp_\w+: )\S+ \S+$")


def log_content(result: CollectionResult, tasks_dir: Path) -> list[str]:
    """The activity log without our notes, times, script timestamps and venv size, the tasks
    dir replaced by a marker: what fast and faithful mode must have in common."""
    lines = []
    for line in result.log.splitlines():
        if "[pytest-taskcollect]" in line:
            continue
        line = _SCRIPT_STAMP.sub("<T>", _LOG_STAMP.sub("", line))
        line = _TIMESTAMP.sub(r"\1<TIME>", _SIZE_LINE.sub(r"\1<SIZE>", line))
        lines.append(line.replace(tasks_dir.as_posix(), "<TASKS>"))
    return lines
