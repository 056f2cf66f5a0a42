"""The pytest plugin (``pytest11`` entry point ``taskcollect``): options, fixtures, markers
and a terminal summary. Thin glue: the behaviour lives in the library modules.

Fixtures (scope):

* ``taskcollect_settings`` (session): the ``CollectionSettings`` every fixture collects with,
  for ``--taskcollect-server-version`` (default 2.14.5). Override it in a ``conftest.py`` to
  change interpreters, the tasks dir or the index.
* ``taskcollect_server_version`` (function): the release a test's collections emulate: the
  ``taskcollect_server`` marker's (a marker with several releases runs the test once per
  release), else the session's. Parametrize it directly to choose per test.
* ``task_wheel_cache`` (session), ``task_wheelhouse`` (session), ``task_package`` (function):
  the wheel factory.
* ``collect_pip``, ``collect_custom``, ``collect_pixi`` (function): the collection runners
  bound to ``taskcollect_settings`` and ``taskcollect_server_version``; folders of successful
  collections are removed after the test unless ``--taskcollect-keep``.
* ``fractal_tasks_mock_collection`` (session): the mock preset collected once, offline.
* ``project_wheel`` (session): the wheel of the project under test, built once.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .checks import assertrepr
from .collection import CollectionResult, CollectionSettings, make_venv_self_contained
from .collection import collect_custom as _collect_custom
from .collection import collect_pip as _collect_pip
from .collection import collect_pip_form as _collect_pip_form
from .collection import collect_pixi as _collect_pixi
from .collection.request_models import IgnoredFormFieldWarning
from .collection.settings import running_interpreter, running_python_version
from .factory.build import BuiltWheel
from .factory.cache import WheelCache
from .factory.package_factory import TaskPackageFactory
from .factory.project import ProjectBuildError, build_project_wheel
from .plugin_options import TaskcollectOptions, add_options, read_options
from .plugin_summary import CollectionRecord, SessionReport
from .profiles import UnsupportedServerVersionError, get_profile
from .schemas import TaskCollectPipV2
from .schemas.task_collection import CustomRequestBase, PipRequestBase, UploadedFileBase

_CACHE_DIR_NAME = "taskcollect-wheels"
_VENV_STORE_NAME = "taskcollect-venvs"
_WORKER_OUTPUT_KEY = "taskcollect_records"
_OPTIONS = pytest.StashKey[TaskcollectOptions]()
_REPORT = pytest.StashKey[SessionReport]()

CollectPip = Callable[..., CollectionResult]
CollectCustom = Callable[..., CollectionResult]
CollectPixi = Callable[..., CollectionResult]
_SERVER_MARKER = "taskcollect_server"


# -- configuration -------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "taskcollect_network: the test needs the package index; skipped unless "
        "--taskcollect-network (or the ini key taskcollect_network) allows it",
    )
    config.addinivalue_line(
        "markers",
        f"{_SERVER_MARKER}(*versions): the fractal-server release(s) the test's collection "
        "fixtures emulate; with several, the test runs once per release",
    )
    config.stash[_OPTIONS] = read_options(config)
    config.stash[_REPORT] = SessionReport()


def _options(config: pytest.Config) -> TaskcollectOptions:
    return config.stash[_OPTIONS]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A ``taskcollect_server`` marker parametrizes ``taskcollect_server_version``."""
    marker = metafunc.definition.get_closest_marker(_SERVER_MARKER)
    if marker is None or "taskcollect_server_version" not in metafunc.fixturenames:
        return
    if not marker.args:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: @pytest.mark.{_SERVER_MARKER}() needs at least one "
            'fractal-server version, e.g. @pytest.mark.taskcollect_server("2.26.0").'
        )
    try:
        versions = [get_profile(str(version)).version for version in marker.args]
    except UnsupportedServerVersionError as error:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: {error}") from None
    metafunc.parametrize("taskcollect_server_version", versions, ids=versions)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("taskcollect_network") and not _options(item.config).network:
        pytest.skip(
            "needs the package index (marker taskcollect_network): run with "
            "--taskcollect-network to allow it"
        )


def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: object, right: object
) -> list[str] | None:
    """Field-by-field explanations of ``==`` between pytest-taskcollect's models."""
    return assertrepr.explain_comparison(op, left, right)


# -- session summary (also across pytest-xdist workers) ------------------------------------


def _record(config: pytest.Config, result: CollectionResult, package: str) -> None:
    config.stash[_REPORT].add(CollectionRecord.from_result(result, package=package))


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the records to the controller
        workeroutput[_WORKER_OUTPUT_KEY] = session.config.stash[_REPORT].to_wire()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    records = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT_KEY, [])
    node.config.stash[_REPORT].extend_from_wire(records)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    report = config.stash[_REPORT]
    lines = report.table()
    if not lines:
        return
    terminalreporter.write_sep("-", "taskcollect: collections of this session")
    for line in lines:
        terminalreporter.write_line(line)
    if _options(config).keep:
        kept = [record.path for record in report.records if record.status == "OK" and record.path]
        terminalreporter.write_line("kept (--taskcollect-keep):")
        for path in kept:
            terminalreporter.write_line(f"  {path}")


# -- the wheel factory ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def task_wheel_cache(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> WheelCache:
    """The persistent wheel cache, shared by xdist workers and later runs: in
    ``--taskcollect-cache-dir`` if given, else pytest's cache directory; a session temp dir
    with ``--taskcollect-no-cache`` or when the cache plugin is disabled."""
    return WheelCache(_cache_folder(pytestconfig, tmp_path_factory, _CACHE_DIR_NAME))


def _cache_folder(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory, name: str
) -> Path:
    """``name`` in ``--taskcollect-cache-dir``, else in pytest's cache dir; a session temp
    dir with ``--taskcollect-no-cache`` or when the cache plugin is disabled."""
    options = _options(pytestconfig)
    if options.no_cache:
        return tmp_path_factory.mktemp(name)
    if options.cache_dir is not None:
        return options.cache_dir / name
    cache = getattr(pytestconfig, "cache", None)  # unset when run with -p no:cacheprovider
    if cache is None:
        return tmp_path_factory.mktemp(name)
    return Path(cache.mkdir(name))


@pytest.fixture(scope="session")
def task_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session directory holding every package ``task_package`` built so far: pass it to pip
    as ``--no-index --find-links <dir>``; ``taskcollect_settings`` does. (Under xdist, each
    worker has its own.)"""
    return tmp_path_factory.mktemp("task-wheelhouse", numbered=False)


@pytest.fixture
def task_package(task_wheel_cache: WheelCache, task_wheelhouse: Path) -> TaskPackageFactory:
    """Factory ``task_package(spec_or_preset_name, **overrides) -> BuiltWheel``: builds a real
    wheel (an sdist for the ``sdist_only`` preset) once per content, across sessions."""
    return TaskPackageFactory(task_wheel_cache, task_wheelhouse)


# -- collection ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def taskcollect_settings(
    pytestconfig: pytest.Config,
    tmp_path_factory: pytest.TempPathFactory,
    task_wheelhouse: Path,
) -> CollectionSettings:
    """The settings every collection fixture uses (session). From the options: tasks dir
    (default: a session temp dir), interpreters (the running one plus ``--taskcollect-python``),
    find-links (``task_wheelhouse`` plus ``--taskcollect-find-links``), offline unless
    ``--taskcollect-network``, the installer (``--taskcollect-installer``), the venv store in
    pytest's cache dir (shared by xdist workers and later runs; ``--taskcollect-cache-dir``,
    ``--taskcollect-no-cache``). Override this fixture in a ``conftest.py`` to change
    anything."""
    options = _options(pytestconfig)
    interpreters = {running_python_version(): running_interpreter(), **options.python_interpreters}
    return CollectionSettings(
        venv_store=_cache_folder(pytestconfig, tmp_path_factory, _VENV_STORE_NAME),
        tasks_dir=options.tasks_dir or tmp_path_factory.mktemp("taskcollect-tasks"),
        server_version=options.server_version,
        installer=options.installer,
        python_interpreters=interpreters,
        default_python_version=running_python_version(),
        find_links=(str(task_wheelhouse), *(str(path) for path in options.find_links)),
        no_index=not options.network,
    )


@pytest.fixture
def taskcollect_server_version(taskcollect_settings: CollectionSettings) -> str:
    """The fractal-server release this test's collections emulate: the session's
    (``--taskcollect-server-version``, or ``taskcollect_settings``), unless a
    ``taskcollect_server`` marker names one or several (then the test is parametrized)."""
    return taskcollect_settings.server_version


def _settings_for(settings: CollectionSettings, version: str) -> CollectionSettings:
    """``settings`` for another release (validated again: a pip cap may not exist there)."""
    if settings.server_version == get_profile(version).version:
        return settings
    return CollectionSettings.model_validate(
        {**dict(settings), "server_version": version, "max_pip_version": None}
    )


def _wheel_argument(wheel: BuiltWheel | UploadedFileBase | str | Path | None) -> Any:
    return wheel.path if isinstance(wheel, BuiltWheel) else wheel


class _Collections:
    """Collections made by one fixture: recorded for the summary, cleaned up unless kept."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: list[CollectionResult] = []

    def add(self, result: CollectionResult, package: str) -> CollectionResult:
        self.results.append(result)
        _record(self.config, result, package)
        return result

    def cleanup(self) -> None:
        """Remove the folders of successful collections (a failed one removed its own); with
        ``--taskcollect-keep``, make their venvs self-contained instead."""
        if _options(self.config).keep:
            for result in self.results:
                if result.ok and result.task_group is not None and result.task_group.venv_path:
                    make_venv_self_contained(result.task_group.venv_path)
            return
        for result in self.results:
            if result.ok and result.task_group is not None and result.task_group.path:
                shutil.rmtree(result.task_group.path, ignore_errors=True)


@pytest.fixture
def collect_pip(
    pytestconfig: pytest.Config,
    taskcollect_settings: CollectionSettings,
    taskcollect_server_version: str,
) -> Iterator[CollectPip]:
    """``collect_pip(request=None, *, wheel=None, settings=None, **form_fields)``: collect
    through the pip path of ``taskcollect_server_version``. ``request`` is that release's pip
    request (``get_profile(v).schemas.pip_request``; another release's is converted where the
    meaning is the same), or ``form_fields`` are read as that release's form endpoint reads
    them (``package``, ``package_version``, ``package_extras``, ``python_version`` and the
    release's pin fields: ``pinned_package_versions`` up to 2.15.9, ``_pre``/``_post`` from
    2.16.0; a pin field the release lacks is ignored with an ``IgnoredFormFieldWarning``, as
    the server ignores it). ``wheel`` is a path, a ``WheelFile`` or a ``BuiltWheel`` (e.g.
    ``project_wheel``). Returns the ``CollectionResult``."""
    collections = _Collections(pytestconfig)
    default = _settings_for(taskcollect_settings, taskcollect_server_version)

    def collect(
        request: PipRequestBase | None = None,
        /,
        *,
        wheel: BuiltWheel | UploadedFileBase | str | Path | None = None,
        settings: CollectionSettings | None = None,
        **form_fields: Any,
    ) -> CollectionResult:
        chosen = settings or default
        upload = _wheel_argument(wheel)
        if request is None:
            result = _collect_pip_form(form_fields, wheel=upload, settings=chosen)
            for message in result.warnings:
                if "silently ignores" in message:
                    warnings.warn(IgnoredFormFieldWarning(message), stacklevel=2)
            package = form_fields.get("package")
        else:
            result = _collect_pip(request, wheel=upload, settings=chosen)
            package = request.package
        name = package or (Path(str(upload)).name if wheel else "?")
        return collections.add(result, str(name))

    yield collect
    collections.cleanup()


@pytest.fixture
def collect_custom(
    pytestconfig: pytest.Config,
    taskcollect_settings: CollectionSettings,
    taskcollect_server_version: str,
) -> CollectCustom:
    """``collect_custom(request=None, *, settings=None, **request_fields)``: collect through
    the custom path of ``taskcollect_server_version`` (nothing is installed or written).
    ``request`` is that release's custom request, or is built from ``request_fields``
    (``manifest``, ``python_interpreter``, ``label``, ``package_root`` or ``package_name``,
    ``version``) with that release's model."""
    collections = _Collections(pytestconfig)
    default = _settings_for(taskcollect_settings, taskcollect_server_version)

    def collect(
        request: CustomRequestBase | None = None,
        /,
        *,
        settings: CollectionSettings | None = None,
        **request_fields: Any,
    ) -> CollectionResult:
        chosen = settings or default
        if request is None:
            built = chosen.profile.schemas.custom_request(**request_fields)
            assert isinstance(built, CustomRequestBase)
            request = built
        result = _collect_custom(request, settings=chosen)
        return collections.add(result, request.label)

    return collect


@pytest.fixture
def collect_pixi(
    pytestconfig: pytest.Config,
    taskcollect_settings: CollectionSettings,
    taskcollect_server_version: str,
) -> Iterator[CollectPixi]:
    """``collect_pixi(archive, *, pixi_version=None, use_pixi_lockfile=None, settings=None)``:
    the pixi path of ``taskcollect_server_version`` (2.15.0 on) up to ``pixi install``, which
    needs a real pixi (``settings.pixi`` names the versions; see ``collect_pixi``)."""
    collections = _Collections(pytestconfig)
    default = _settings_for(taskcollect_settings, taskcollect_server_version)

    def collect(
        archive: UploadedFileBase | str | Path,
        /,
        *,
        settings: CollectionSettings | None = None,
        **fields: Any,
    ) -> CollectionResult:
        result = _collect_pixi(archive, settings=settings or default, **fields)
        name = archive.filename if isinstance(archive, UploadedFileBase) else Path(archive).name
        return collections.add(result, name)

    yield collect
    collections.cleanup()


@pytest.fixture(scope="session")
def fractal_tasks_mock_collection(
    pytestconfig: pytest.Config,
    taskcollect_settings: CollectionSettings,
    task_wheel_cache: WheelCache,
    task_wheelhouse: Path,
) -> Iterator[CollectionResult]:
    """The ``fractal_tasks_mock`` preset collected once per session through the pip path,
    offline (session). The result is frozen: share it, do not change what it points to."""
    wheel = TaskPackageFactory(task_wheel_cache, task_wheelhouse)("fractal_tasks_mock")
    collections = _Collections(pytestconfig)
    result = _collect_pip(TaskCollectPipV2(), wheel=wheel.path, settings=taskcollect_settings)
    collections.add(result, wheel.pkg_name)
    yield result.raise_for_status()
    collections.cleanup()


@pytest.fixture(scope="session")
def project_wheel(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the project under test (session): ``--taskcollect-project`` or the
    rootdir, built once with the ``build`` package (without isolation when the project's
    build backend is installed, else isolated). Use it as ``collect_pip(wheel=project_wheel)``."""
    project = _options(pytestconfig).project or pytestconfig.rootpath
    try:
        return build_project_wheel(project, tmp_path_factory.mktemp("project-wheel"))
    except ProjectBuildError as error:
        pytest.fail(f"project_wheel: cannot build the wheel of {project}: {error}", pytrace=False)
