"""Fixtures of the real-server suite: PostgreSQL, running fractal-server releases, and our
runner's settings that mirror them.

Selection. Every test here carries the ``server`` marker. A plain run (``python -m pytest -n 2``,
what CI runs) keeps only the tests also marked ``server_subset``: one success, one background
failure and one rejection per release, plus the harness's own checks. ``-m server`` (or any
``-m`` expression, ``-k``, or an explicit test id) selects as asked, so ``pytest -m server`` runs
the whole matrix and ``-m "not server"`` none of it.

Availability. The harness installs what it needs (PostgreSQL with apt-get, the server releases
and pip/setuptools wheels from the package index, each once). When that is impossible here (not
root, offline and nothing cached, a Python missing) the tests are skipped with the reason;
with ``TASKCOLLECT_REQUIRE_SERVER=1`` (set by ``.ci/run``) they fail instead, so CI never
passes without the proof.

Cost. Each pytest-xdist worker has its own PostgreSQL cluster and starts each release it needs
once (``fractal_servers``); a test gets the server with its collections forgotten
(``fractal_server``: task tables emptied, tasks folder emptied). Tests submit to the server
first and run our collections while the server works.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn, Protocol

import pytest

from pytest_taskcollect import CollectionSettings
from support.fractal_server_venv import ensure_server_venv, index_reachable
from support.interpreters import find_interpreter

from .fractal_server import FractalServer, ServerRelease, ServerStartError
from .postgres import PostgresCluster, PostgresError, PostgresUnavailable
from .sources import fill_find_links

SERVER_RELEASES = ("2.14.5", "2.26.0")
"""The releases the harness starts (the oldest we reproduce and the newest)."""

RUNNER_RELEASES = SERVER_RELEASES
"""The releases the differential tests compare with our runners
(``CollectionSettings(server_version=...)``)."""

PYTHON_VERSIONS = ("3.9", "3.10", "3.11", "3.12", "3.13")
DEFAULT_PYTHON = "3.11"
OUR_MODES = ("faithful", "fast")


REQUIRE_VARIABLE = "TASKCOLLECT_REQUIRE_SERVER"


def unavailable(reason: str) -> NoReturn:
    """Skip for a missing prerequisite, or fail when ``TASKCOLLECT_REQUIRE_SERVER=1``."""
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{reason} ({REQUIRE_VARIABLE}=1: the real-server tests must run)", False)
    pytest.skip(reason)


def _explicit_selection(config: pytest.Config) -> bool:
    """Whether the user chose tests with ``-m``, ``-k`` or test ids (then we do not filter)."""
    if config.option.markexpr or config.option.keyword:
        return True
    return any("::" in str(arg) for arg in config.args)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without an explicit selection, keep only the ``server_subset`` of the ``server`` tests."""
    if _explicit_selection(config):
        return
    kept, dropped = [], []
    for item in items:
        is_matrix = item.get_closest_marker("server") and not item.get_closest_marker(
            "server_subset"
        )
        (dropped if is_matrix else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


class OurSettings(Protocol):
    """The ``our_settings`` fixture's callable."""

    def __call__(self, mode: str, task_group_id: int = 1) -> CollectionSettings: ...


# -- resources -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This worker's folder for servers, their tasks folders and ours."""
    return tmp_path_factory.mktemp("fractal-server")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of this worker, removed at the end of the session."""
    try:
        cluster = PostgresCluster.create()
    except PostgresUnavailable as error:
        unavailable(str(error))
    except PostgresError as error:
        if not index_reachable():
            unavailable(f"PostgreSQL could not be installed, and the network is down: {error}")
        pytest.fail(f"The PostgreSQL cluster for the real-server tests: {error}", pytrace=False)
    yield cluster
    cluster.remove()


@pytest.fixture(scope="session")
def server_find_links(server_root: Path) -> Path:
    """The one package source of both sides (pip 24.0 and 26.3, setuptools, the tests'
    dependencies)."""
    try:
        return fill_find_links(server_root / "links")
    except pytest.skip.Exception as skipped:
        unavailable(str(skipped.msg))


@pytest.fixture(scope="session")
def task_interpreters() -> dict[str, Path]:
    """This machine's interpreters for each Python ``X.Y`` a task group may ask for."""
    found = {version: find_interpreter(version) for version in PYTHON_VERSIONS}
    return {version: path for version, path in found.items() if path is not None}


class ServerPool:
    """The servers of this worker, one per release, started on first use and stopped at the
    end; a server that failed to start fails every test that needs it with the same message."""

    def __init__(
        self,
        cluster: PostgresCluster,
        root: Path,
        find_links: Path,
        interpreters: dict[str, Path],
    ) -> None:
        self.cluster = cluster
        self.root = root
        self.find_links = find_links
        self.interpreters = interpreters
        self.servers: dict[str, FractalServer] = {}
        self.errors: dict[str, str] = {}

    def folder(self, version: str, side: str) -> Path:
        """``<root>/<release>/<side>``: sides have names of one length, so every path below
        (venvs, their ``.pyc`` files and scripts) has the same length on each side."""
        return self.root / ServerRelease(version).slug / side

    def get(self, version: str) -> FractalServer:
        if version in self.errors:
            pytest.fail(self.errors[version], pytrace=False)
        if version in self.servers:
            return self.servers[version]
        if DEFAULT_PYTHON not in self.interpreters:
            unavailable(f"the real-server tests need Python {DEFAULT_PYTHON} for the tasks")
        release = ServerRelease(version)
        try:
            python = ensure_server_venv(version)
        except pytest.skip.Exception as skipped:
            unavailable(str(skipped.msg))
        root = self.folder(version, "srv")
        server = FractalServer(
            release=release,
            python=python,
            cluster=self.cluster,
            root=root,
            tasks_dir=root / "tasks",
            find_links=self.find_links,
            interpreters={
                key: path
                for key, path in self.interpreters.items()
                if key in release.task_python_versions
            },
            default_python_version=DEFAULT_PYTHON,
        )
        try:
            server.start()
        except (ServerStartError, PostgresError) as error:
            server.stop()
            self.errors[version] = f"The real fractal-server {version} did not start: {error}"
            pytest.fail(self.errors[version], pytrace=False)
        self.servers[version] = server
        return server

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


@pytest.fixture(scope="session")
def fractal_servers(
    postgres_cluster: PostgresCluster,
    server_root: Path,
    server_find_links: Path,
    task_interpreters: dict[str, Path],
) -> Iterator[ServerPool]:
    """This worker's running servers (see ``ServerPool``)."""
    pool = ServerPool(postgres_cluster, server_root, server_find_links, task_interpreters)
    yield pool
    pool.stop()


@pytest.fixture
def server_version() -> str:
    """The release a test runs against; parametrise it to choose others."""
    return "2.14.5"


@pytest.fixture
def fractal_server(server_version: str, fractal_servers: ServerPool) -> FractalServer:
    """The running server of ``server_version``, with no collections yet."""
    server = fractal_servers.get(server_version)
    server.reset()
    return server


@pytest.fixture
def our_tasks_dirs(
    server_version: str, fractal_servers: ServerPool, fractal_server: FractalServer
) -> dict[str, Path]:
    """Our runners' tasks folders (emptied), one per mode, as long as the server's."""
    dirs = {}
    for mode in OUR_MODES:
        folder = fractal_servers.folder(server_version, mode[:3]) / "tasks"
        assert len(str(folder)) == len(str(fractal_server.tasks_dir))
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        dirs[mode] = folder
    return dirs


@pytest.fixture
def our_settings(
    fractal_server: FractalServer, our_tasks_dirs: dict[str, Path], server_find_links: Path
) -> OurSettings:
    """``our_settings(mode, task_group_id=1)``: the settings that make our runner collect like
    the server, read from the server's own configuration (its ``FRACTAL_TASKS_*`` variables
    up to 2.16.x, its ``Resource`` from 2.17.0) with our tasks folder; ``task_group_id`` is
    the id the server's database gives the group (1, then 2 after a deleted one)."""

    def make(mode: str, task_group_id: int = 1) -> CollectionSettings:
        ours: dict[str, Any] = {
            "find_links": [str(server_find_links)],
            "mode": mode,
            "task_group_id": task_group_id,
        }
        tasks_dir = our_tasks_dirs[mode]
        version = fractal_server.version
        if fractal_server.release.uses_resources:
            resource = fractal_server.resource(tasks_dir)
            return CollectionSettings.from_resource(resource, server_version=version, **ours)
        env = fractal_server.task_settings_env(tasks_dir)
        return CollectionSettings.from_env(env, server_version=version, **ours)

    return make
