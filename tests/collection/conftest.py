"""Fixtures for the pip-collection tests: real wheels from the factory, real venvs, offline pip."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_taskcollect import BuiltWheel, FrozenMap, TaskPackageFactory, get_preset
from pytest_taskcollect.collection import CollectionSettings
from pytest_taskcollect.collection.pip_wheels import fetch_pip_wheels, stored_wheels
from pytest_taskcollect.collection.settings import running_interpreter, running_python_version
from pytest_taskcollect.factory.cache import WheelCache


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


@pytest.fixture(scope="session")
def dependency_index(
    task_wheel_cache: WheelCache, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, BuiltWheel]:
    """A find-links folder with two small dependencies, and a mock-like wheel that requires
    one of them and the other through its ``full`` extra (plus a marker that is false). The
    extra has no ``_``: pip 23.2.1 does not normalise requested extras."""
    folder = tmp_path_factory.mktemp("dependency-index")
    factory = TaskPackageFactory(task_wheel_cache, folder)
    factory(get_preset("missing_manifest").spec, name="fractal-tasks-dep-a")
    factory(get_preset("missing_manifest").spec, name="Fractal_Tasks.Dep-B", version="2.0")
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
        if attempt == 0 and _pypi_reachable():
            fetch_pip_wheels(folder)
    pytest.skip(
        f"no pip {version} wheel offline and pypi.org is unreachable: run "
        "`taskcollect cache fetch-pip` once with network"
    )


@pytest.fixture(scope="session")
def pip_24_links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A find-links folder holding only the pip 24.0 wheel (the server's pip under 2.14.5)."""
    folder = tmp_path_factory.mktemp("pip-24")
    shutil.copy2(fetched_pip_wheel("24.0"), folder)
    return folder


def _pypi_reachable() -> bool:
    try:
        with socket.create_connection(("pypi.org", 443), timeout=3):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip ``network`` tests when pypi.org cannot be reached."""
    network_items = [item for item in items if item.get_closest_marker("network")]
    if network_items and not _pypi_reachable():
        skip = pytest.mark.skip(reason="pypi.org is unreachable")
        for item in network_items:
            item.add_marker(skip)


def copy_wheel(wheel: BuiltWheel, folder: Path, filename: str | None = None) -> Path:
    """A copy of ``wheel`` in ``folder`` (optionally renamed), as a user's upload."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (filename or wheel.filename)
    shutil.copyfile(wheel.path, target)
    return target
