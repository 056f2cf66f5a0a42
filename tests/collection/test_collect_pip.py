"""Full pip collections: real venvs, real pip, offline, wheels from the factory."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.version import Version

from pytest_taskcollect import BuiltWheel, TaskPackageFactory, get_preset
from pytest_taskcollect.collection import CollectionResult, CollectionSettings, collect_pip
from pytest_taskcollect.collection import pip_path as pip_path_module
from pytest_taskcollect.collection.venv import FAST_VENV_SIZE_WARNING
from pytest_taskcollect.factory.presets import broken_package_names
from pytest_taskcollect.schemas import TaskCollectPipV2
from support.interpreters import find_interpreter

from .conftest import copy_wheel


def collect(
    settings: CollectionSettings, wheel: Path | None = None, **request: object
) -> CollectionResult:
    return collect_pip(TaskCollectPipV2(**request), wheel=wheel, settings=settings)  # type: ignore[arg-type]


def test_mock_from_wheel(
    mock_wheel: BuiltWheel, settings: CollectionSettings, tmp_path: Path
) -> None:
    upload = copy_wheel(mock_wheel, tmp_path / "upload")
    result = collect(settings, upload, package_extras="my_extra").raise_for_status()
    group = result.task_group
    assert group is not None
    path = (settings.tasks_dir / "1" / "fractal-tasks-mock" / "0.0.1").as_posix()
    assert (group.origin, group.pkg_name, group.version) == (
        "wheel-file",
        "fractal-tasks-mock",
        "0.0.1",
    )
    assert (group.path, group.venv_path) == (path, f"{path}/venv")
    assert group.wheel_path == f"{path}/{mock_wheel.filename}"
    assert Path(group.wheel_path).read_bytes() == mock_wheel.path.read_bytes()
    assert group.pip_extras == "my_extra"
    assert group.pinned_package_versions == {}
    assert group.pip_freeze is not None
    assert f"fractal-tasks-mock @ file://{group.wheel_path}" in group.pip_freeze
    pip_line = next(line for line in group.pip_freeze.splitlines() if line.startswith("pip=="))
    assert Version(pip_line.split("==")[1]) <= Version(settings.pip_cap or "")
    assert ".whl[my_extra]" in result.log
    du = subprocess.run(["du", "-sk", group.venv_path], capture_output=True, text=True)
    find = subprocess.run(["find", group.venv_path, "-type", "f"], capture_output=True, text=True)
    assert group.venv_size_in_kB == int(du.stdout.split()[0])
    assert group.venv_file_number == len(find.stdout.splitlines())

    manifest = mock_wheel.manifest
    assert [task.name for task in result.tasks] == [task["name"] for task in manifest["task_list"]]
    site_packages = f"{group.venv_path}/lib/python{group.python_version}/site-packages"
    for task, entry in zip(result.tasks, manifest["task_list"], strict=True):
        assert task.version == "0.0.1"
        assert task.args_schema_version == "pydantic_v2"
        assert task.authors == manifest["authors"]
        assert task.type == entry["type"]
        if "executable_non_parallel" in entry:
            assert task.command_non_parallel == (
                f"{group.venv_path}/bin/python "
                f"{site_packages}/fractal_tasks_mock/{entry['executable_non_parallel']}"
            )
    assert result.stage is None
    assert result.error is None
    # Fast mode (the default settings): the venv's size and file count are its own, and it
    # says so; offline, without a pip 24.0 wheel, pip stays at 23.2.1, and it says so.
    size_warning, pip_warning = result.warnings
    assert size_warning == FAST_VENV_SIZE_WARNING
    assert "where fractal-server 2.14.5 stores pip==24.0" in pip_warning
    assert set(result.timings) >= {"venv", "install", "freeze", "show", "manifest", "tasks"}


def test_log_looks_like_the_servers(mock_wheel: BuiltWheel, settings: CollectionSettings) -> None:
    result = collect(settings, mock_wheel.path).raise_for_status()
    lines = result.log.splitlines()
    assert " - fractal_server.tasks.v2.local.collect.ID" in lines[0]
    assert lines[0].endswith(" - INFO - START")  # logger.info("START") in every release
    assert "task_group.pkg_name: fractal-tasks-mock" in result.log
    assert "_collect_1_create_venv.sh" in result.log
    assert "Manifest absolute path: " in result.log
    assert "SKIP installing pinned versions  (empty list)" in result.log
    assert "[collect-task, " in result.log
    assert "validated manifest content" in result.log


def test_by_name_exact_prefix_and_latest(
    versions_index: Path, make_settings: Callable[..., CollectionSettings]
) -> None:
    cases = (("0.1.0", "0.1.0"), ("0.1", "0.10.0"), (None, "0.10.0"))
    for user_id, (requested, expected) in enumerate(cases, start=1):
        settings = make_settings(find_links=[versions_index], user_id=user_id)
        result = collect(settings, package="FrAcTaL-TaSkS-MoCk", package_version=requested)
        result.raise_for_status()
        group = result.task_group
        assert group is not None
        assert (group.origin, group.pkg_name, group.version) == (
            "pypi",
            "fractal-tasks-mock",
            expected,
        )
        assert group.wheel_path is None
        assert f"START install fractal-tasks-mock=={expected}" in result.log
        assert f"fractal-tasks-mock=={expected}\n" in (group.pip_freeze or "")
        assert {task.version for task in result.tasks} == {expected}


def test_by_name_version_not_found(
    versions_index: Path, make_settings: Callable[..., CollectionSettings]
) -> None:
    settings = make_settings(find_links=[versions_index])
    result = collect(settings, package="fractal-tasks-mock", package_version="9.9.9")
    assert (result.status, result.stage) == ("failed", "version")
    assert result.error is not None
    assert "No version starting with 9.9.9 found" in result.error


def test_one_pin(mock_wheel: BuiltWheel, settings: CollectionSettings) -> None:
    result = collect(
        settings, mock_wheel.path, pinned_package_versions={"fractal-tasks-mock": "0.0.1"}
    ).raise_for_status()
    assert "installing pinned versions fractal-tasks-mock==0.0.1" in result.log
    assert result.task_group is not None
    assert result.task_group.pinned_package_versions == {"fractal-tasks-mock": "0.0.1"}


def test_two_pins_fail_like_2_14_5(mock_wheel: BuiltWheel, settings: CollectionSettings) -> None:
    pins = {"fractal-tasks-mock": "0.0.1", "setuptools": "65.5.0"}
    result = collect(settings, mock_wheel.path, pinned_package_versions=pins)
    assert (result.status, result.stage) == ("failed", "pins")
    assert result.error is not None
    assert "ERROR: Invalid requirement: 'fractal-tasks-mock==0.0.1 setuptools==65.5.0'" in (
        result.error
    )
    assert "fixed in 2.14.11" in result.error
    assert result.task_group is not None
    assert not Path(result.task_group.path).exists()


@pytest.mark.parametrize(
    ("pins", "message"),
    [
        ({"pydantic": "99.99.99"}, "WARNING: Package(s) not found: pydantic"),
        ({"setuptools": "99.99.99"}, "No matching distribution found for setuptools==99.99.99"),
    ],
)
def test_bad_pin(
    mock_wheel: BuiltWheel, settings: CollectionSettings, pins: dict[str, str], message: str
) -> None:
    result = collect(
        settings, mock_wheel.path, package_extras="my_extra", pinned_package_versions=pins
    )
    assert (result.status, result.stage) == ("failed", "pins")
    assert result.error is not None
    assert message in result.error
    assert message in result.log
    assert "Task collect failed. Original error: Command bash " in result.log
    assert not (settings.tasks_dir / "1" / "fractal-tasks-mock" / "0.0.1").exists()


@pytest.mark.parametrize("server_version", ["2.14.5", "2.26.0"])
@pytest.mark.parametrize("preset_name", broken_package_names())
def test_broken_presets(
    preset_name: str,
    server_version: str,
    build_package: TaskPackageFactory,
    make_settings: Callable[..., CollectionSettings],
) -> None:
    preset = get_preset(preset_name)
    built = build_package(preset_name)
    settings = make_settings(server_version=server_version)
    result = collect(settings, built.path)
    assert result.server_version == server_version
    outcome = preset.outcome(server_version)
    if not outcome.fails:
        result.raise_for_status()
        assert outcome.message in result.log
        return
    assert result.status == "failed"
    assert result.stage == outcome.stage
    assert result.error is not None
    assert outcome.message in result.error
    assert f"Task collect failed. Original error: {result.error}" in result.log
    assert result.tasks == []
    group = result.task_group
    assert group is not None
    assert f"Deleted folder {group.path}" in result.log
    assert not Path(group.path).exists()
    assert Path(group.path).parent.exists()


def test_non_canonical_name(
    build_package: TaskPackageFactory, settings: CollectionSettings
) -> None:
    built = build_package("non_canonical_name")
    result = collect(settings, built.path, package_extras="my_extra").raise_for_status()
    group = result.task_group
    assert group is not None
    assert group.pkg_name == "fractal-tasks-non-canonical"
    assert group.wheel_path is not None
    assert group.wheel_path.endswith("/FrAcTaL_TaSkS_NoN_CaNoNiCaL-0.0.1-py3-none-any.whl")
    assert ".whl[my_extra]" in result.log
    assert (
        "WARNING - Package name mismatch: pkg_name_task_group='fractal-tasks-non-canonical', "
        "pkg_name_pip_show='FrAcTaL-TaSkS-NoN-CaNoNiCaL'." in result.log
    )


def test_forbidden_character_in_script_path(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings], tmp_path: Path
) -> None:
    settings = make_settings(tasks_dir=tmp_path / "tasks(1)")
    result = collect(settings, mock_wheel.path)
    assert (result.status, result.stage) == ("failed", "venv")
    assert result.error is not None
    assert result.error.startswith("Command must not contain any of this characters: ")
    assert "_collect_1_create_venv.sh'." in result.error
    assert not (settings.tasks_dir / "1" / "fractal-tasks-mock" / "0.0.1").exists()


def test_path_with_spaces_works_but_warns(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings], tmp_path: Path
) -> None:
    settings = make_settings(tasks_dir=tmp_path / "my tasks")
    result = collect(settings, mock_wheel.path).raise_for_status()
    assert result.warnings
    assert "fractal-server 2.14.5 would fail here" in result.warnings[0]
    assert "' '" in result.warnings[0]
    assert result.tasks


def test_failed_removal_is_logged(
    build_package: TaskPackageFactory,
    settings: CollectionSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server's own test breaks ``shutil.rmtree``; the folder then stays."""
    built = build_package("invalid_manifest_version")

    def broken_rmtree(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Broken rm")

    monkeypatch.setattr(pip_path_module.shutil, "rmtree", broken_rmtree)
    result = collect(settings, built.path)
    monkeypatch.undo()
    assert (result.status, result.stage) == ("failed", "manifest")
    assert "Removing folder failed.\nOriginal error:\nBroken rm" in result.log
    assert result.task_group is not None
    assert Path(result.task_group.path).exists()


def test_parallel_collections(
    mock_wheel: BuiltWheel, build_package: TaskPackageFactory, settings: CollectionSettings
) -> None:
    other = build_package("non_canonical_name")
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(lambda wheel: collect(settings, wheel), [mock_wheel.path, other.path])
        )
    assert [result.status for result in results] == ["OK", "OK"]
    assert {result.task_group.pkg_name for result in results if result.task_group} == {
        "fractal-tasks-mock",
        "fractal-tasks-non-canonical",
    }


def test_same_package_in_parallel_never_removes_the_others_folder(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    settings = make_settings(reuse_venvs=False)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: collect(settings, mock_wheel.path), range(2)))
    statuses = sorted(result.status for result in results)
    assert statuses == ["OK", "failed"]
    loser = next(result for result in results if result.status == "failed")
    assert loser.stage == "paths"
    assert loser.error is not None
    assert loser.error.endswith("already exists.")
    winner = next(result for result in results if result.status == "OK")
    assert winner.task_group is not None
    assert Path(winner.task_group.venv_path, "bin", "python").exists()


@pytest.mark.parametrize("version", ["3.9", "3.12"])
def test_other_interpreters(
    version: str, mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    """3.9 uses pip's pkg_resources backend (real pip show/freeze even in fast mode); 3.12
    has no setuptools in a fresh venv, so ``pip install setuptools`` really installs one."""
    interpreter = find_interpreter(version)
    if interpreter is None:
        pytest.skip(f"no Python {version} here")
    settings = make_settings(python_interpreters={version: interpreter})
    result = collect(settings, mock_wheel.path, python_version=version).raise_for_status()
    group = result.task_group
    assert group is not None
    assert group.python_version == version
    freeze = group.pip_freeze or ""
    assert "setuptools==" in freeze
    assert f"/lib/python{version}/site-packages/fractal_tasks_mock/" in (
        result.tasks[0].command_non_parallel or ""
    )
    if version == "3.12":
        assert "Successfully installed setuptools" in result.log


def test_failed_collection_leaves_nothing(
    build_package: TaskPackageFactory, settings: CollectionSettings
) -> None:
    built = build_package("missing_manifest")
    result = collect(settings, built.path)
    assert (result.stage, result.status) == ("show", "failed")
    assert result.error is not None
    assert "ERROR: manifest path not found for fractal-tasks-missing-manifest" in result.error
    # As on the server, only the group folder goes: its parents (created with it) stay.
    assert list((settings.tasks_dir / "1" / "fractal-tasks-missing-manifest").iterdir()) == []


def test_result_is_json_serialisable(mock_wheel: BuiltWheel, settings: CollectionSettings) -> None:
    result = collect(settings, mock_wheel.path)
    data = json.loads(result.model_dump_json())
    assert data["status"] == "OK"
    assert data["task_group"]["origin"] == "wheel-file"


def test_folder_is_removed_even_when_the_venv_is_reused(
    mock_wheel: BuiltWheel, settings: CollectionSettings, tmp_path: Path
) -> None:
    collect(settings, mock_wheel.path).raise_for_status()
    shutil.rmtree(settings.tasks_dir)
    bad = collect(settings, mock_wheel.path, pinned_package_versions={"a": "1", "b": "2"})
    assert bad.stage == "pins"
    assert not (settings.tasks_dir / "1" / "fractal-tasks-mock" / "0.0.1").exists()
