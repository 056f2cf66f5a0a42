"""Fixtures for the task-author features: real packages shaped like authors' packages.

* ``author_wheelhouse``: a find-links folder with the factory-built libraries these packages
  depend on (``demo-lib`` 1.0 and 2.0, ``demo-extra-lib``);
* ``ftt_wheelhouse``: fractal-task-tools 0.5.1 and its dependencies, downloaded once (with
  ``fill_wheelhouse``, the library behind ``taskcollect wheelhouse``) into pytest's cache dir;
  tests that need it are skipped, with the reason, when the package index is unreachable.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from filelock import FileLock

from pytest_taskcollect import TaskPackageFactory, TaskPackageSpec
from pytest_taskcollect.collection.settings import running_python_version
from pytest_taskcollect.collection.wheelhouse import fill_wheelhouse
from pytest_taskcollect.factory.cache import WheelCache
from support.console_script import Run, console_script
from support.fractal_server_venv import index_reachable

FTT_REQUIREMENT = "fractal-task-tools==0.5.1"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip this folder's ``network`` tests when pypi.org cannot be reached."""
    mine = [
        item for item in items if item.get_closest_marker("network") and HERE in item.path.parents
    ]
    if mine and not index_reachable():
        skip = pytest.mark.skip(reason="pypi.org is unreachable")
        for item in mine:
            item.add_marker(skip)


def library(name: str, version: str, source: str) -> TaskPackageSpec:
    """A plain library (no tasks, no manifest) whose ``__init__.py`` is ``source``."""
    return TaskPackageSpec(
        name,
        version=version,
        manifest_paths=(),
        extra_files={"__init__.py": source},
    )


@pytest.fixture(scope="session")
def author_wheelhouse(
    task_wheel_cache: WheelCache, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """``demo-lib`` 1.0 (has ``smooth``), ``demo-lib`` 2.0 (renamed it ``smooth_image``: the
    breaking release an unpinned dependency picks up) and ``demo-extra-lib`` 1.0."""
    folder = tmp_path_factory.mktemp("author-wheelhouse")
    factory = TaskPackageFactory(task_wheel_cache, folder)
    factory(library("demo-lib", "1.0", "def smooth(x):\n    return x\n"))
    factory(library("demo-lib", "2.0", "def smooth_image(x):\n    return x\n"))
    factory(library("demo-extra-lib", "1.0", "MEASURES = ('area',)\n"))
    return folder


@pytest.fixture(scope="session")
def ftt_wheelhouse(pytestconfig: pytest.Config) -> Path:
    """fractal-task-tools and its dependencies for this Python, downloaded once per cache."""
    cache = getattr(pytestconfig, "cache", None)  # unset with -p no:cacheprovider
    base = (
        cache.mkdir("taskcollect-ftt-wheelhouse")
        if cache is not None
        else Path(tempfile.gettempdir()) / "taskcollect-ftt-wheelhouse"
    )
    folder = base / running_python_version()
    folder.mkdir(parents=True, exist_ok=True)
    done = folder / "complete.json"
    with FileLock(str(folder) + ".lock"):
        if done.is_file() and json.loads(done.read_text()) == FTT_REQUIREMENT:
            return folder
        if not index_reachable():
            pytest.skip(f"{FTT_REQUIREMENT} is not in the cache and pypi.org is unreachable")
        fill_wheelhouse(
            FTT_REQUIREMENT,
            folder,
            python_version=running_python_version(),
            max_pip_version=None,
        )
        done.write_text(json.dumps(FTT_REQUIREMENT))
    return folder


@pytest.fixture(scope="session")
def build_package(task_wheel_cache: WheelCache, author_wheelhouse: Path) -> TaskPackageFactory:
    """``build_package(spec) -> BuiltWheel``, session-wide (published in ``author_wheelhouse``)."""
    return TaskPackageFactory(task_wheel_cache, author_wheelhouse)


@pytest.fixture
def taskcollect(tmp_path: Path) -> Run:
    """``taskcollect(*args, env=None)``: the console script, run as a user runs it, in
    ``tmp_path``, with a cache of its own unless ``env`` says otherwise (``console_script``)."""
    return console_script(tmp_path, timeout=600)
