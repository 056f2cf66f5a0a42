"""The server-identical configuration: the release's pip offered offline, fast mode seeding it.

fractal-server 2.14.5 always ends with ``pip==24.0`` (``pip install "pip<=24.0" --upgrade`` from
PyPI); 2.26.0, without a cap, with the newest pip and setuptools (``pip install pip setuptools
--upgrade``). Offline, those wheels in the sources give the same record; fast mode then creates
the venv with them instead of running the upgrade, and must give faithful mode's results:
status, task group, tasks and the log (pip's upgrade output included). Without them the result
says that its record differs. The pip wheels come from the user's fetched wheels (``taskcollect
cache fetch-pip``), fetched once when missing and the index is reachable.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_taskcollect import BuiltWheel, get_profile
from pytest_taskcollect.collection import CollectionResult, CollectionSettings, collect_pip
from pytest_taskcollect.collection.dist_info import scan_environment
from pytest_taskcollect.collection.interpreters import probe_interpreter
from pytest_taskcollect.collection.pip_seed import plan_pip_upgrade
from pytest_taskcollect.collection.pip_wheels import fetch_requirements, server_wheels
from pytest_taskcollect.collection.scripts import pip_environment
from pytest_taskcollect.collection.settings import running_interpreter
from pytest_taskcollect.collection.user_cache import ENV_VARIABLE
from pytest_taskcollect.collection.venv import FAST_VENV_SIZE_WARNING, create_venv
from pytest_taskcollect.collection.venv_cache import path_to_url

from .conftest import fetched_pip_wheel, log_content


def _collect(settings: CollectionSettings, wheel: Path, **request: object) -> CollectionResult:
    model = settings.profile.schemas.pip_request
    return collect_pip(model(**request), wheel=wheel, settings=settings)  # type: ignore[arg-type]


def _freeze(result: CollectionResult) -> str:
    """The stored freeze (``pip_freeze``, ``env_info`` from 2.15.0)."""
    group = result.task_group
    assert group is not None
    data = group.model_dump()
    return str(data.get("pip_freeze") or data.get("env_info") or "")


def _record(result: CollectionResult, tasks_dir: Path) -> str:
    """Status, task group (but the venv's size, smaller in fast mode) and tasks as JSON."""
    data = result.model_dump_json(
        include={"status", "stage", "error", "task_group", "tasks"},
        exclude={"task_group": {"venv_size_in_kB", "venv_file_number"}},
    )
    return data.replace(tasks_dir.as_posix(), "<TASKS>")


@pytest.mark.parametrize("server_version", ["2.14.5", "2.26.0"])
def test_fast_equals_faithful_with_the_servers_pip(
    server_version: str,
    mock_wheel: BuiltWheel,
    pip_24_links: Path,
    newest_pip_links: Path,
    make_settings: Callable[..., CollectionSettings],
    tmp_path: Path,
) -> None:
    """Faithful mode runs the real upgrade (to pip 24.0 under 2.14.5; to the newest pip and
    setuptools under 2.26.0); fast mode seeds them, then a second fast collection, with the
    same wheels in another folder, reuses the stored venv: the three records and logs are the
    same (but for that folder's path)."""
    links = pip_24_links if server_version == "2.14.5" else newest_pip_links
    wheels = {path.name.split("-")[0]: path.name.split("-")[1] for path in links.iterdir()}
    moved_links = shutil.copytree(links, tmp_path / "moved-links")
    runs: dict[str, dict[str, object]] = {
        "faithful": {"mode": "faithful", "reuse_venvs": False, "find_links": [links]},
        "fast": {"mode": "fast", "find_links": [links]},
        "reused": {"mode": "fast", "find_links": [moved_links]},
    }
    results = {}
    for name, fields in runs.items():
        tasks_dir = tmp_path / name
        settings = make_settings(
            tasks_dir=tasks_dir,
            venv_store=tmp_path / "store",
            server_version=server_version,
            **fields,
        )
        result = _collect(settings, mock_wheel.path, package_extras="my_extra")
        results[name] = (result.raise_for_status(), tasks_dir)
    faithful, fast, reused = (results[name][0] for name in runs)
    installed = " ".join(f"{project}-{version}" for project, version in sorted(wheels.items()))
    assert f"Successfully installed {installed}" in faithful.log
    for project, version in wheels.items():
        assert f"{project}=={version}\n" in _freeze(faithful)
        assert f"{project} {version} from /" in fast.log
    assert "reused the venv of an earlier collection" in reused.log
    expected_record = _record(faithful, results["faithful"][1])
    expected_log = log_content(faithful, results["faithful"][1])
    for name in ("fast", "reused"):
        result, tasks_dir = results[name]
        assert _record(result, tasks_dir) == expected_record, name
        log = [
            line.replace(str(moved_links), str(links)) for line in log_content(result, tasks_dir)
        ]
        assert log == expected_log, name
        assert faithful.warnings == []
        # fast mode's venv is its own: under 2.14.5, whose record holds its size, it says so
        assert result.warnings == ([FAST_VENV_SIZE_WARNING] if server_version == "2.14.5" else [])
    assert fast.timings["install"] < faithful.timings["install"]


@pytest.mark.parametrize(
    ("server_version", "expected"),
    [
        ("2.14.5", "pip_freeze has pip==23.2.1 where fractal-server 2.14.5 stores pip==24.0"),
        ("2.15.8", "env_info has pip==23.2.1 where fractal-server 2.15.8 stores pip==25.2"),
        (
            "2.26.0",
            "env_info has pip==23.2.1, the pip bundled with the interpreter, where "
            "fractal-server 2.26.0 stores the newest pip on PyPI",
        ),
    ],
)
def test_offline_without_the_servers_pip_warns(
    server_version: str,
    expected: str,
    mock_wheel: BuiltWheel,
    make_settings: Callable[..., CollectionSettings],
) -> None:
    """No source offers the release's pip: the venv keeps the interpreter's (fast and faithful
    alike) and the result says which pip that release stores and how to get it offline."""
    modes = ("fast", "faithful") if server_version == "2.14.5" else ("fast",)
    for mode in modes:
        settings = make_settings(mode=mode, reuse_venvs=False, server_version=server_version)
        result = _collect(settings, mock_wheel.path).raise_for_status()
        assert result.task_group is not None
        assert "pip==23.2.1\n" in _freeze(result)
        (warning,) = [text for text in result.warnings if text != FAST_VENV_SIZE_WARNING]
        assert warning.startswith(expected)
        assert f"taskcollect cache fetch-pip --server-version {server_version}" in warning
        shutil.rmtree(result.task_group.path)


def test_fetched_pip_is_used_offline(
    mock_wheel: BuiltWheel,
    make_settings: Callable[..., CollectionSettings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After ``taskcollect cache fetch-pip`` (here: its folder with the pip 24.0 wheel), an
    offline collection ends with pip 24.0, without being told where it is."""
    cache = tmp_path / "cache"
    (cache / "pip-wheels").mkdir(parents=True)
    shutil.copy2(fetched_pip_wheel("24.0"), cache / "pip-wheels")
    monkeypatch.setenv(ENV_VARIABLE, str(cache))
    result = _collect(make_settings(), mock_wheel.path).raise_for_status()
    assert result.task_group is not None
    assert "pip==24.0\n" in (result.task_group.pip_freeze or "")
    assert result.warnings == [FAST_VENV_SIZE_WARNING]  # no note on pip
    assert f"{cache}/pip-wheels/pip-24.0-py3-none-any.whl" in result.log


def test_fetched_wheels_follow_the_release(tmp_path: Path) -> None:
    """What a release adds to its offline sources from the fetched wheels (file names are all
    that is read), and what ``fetch-pip --server-version`` downloads."""
    fetched = tmp_path / "fetched"
    fetched.mkdir()
    names = ("pip-24.0", "pip-25.2", "pip-26.3", "pip-27.0b1", "setuptools-84.2.1", "setuptools-80")
    for name in names:
        (fetched / f"{name}-py3-none-any.whl").write_bytes(b"")

    def added(cap: str | None, *offered: str) -> list[str]:
        links = []
        for name in offered:
            (tmp_path / "links").mkdir(exist_ok=True)
            links.append(str(tmp_path / "links" / f"{name}-py3-none-any.whl"))
            Path(links[-1]).write_bytes(b"")
        return [wheel.name.rsplit("-", 3)[0] for wheel in server_wheels(cap, links, fetched)]

    assert added("24.0") == ["pip-24.0", "setuptools-84.2.1"]
    assert added("25.2") == ["pip-25.2", "setuptools-84.2.1"]
    assert added(None) == ["pip-26.3", "setuptools-84.2.1"]
    assert added(None, "pip-26.3", "setuptools-90.0") == []
    assert added("24.0", "pip-24.0") == ["setuptools-84.2.1"]
    assert fetch_requirements("2.14.5") == ["pip==24.0", "setuptools"]
    assert fetch_requirements("2.15.8") == ["pip==25.2", "setuptools"]
    assert fetch_requirements("2.26.0") == ["pip", "setuptools"]
    assert fetch_requirements() == ["pip==24.0", "pip==25.2", "pip", "setuptools"]
    assert get_profile("2.16.0").pip_cap is None


@pytest.mark.parametrize("pip_version", ["24.0", "25.2", "26.3"])
def test_emulated_pip_show_and_freeze_match_each_servers_pip(
    pip_version: str,
    dependency_index: tuple[Path, BuiltWheel],
    tmp_path: Path,
) -> None:
    """A venv with the pip of a release (seeded as fast mode seeds it), a package with
    dependencies and an extra installed by that pip: ``pip show`` (with and without
    ``--files``, found and missing names) and ``pip freeze --all`` are what we compute."""
    wheel = fetched_pip_wheel(pip_version)
    folder, with_deps = dependency_index
    info = probe_interpreter(running_interpreter())
    env = pip_environment()
    venv = tmp_path / "venv"
    create_venv(str(venv), info, env, pip=(pip_version, wheel))
    python = str(venv / "bin" / "python")
    extra = f"{with_deps.path}[full]"
    subprocess.run(
        [python, "-m", "pip", "install", "--no-index", "--find-links", str(folder), extra],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )

    def pip(*args: str) -> tuple[str, str, int]:
        proc = subprocess.run(
            [python, "-m", "pip", *args], capture_output=True, text=True, env=env, cwd=tmp_path
        )
        return proc.stdout, proc.stderr, proc.returncode

    environment = scan_environment(
        venv_path=str(venv), cwd=str(tmp_path), info=info, pip_version=pip_version
    )
    assert environment is not None
    assert environment.freeze() == pip("freeze", "--all")[0]
    names = [dist.raw_name for dist in environment.distributions]
    assert "pip" in names
    for name in names:
        assert environment.show([name], files=True) == pip("show", name, "--files")
    everything = [*names, "not-installed"]
    assert environment.show(everything) == pip("show", *everything)


def test_upgrade_plan_only_when_certain(tmp_path: Path, pip_24_links: Path) -> None:
    """The seeded upgrade needs one pure pip wheel per version and local sources; anything else
    runs the real command."""
    info = probe_interpreter(running_interpreter())
    wheel = next(pip_24_links.iterdir())
    plan = plan_pip_upgrade(cap="24.0", installed="23.2.1", links=[str(pip_24_links)], info=info)
    assert plan is not None
    assert (plan.pip.target, plan.pip.wheel) == ("24.0", wheel)
    kept = plan_pip_upgrade(cap="23.2.1", installed="23.2.1", links=[str(wheel)], info=info)
    assert kept is not None
    assert kept.seeds == {}
    uncapped = plan_pip_upgrade(cap=None, installed="23.2.1", links=[str(wheel)], info=info)
    assert uncapped is None  # pip setuptools --upgrade without setuptools anywhere: pip fails
    uncapped = plan_pip_upgrade(
        cap=None, installed="23.2.1", installed_setuptools="65.5.0", links=[str(wheel)], info=info
    )
    assert uncapped is not None
    assert uncapped.seeds == {"pip": ("24.0", wheel)}
    assert uncapped.command == "pip install pip setuptools --upgrade"
    assert plan_pip_upgrade(cap="24.0", installed=None, links=[], info=info) is None
    assert plan_pip_upgrade(cap="23.0", installed="23.2.1", links=[], info=info) is None
    assert plan_pip_upgrade(cap="24.0", installed="23.2.1", links=["https://x/"], info=info) is None
    for extra in ("pip-24.0.tar.gz", "pip-24.0b1-py3-none-any.whl"):
        folder = tmp_path / extra
        folder.mkdir()
        shutil.copy2(wheel, folder)
        (folder / extra).write_bytes(b"")
        links = [str(folder)]
        assert plan_pip_upgrade(cap="24.0", installed="23.2.1", links=links, info=info) is None
    second = tmp_path / "pip-24.0.tar.gz" / wheel.name
    for twice in ([str(pip_24_links), str(second)], [str(second), str(pip_24_links)]):
        plan = plan_pip_upgrade(cap="24.0", installed="23.2.1", links=twice, info=info)
        assert plan is not None
        assert plan.pip.wheel == min(wheel, second, key=lambda path: path_to_url(str(path)))
    tagged = tmp_path / "tagged"
    tagged.mkdir()
    shutil.copy2(wheel, tagged / wheel.name.replace("py3-none", "1-py3-none"))  # a build tag
    links = [str(tagged)]
    assert plan_pip_upgrade(cap="24.0", installed="23.2.1", links=links, info=info) is None
