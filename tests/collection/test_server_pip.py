"""The server-identical configuration: the capped pip offered offline, fast mode seeding it.

fractal-server 2.14.5 always ends with ``pip==24.0`` (``pip install "pip<=24.0" --upgrade`` from
PyPI). Offline, a pip 24.0 wheel in the sources gives the same record; fast mode then creates
the venv with pip 24.0 instead of running the upgrade, and must give faithful mode's results:
status, task group, tasks and the log (pip's upgrade output included). Without that wheel the
result says that its record differs. The pip wheels come from the user's fetched wheels
(``taskcollect cache fetch-pip``), fetched once when missing and the index is reachable.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_taskcollect import BuiltWheel
from pytest_taskcollect.collection import CollectionResult, CollectionSettings, collect_pip
from pytest_taskcollect.collection.dist_info import scan_environment
from pytest_taskcollect.collection.interpreters import probe_interpreter
from pytest_taskcollect.collection.pip_seed import plan_pip_upgrade
from pytest_taskcollect.collection.scripts import pip_environment
from pytest_taskcollect.collection.settings import running_interpreter
from pytest_taskcollect.collection.user_cache import ENV_VARIABLE
from pytest_taskcollect.collection.venv import create_venv
from pytest_taskcollect.schemas import TaskCollectPipV2

from .conftest import fetched_pip_wheel

_LOG_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")
_SCRIPT_STAMP = re.compile(
    r"\[collect-task, [^\]]*\]|Elapsed: \d+ seconds|/\d+_collect_|collect\.ID\d+ "
)
_SIZE_LINE = re.compile(r"(^|DEBUG - )\d+ \d+$")


def _collect(settings: CollectionSettings, wheel: Path, **request: object) -> CollectionResult:
    return collect_pip(TaskCollectPipV2(**request), wheel=wheel, settings=settings)  # type: ignore[arg-type]


def _record(result: CollectionResult, tasks_dir: Path) -> str:
    """Status, task group (but the venv's size, smaller in fast mode) and tasks as JSON."""
    data = result.model_dump_json(
        include={"status", "stage", "error", "task_group", "tasks"},
        exclude={"task_group": {"venv_size_in_kB", "venv_file_number"}},
    )
    return data.replace(tasks_dir.as_posix(), "<TASKS>")


def _log_content(result: CollectionResult, tasks_dir: Path) -> list[str]:
    """The activity log without our notes, times, script timestamps and venv size."""
    lines = []
    for line in result.log.splitlines():
        if "[pytest-taskcollect]" in line:
            continue
        line = _SCRIPT_STAMP.sub("<T>", _LOG_STAMP.sub("", line))
        line = _SIZE_LINE.sub(r"\1<SIZE>", line)
        lines.append(line.replace(tasks_dir.as_posix(), "<TASKS>"))
    return lines


def test_fast_equals_faithful_with_the_servers_pip(
    mock_wheel: BuiltWheel,
    pip_24_links: Path,
    make_settings: Callable[..., CollectionSettings],
    tmp_path: Path,
) -> None:
    """Faithful mode runs the real upgrade to 24.0; fast mode seeds 24.0, then a second fast
    collection, with the same wheels in another folder, reuses the stored venv: the three
    records and logs are the same (but for that folder's path)."""
    moved_links = shutil.copytree(pip_24_links, tmp_path / "moved-links")
    runs: dict[str, dict[str, object]] = {
        "faithful": {"mode": "faithful", "reuse_venvs": False, "find_links": [pip_24_links]},
        "fast": {"mode": "fast", "find_links": [pip_24_links]},
        "reused": {"mode": "fast", "find_links": [moved_links]},
    }
    results = {}
    for name, fields in runs.items():
        tasks_dir = tmp_path / name
        settings = make_settings(tasks_dir=tasks_dir, venv_store=tmp_path / "store", **fields)
        result = _collect(settings, mock_wheel.path, package_extras="my_extra")
        results[name] = (result.raise_for_status(), tasks_dir)
    faithful, fast, reused = (results[name][0] for name in runs)
    assert faithful.task_group is not None
    assert "pip==24.0\n" in (faithful.task_group.pip_freeze or "")
    assert "Successfully installed pip-24.0" in faithful.log
    assert "the venv was created with pip 24.0" in fast.log
    assert "reused the venv of an earlier collection" in reused.log
    expected_record = _record(faithful, results["faithful"][1])
    expected_log = _log_content(faithful, results["faithful"][1])
    for name in ("fast", "reused"):
        result, tasks_dir = results[name]
        assert _record(result, tasks_dir) == expected_record, name
        log = [
            line.replace(str(moved_links), str(pip_24_links))
            for line in _log_content(result, tasks_dir)
        ]
        assert log == expected_log, name
        assert result.warnings == faithful.warnings == []
    assert fast.timings["install"] < faithful.timings["install"]


def test_offline_without_the_servers_pip_warns(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    for mode in ("fast", "faithful"):
        result = _collect(make_settings(mode=mode, reuse_venvs=False), mock_wheel.path)
        assert result.task_group is not None
        assert "pip==23.2.1\n" in (result.task_group.pip_freeze or "")
        (warning,) = result.raise_for_status().warnings
        assert warning.startswith(
            "pip_freeze has pip==23.2.1 where fractal-server 2.14.5 stores pip==24.0"
        )
        assert "taskcollect cache fetch-pip" in warning
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
    assert result.warnings == []
    assert f"{cache}/pip-wheels/pip-24.0-py3-none-any.whl" in result.log


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
    assert (plan.target, plan.wheel) == ("24.0", wheel)
    kept = plan_pip_upgrade(cap="23.2.1", installed="23.2.1", links=[str(wheel)], info=info)
    assert kept is not None
    assert kept.wheel is None
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
    twice = [str(pip_24_links), str(tmp_path / "pip-24.0.tar.gz" / wheel.name)]
    assert plan_pip_upgrade(cap="24.0", installed="23.2.1", links=twice, info=info) is None
