"""pytest plugin entry point (``pytest11``): thin glue over the library."""

from __future__ import annotations

from pathlib import Path

import pytest

from .factory import TaskPackageFactory
from .wheel_cache import WheelCache

_CACHE_DIR_NAME = "taskcollect-wheels"


@pytest.fixture(scope="session")
def task_wheel_cache(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> WheelCache:
    """The persistent wheel cache, in pytest's cache directory (``.pytest_cache``), shared by
    all xdist workers and later runs; a session temp dir when the cache plugin is disabled."""
    cache = getattr(pytestconfig, "cache", None)  # unset when run with -p no:cacheprovider
    if cache is None:
        return WheelCache(tmp_path_factory.mktemp(_CACHE_DIR_NAME))
    return WheelCache(cache.mkdir(_CACHE_DIR_NAME))


@pytest.fixture(scope="session")
def task_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session directory holding every package ``task_package`` built so far: pass it to pip
    as ``--no-index --find-links <dir>``. (Under xdist, each worker has its own.)"""
    return tmp_path_factory.mktemp("task-wheelhouse", numbered=False)


@pytest.fixture
def task_package(task_wheel_cache: WheelCache, task_wheelhouse: Path) -> TaskPackageFactory:
    """Factory ``task_package(spec_or_preset_name, **overrides) -> BuiltWheel``: builds a real
    wheel (an sdist for the ``sdist_only`` preset) once per content, across sessions."""
    return TaskPackageFactory(task_wheel_cache, task_wheelhouse)
