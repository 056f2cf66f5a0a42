"""Fast mode gives the faithful mode's results: skipped pip calls, metadata reads, reused venvs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_taskcollect import BuiltWheel, TaskPackageFactory, get_profile
from pytest_taskcollect.collection import (
    CollectionResult,
    CollectionSettings,
    collect_pip,
    venv_cache,
)
from pytest_taskcollect.collection.bytecode_cache import patch_pyc_filename
from pytest_taskcollect.collection.dist_info import scan_environment
from pytest_taskcollect.collection.interpreters import probe_interpreter
from pytest_taskcollect.collection.scripts import pip_environment
from pytest_taskcollect.collection.venv import FAST_VENV_SIZE_WARNING
from pytest_taskcollect.schemas import TaskCollectPipV2

from .conftest import log_content


def _collect(settings: CollectionSettings, wheel: Path, **request: object) -> CollectionResult:
    return collect_pip(TaskCollectPipV2(**request), wheel=wheel, settings=settings)  # type: ignore[arg-type]


def _comparable(result: CollectionResult, tasks_dir: Path) -> str:
    """The result's task group and tasks as JSON, with the tasks dir replaced by a marker;
    without the venv's size and file count (up to 2.18.1), which fast mode knowingly reports
    for its own venv (checked in ``test_fast_equals_faithful``)."""
    data = result.model_dump_json(
        include={"status", "stage", "error", "task_group", "tasks"},
        exclude={"task_group": {"venv_size_in_kB", "venv_file_number"}},
    )
    return data.replace(tasks_dir.as_posix(), "<TASKS>")


@pytest.mark.parametrize("server_version", ["2.14.5", "2.26.0"])
def test_fast_equals_faithful(
    server_version: str,
    dependency_index: tuple[Path, BuiltWheel],
    make_settings: Callable[..., CollectionSettings],
    tmp_path: Path,
) -> None:
    """Same status, record and tasks in both modes: 2.14.5 (capped pip, setuptools kept,
    five ``pip show``) and 2.26.0 (pip and setuptools upgraded, pre- and post-pins, one
    ``pip show``, ``env_info``)."""
    folder, wheel = dependency_index
    request: dict[str, object] = {"package_extras": "full"}
    if server_version != "2.14.5":
        request |= {
            "pinned_package_versions_pre": {"setuptools": "65.5.0"},
            "pinned_package_versions_post": {"fractal-tasks-dep-a": "0.0.1"},
        }
    results = {}
    for mode in ("faithful", "fast"):
        tasks_dir = tmp_path / mode[:4]
        settings = make_settings(
            tasks_dir=tasks_dir,
            mode=mode,
            reuse_venvs=False,
            find_links=[folder],
            server_version=server_version,
        )
        request_model = get_profile(server_version).schemas.pip_request(**request)
        result = collect_pip(request_model, wheel=wheel.path, settings=settings)
        result.raise_for_status()
        results[mode] = (result, tasks_dir)
    fast, faithful = results["fast"][0], results["faithful"][0]
    assert _comparable(fast, results["fast"][1]) == _comparable(faithful, results["faithful"][1])
    assert log_content(fast, results["fast"][1]) == log_content(faithful, results["faithful"][1])
    # Fast mode's venv is its own (2.14.5's record holds its size), and it says so:
    stores_venv_size = server_version == "2.14.5"
    assert (FAST_VENV_SIZE_WARNING in fast.warnings) is stores_venv_size
    assert [text for text in fast.warnings if text != FAST_VENV_SIZE_WARNING] == faithful.warnings
    group = fast.task_group
    assert group is not None
    freeze = group.pip_freeze if server_version == "2.14.5" else group.env_info
    assert "Fractal_Tasks.Dep-B==2.0\n" in (freeze or "")
    assert "fractal-tasks-dep-a==0.0.1\n" in (freeze or "")
    if server_version == "2.14.5":
        assert "skipped `pip install setuptools`" in fast.log
    assert "read from the installed metadata" in fast.log
    assert "[pytest-taskcollect] skipped" not in faithful.log
    assert faithful.task_group is not None
    # `python -m venv --copies` copies the interpreter; fast mode's virtualenv links it.
    assert Path(faithful.task_group.venv_path, "bin", "python").is_symlink() is False
    assert Path(fast.task_group.venv_path, "bin", "python").is_symlink() is True
    if not stores_venv_size:
        # 2.18.2 on, the record has no venv size: fast mode differs in nothing it returns.
        assert "venv_size_in_kB" not in type(group).model_fields
        return
    for result in (faithful, fast):
        measured = result.task_group
        assert measured is not None
        du = subprocess.run(["du", "-sk", measured.venv_path], capture_output=True, text=True)
        files = subprocess.run(
            ["find", measured.venv_path, "-type", "f"], capture_output=True, text=True
        )
        assert measured.venv_size_in_kB == int(du.stdout.split()[0])
        assert measured.venv_file_number == len(files.stdout.splitlines())
    assert faithful.task_group.venv_file_number > group.venv_file_number


def test_emulated_pip_show_and_freeze_match_pip(
    build_package: TaskPackageFactory,
    collection_wheelhouse: Path,
    dependency_index: tuple[Path, BuiltWheel],
    make_settings: Callable[..., CollectionSettings],
) -> None:
    """Two collected venvs, one from a wheel with dependencies and an extra (direct URL,
    Requires, Required-by), one by name for a non-canonical name (no direct URL, mixed-case
    Name): the real pip prints what the metadata reads give."""
    folder, with_deps = dependency_index
    build_package("non_canonical_name")
    settings = make_settings(find_links=[folder, collection_wheelhouse], reuse_venvs=False)
    by_wheel = _collect(settings, with_deps.path, package_extras="full").raise_for_status()
    by_name = collect_pip(
        TaskCollectPipV2(package="FrAcTaL-TaSkS-NoN-CaNoNiCaL"), settings=settings
    ).raise_for_status()
    info = probe_interpreter(settings.python_interpreters[settings.default_python_version])
    env = pip_environment()
    for result in (by_wheel, by_name):
        group = result.task_group
        assert group is not None
        environment = scan_environment(
            venv_path=group.venv_path, cwd=group.path, info=info, pip_version="23.2.1"
        )
        assert environment is not None

        def pip(*args: str, path: str = group.path, python: str = group.venv_path) -> object:
            proc = subprocess.run(
                [f"{python}/bin/python", "-m", "pip", *args],
                capture_output=True,
                text=True,
                env=env,
                cwd=path,
            )
            return proc.stdout, proc.stderr, proc.returncode

        assert environment.freeze() == pip("freeze", "--all")[0]  # type: ignore[index]
        names = [dist.raw_name for dist in environment.distributions]
        for name in names:
            assert environment.show([name], files=True) == pip("show", name, "--files")
        everything = [*names, "not-installed"]
        assert environment.show(everything) == pip("show", *everything)


@pytest.mark.parametrize("padding", [0, 90], ids=["short-shebang", "long-shebang"])
def test_reused_venv_equals_a_fresh_one(
    padding: int, mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    """A venv copied from an earlier collection and relocated is, file for file, the venv a
    fresh collection at the same place produces (RECORD rows rehashed), on both sides of the
    127-byte shebang limit; its ``.pyc`` files are the first collection's, and differ from the
    fresh ones only in the source path their code objects name (see the next test)."""
    venv_cache.clear(venv_cache.store_root(make_settings()))
    with tempfile.TemporaryDirectory(dir="/tmp") as base:
        first_dir = Path(base, "p" * padding, "first")
        target = Path(base, "p" * padding, "second-longer")
        first = _collect(make_settings(tasks_dir=first_dir), mock_wheel.path)
        assert first.raise_for_status().task_group is not None
        first_venv = Path(first.task_group.venv_path)
        reused = _collect(make_settings(tasks_dir=target), mock_wheel.path).raise_for_status()
        assert "reused the venv of an earlier collection" in reused.log
        assert reused.timings["install"] < 0.1
        assert reused.task_group is not None
        reused_tree = _tree(Path(reused.task_group.venv_path), compiled_at=first_venv)
        reused_json = reused.model_dump_json(include={"task_group", "tasks"})
        shutil.rmtree(target)
        fresh = _collect(
            make_settings(tasks_dir=target, reuse_venvs=False), mock_wheel.path
        ).raise_for_status()
        assert "reused the venv" not in fresh.log
        assert fresh.model_dump_json(include={"task_group", "tasks"}) == reused_json
        assert fresh.task_group is not None
        assert _tree(Path(fresh.task_group.venv_path)) == reused_tree
        result = subprocess.run(
            [f"{fresh.task_group.venv_path}/bin/python", "-m", "pip", "freeze", "--all"],
            capture_output=True,
            text=True,
            env=pip_environment(),
            check=True,
        )
        assert result.stdout == fresh.task_group.pip_freeze


_IMPORT_AND_FAIL = """
import importlib, json, sys, traceback
module = importlib.import_module(sys.argv[1])
try:
    module.user_args(None)
except AttributeError as error:
    frames = traceback.extract_tb(error.__traceback__)
print(json.dumps({
    "file": module.__file__,
    "co_filename": module.user_args.__code__.co_filename,
    "traceback": frames[-1].filename,
}))
"""


def test_reused_pyc_files_load_with_the_new_path(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings], tmp_path: Path
) -> None:
    """The linked ``.pyc`` files of a reused venv are loaded as they are (``python -v`` says
    the code came from it; Python, allowed to write bytecode, left it: same inode and mtime),
    and Python names the module's new place in its code objects and tracebacks, not the
    first collection's."""
    venv_cache.clear(venv_cache.store_root(make_settings()))
    first = _collect(make_settings(tasks_dir=tmp_path / "first"), mock_wheel.path)
    assert first.raise_for_status().task_group is not None
    reused = _collect(make_settings(tasks_dir=tmp_path / "again"), mock_wheel.path)
    assert "reused the venv" in reused.raise_for_status().log
    assert reused.task_group is not None
    command = reused.tasks[0].command_non_parallel or reused.tasks[0].command_parallel
    assert command is not None
    python, script = command.split()
    package_root = Path(script).parent
    module = f"{package_root.name}.{Path(script).stem}"
    pyc = package_root / "__pycache__" / f"{Path(script).stem}.{sys.implementation.cache_tag}.pyc"
    stored = pyc.stat()
    assert stored.st_nlink > 1  # linked from the store
    assert str(tmp_path / "first").encode() in pyc.read_bytes()
    shutil.rmtree(tmp_path / "first")

    env = pip_environment()
    del env["PYTHONDONTWRITEBYTECODE"]  # a stale .pyc would be written anew
    proc = subprocess.run(
        [python, "-v", "-c", _IMPORT_AND_FAIL, module],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    seen = json.loads(proc.stdout)
    assert seen == {"file": script, "co_filename": script, "traceback": script}
    assert f"# code object from '{pyc}'" in proc.stderr  # -v: loaded from the .pyc
    after = pyc.stat()
    assert (after.st_ino, after.st_mtime_ns) == (stored.st_ino, stored.st_mtime_ns)


def test_no_reuse_across_the_shebang_limit(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    venv_cache.clear(venv_cache.store_root(make_settings()))
    with tempfile.TemporaryDirectory(dir="/tmp") as base:
        _collect(make_settings(tasks_dir=Path(base, "a")), mock_wheel.path).raise_for_status()
        result = _collect(make_settings(tasks_dir=Path(base, "a" * 100)), mock_wheel.path)
        assert "reused the venv" not in result.raise_for_status().log


def _tree(root: Path, *, compiled_at: Path | None = None) -> dict[str, object]:
    """Every entry of a venv: symlink targets, file sizes and contents (pyc without the
    source-mtime header field; with ``compiled_at``, the source path the code objects name
    moved from that venv to ``root``, which must succeed for every pyc)."""
    tree: dict[str, object] = {}
    for folder, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(folder, name)
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                tree[key] = ("link", os.readlink(path))
            elif path.is_file():
                data = path.read_bytes()
                if name.endswith(".pyc"):
                    if compiled_at is not None:
                        source = Path(key).parent.parent / f"{name.split('.')[0]}.py"
                        moved = patch_pyc_filename(
                            data, bytes(compiled_at / source), bytes(root / source)
                        )
                        assert moved is not None, key
                        data = moved
                    data = data[:8] + data[12:]
                tree[key] = ("file", len(data), data)
    return tree
