"""The persistent wheel cache and the ``task_package`` / ``task_wheelhouse`` fixtures."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import build
import pytest

from pytest_taskcollect import (
    TaskPackageFactory,
    TaskPackageSpec,
    TaskSpec,
    WheelCache,
    broken_package_names,
    fractal_tasks_mock_spec,
    get_preset,
)

SPEC = TaskPackageSpec("fractal-tasks-cached", tasks=(TaskSpec("t"),))


def test_hit_returns_the_same_entry_without_rebuilding(tmp_path: Path) -> None:
    cache = WheelCache(tmp_path)
    built = cache.get(SPEC)
    mtime = built.path.stat().st_mtime_ns
    again = WheelCache(tmp_path).get(
        TaskPackageSpec("fractal-tasks-cached", tasks=(TaskSpec("t"),))
    )
    assert again == built
    assert again.path.stat().st_mtime_ns == mtime
    assert again.manifest == built.manifest
    assert built.path.parent.name == cache.key(SPEC)


def test_key_follows_the_content_and_the_kind(tmp_path: Path) -> None:
    cache = WheelCache(tmp_path)
    assert cache.key(SPEC) == cache.key(dataclasses.replace(SPEC))
    assert cache.key(SPEC) != cache.key(dataclasses.replace(SPEC, version="0.0.2"))
    assert cache.key(SPEC) != cache.key(SPEC, "sdist")
    wheel, sdist = cache.get(SPEC), cache.get(SPEC, "sdist")
    assert (wheel.kind, sdist.kind) == ("wheel", "sdist")
    assert wheel.path.parent != sdist.path.parent


@pytest.mark.parametrize("damage", ["no entry.json", "no artifact", "corrupt entry.json"])
def test_a_half_written_entry_is_never_used(tmp_path: Path, damage: str) -> None:
    cache = WheelCache(tmp_path)
    built = cache.get(SPEC)
    entry = built.path.parent
    if damage == "no entry.json":
        (entry / "entry.json").unlink()
    elif damage == "no artifact":
        built.path.unlink()
    else:
        (entry / "entry.json").write_text('{"filename": ')
    rebuilt = cache.get(SPEC)
    assert rebuilt.path == built.path
    assert rebuilt.path.is_file()
    assert json.loads((entry / "entry.json").read_text())["filename"] == built.filename


def test_staging_directories_are_ignored_and_failed_builds_leave_nothing(tmp_path: Path) -> None:
    cache = WheelCache(tmp_path)
    key = cache.key(SPEC)
    leftover = tmp_path / f"{key}.tmp-crashed"
    leftover.mkdir()
    (leftover / "entry.json").write_text(
        json.dumps({"filename": "x.whl", "kind": "wheel", "manifest": None})
    )
    assert cache.get(SPEC).path.parent == tmp_path / key

    broken = TaskPackageSpec("fractal-tasks-bad-version", version="not a version")
    with pytest.raises(build.BuildBackendException):
        cache.get(broken)
    bad_key = cache.key(broken)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(bad_key) and p.is_dir()]


def test_factory_resolves_presets_overrides_and_fills_the_wheelhouse(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    factory = TaskPackageFactory(WheelCache(tmp_path / "cache"), wheelhouse)
    mock = factory("fractal_tasks_mock")
    assert mock.spec == fractal_tasks_mock_spec()
    bumped = factory(get_preset("fractal_tasks_mock"), version="0.0.2")
    assert bumped.filename == "fractal_tasks_mock-0.0.2-py3-none-any.whl"
    sdist = factory("sdist_only")
    assert sdist.kind == "sdist"
    assert factory(SPEC, tasks=()).manifest["task_list"] == []
    assert factory("fractal_tasks_mock") == mock
    assert sorted(p.name for p in wheelhouse.iterdir()) == sorted(
        [
            mock.filename,
            bumped.filename,
            sdist.filename,
            "fractal_tasks_cached-0.0.1-py3-none-any.whl",
        ]
    )
    assert (wheelhouse / mock.filename).samefile(mock.path)


def test_fixtures_in_a_test_session(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import subprocess, sys
            import pytest
            from pytest_taskcollect import broken_package_names

            def test_mock(task_package, task_wheelhouse):
                built = task_package("fractal_tasks_mock")
                assert built.path.is_file()
                assert (task_wheelhouse / built.filename).is_file()

            @pytest.mark.parametrize("name", broken_package_names())
            def test_catalogue(task_package, task_wheelhouse, name):
                assert (task_wheelhouse / task_package(name).filename).is_file()
            """
        )
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1 + len(broken_package_names()))
    cache_root = pytester.path / ".pytest_cache" / "d" / "taskcollect-wheels"
    entries = [p for p in cache_root.iterdir() if p.is_dir()]
    assert len(entries) == 1 + len(broken_package_names())
    assert not [p for p in entries if ".tmp-" in p.name]


def test_the_cache_builds_once_under_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers ask for the same (new) package at the same time: it is built once (the
    builder is slowed down so that the second worker really waits on the lock), and every
    test gets the same entry."""
    builds, uses = pytester.path / "builds.log", pytester.path / "uses.log"
    monkeypatch.setenv("TASKCOLLECT_BUILDS_LOG", str(builds))
    monkeypatch.setenv("TASKCOLLECT_USES_LOG", str(uses))
    pytester.makeconftest(
        textwrap.dedent(
            """
            import os, time
            from pytest_taskcollect.factory import build as wheel_build

            _build = wheel_build.build_task_wheel

            def counting_build(spec, dest, **kwargs):
                with open(os.environ["TASKCOLLECT_BUILDS_LOG"], "a") as log:
                    log.write(f"{os.getpid()}\\n")
                time.sleep(0.5)
                return _build(spec, dest, **kwargs)

            wheel_build.build_task_wheel = counting_build
            """
        )
    )
    pytester.makepyfile(
        textwrap.dedent(
            """
            import os
            import pytest
            from pytest_taskcollect import TaskPackageSpec, TaskSpec

            SPEC = TaskPackageSpec("fractal-tasks-xdist", tasks=(TaskSpec("t"),))

            @pytest.mark.parametrize("i", range(6))
            def test_build(task_package, i):
                built = task_package(SPEC)
                with open(os.environ["TASKCOLLECT_USES_LOG"], "a") as log:
                    log.write(f"{os.environ['PYTEST_XDIST_WORKER']} {built.path}\\n")
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=6)
    assert len(builds.read_text().splitlines()) == 1
    lines = [line.split(" ", 1) for line in uses.read_text().splitlines()]
    assert {worker for worker, _ in lines} == {"gw0", "gw1"}
    assert len({path for _, path in lines}) == 1


def test_fixtures_work_without_the_cache_plugin(pytester: pytest.Pytester) -> None:
    """With ``-p no:cacheprovider`` the cache falls back to a session temporary directory."""
    pytester.makepyfile(
        "def test_build(task_package):\n    assert task_package('two_manifests').path.is_file()\n"
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert not (pytester.path / ".pytest_cache").exists()
