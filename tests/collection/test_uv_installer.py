"""``installer="uv"``: the venv uv leaves, rewritten, is the one pip leaves (real uv, real pip).

Skipped when no uv executable is found: ``pip install uv`` (or uv on ``PATH``) runs them.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import os
import re
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_taskcollect import BuiltWheel, FrozenMap, TaskPackageFactory, get_preset, get_profile
from pytest_taskcollect.collection import CollectionResult, CollectionSettings, collect_pip
from pytest_taskcollect.collection.bytecode_cache import default_bytecode_cache
from pytest_taskcollect.collection.scripts import pip_environment
from pytest_taskcollect.collection.user_cache import ENV_VARIABLE
from pytest_taskcollect.collection.uv_installer import UV_LOG_WARNING, find_uv
from pytest_taskcollect.factory.cache import WheelCache

from .conftest import build_dependency_wheels

pytestmark = pytest.mark.skipif(
    find_uv() is None, reason="uv is not installed (`pip install uv` runs these tests)"
)

_STAMPS = re.compile(r"\[collect-task, [^\]]*\]|/\d+_collect_|Elapsed: \d+ seconds")

_CLI_PYPROJECT = """\
[build-system]
requires = ["flit_core>=3.2"]
build-backend = "flit_core.buildapi"

[project]
name = "taskcollect-cli-dep"
version = "1.0"
description = "A dependency with console scripts and subpackages."

[project.scripts]
cli-dep = "taskcollect_cli_dep.main:run"
cli-dep-nested = "taskcollect_cli_dep.sub.deep:Runner.start"
"""


def _build_cli_dependency(folder: Path, work: Path) -> None:
    """A wheel with console scripts (built by ``build`` with flit_core, offline), whose
    RECORD gives one file no hash."""
    package = work / "taskcollect_cli_dep"
    (package / "sub").mkdir(parents=True)
    (work / "pyproject.toml").write_text(_CLI_PYPROJECT)
    (package / "__init__.py").write_text('"""Console scripts for the uv test."""\n')
    (package / "main.py").write_text("def run():\n    print('run')\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "deep.py").write_text(
        "class Runner:\n    @staticmethod\n    def start():\n        print('start')\n"
    )
    (package / "data.txt").write_text("not python\n")
    (package / "broken.py").write_text("def broken(:\n")  # pip skips what does not compile
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(folder)],
        cwd=work,
        check=True,
        capture_output=True,
        env=pip_environment(),
    )
    (wheel,) = folder.glob("taskcollect_cli_dep-*.whl")
    _blank_record_hash(wheel, "taskcollect_cli_dep/data.txt")


def _blank_record_hash(wheel: Path, member: str) -> None:
    """Rewrite ``wheel`` with ``member``'s RECORD row left without hash and size (valid:
    pip copies the wheel's rows as they are, and so must the uv path)."""
    with zipfile.ZipFile(wheel) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines()
                assert any(line.startswith(f"{member},sha256=") for line in lines)
                lines = [f"{member},," if line.startswith(f"{member},") else line for line in lines]
                data = "\n".join([*lines, ""]).encode()
            target.writestr(info, data)


@pytest.fixture(scope="module")
def uv_index(
    task_wheel_cache: WheelCache, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, BuiltWheel]:
    """Find-links with two dependencies and one with console scripts; a task wheel needing
    all three (one through an extra)."""
    folder = tmp_path_factory.mktemp("uv-index")
    _build_cli_dependency(folder, tmp_path_factory.mktemp("cli-dep"))
    factory = TaskPackageFactory(task_wheel_cache, folder)
    build_dependency_wheels(factory)
    spec = dataclasses.replace(
        get_preset("fractal_tasks_mock").spec,
        name="fractal-tasks-uv",
        import_name="fractal_tasks_uv",
        dependencies=("fractal-tasks-dep-a>=0.0.1", "taskcollect-cli-dep==1.0"),
        extras=FrozenMap({"full": ("fractal-tasks-dep-b==2.0",)}),
    )
    return folder, factory(spec)


def _record_without_path_hashes(record: bytes, site_packages: Path, tasks_dir: bytes) -> bytes:
    """RECORD with the hash of each file that holds the tasks folder (scripts,
    ``direct_url.json``: their content is compared with that folder replaced) replaced by
    whether it is that file's hash."""
    rows = []
    for row in csv.reader(record.decode().splitlines()):
        target = site_packages / row[0]
        if row[1] and target.is_file() and tasks_dir in (data := target.read_bytes()):
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            row[1] = "<its hash>" if row[1] == f"sha256={digest.decode()}" else "<wrong hash>"
        rows.append(",".join(row))
    return "\n".join(rows).encode()


def _tree(venv: Path) -> dict[str, bytes]:
    """Every file and symlink of a venv, by relative path: permissions and content, the venv's
    own path replaced (shebangs, ``pyvenv.cfg``, ``direct_url.json``); for ``.pyc`` files the
    header's source mtime and size are dropped (they differ between any two installs)."""
    tasks_dir = str(venv.parents[3]).encode()
    tree = {}
    for root, folders, files in os.walk(venv):
        for name in files + [folder for folder in folders if os.path.islink(Path(root, folder))]:
            path = Path(root, name)
            relative = path.relative_to(venv).as_posix()
            if path.is_symlink():
                tree[relative] = b"-> " + os.readlink(path).encode()
                continue
            data = path.read_bytes()
            if name.endswith(".pyc"):
                data = data[:8] + data[16:]
            if name == "RECORD":
                data = _record_without_path_hashes(data, path.parent.parent, tasks_dir)
            mode = oct(stat.S_IMODE(path.stat().st_mode)).encode()
            tree[relative] = mode + b" " + data.replace(tasks_dir, b"<TASKS>")
    return tree


def _pip_freeze(result: CollectionResult) -> str:
    assert result.task_group is not None
    venv = result.task_group.venv_path
    argv = [f"{venv}/bin/python", "-m", "pip", "freeze", "--all"]
    freeze = subprocess.run(argv, capture_output=True, text=True, check=True, env=pip_environment())
    return freeze.stdout.replace(str(Path(venv).parents[2]), "<TASKS>")


def _record(result: CollectionResult, tmp_path: Path) -> str:
    """Status, task group and tasks as JSON, the tasks folder (``tasks-<n>``) replaced."""
    data = result.model_dump_json(include={"status", "task_group", "tasks"})
    return re.sub(rf"{re.escape(str(tmp_path))}/tasks-\d", "<TASKS>", data)


def _bytecode_entries(cache: Path) -> dict[str, int]:
    """The bytecode cache's entries and their inodes (an entry stored again gets a new one)."""
    return {str(path): path.stat().st_ino for path in cache.rglob("*") if path.is_file()}


@pytest.mark.parametrize("server_version", ["2.14.5", "2.26.0"])
def test_uv_environment_equals_pips(
    server_version: str,
    uv_index: tuple[Path, BuiltWheel],
    make_settings: Callable[..., CollectionSettings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Same record, tasks, ``pip freeze --all`` and files (every byte, ``.pyc`` code included)
    with uv as with pip, the first time (modules compiled) and again in another folder
    (modules from the bytecode cache, none compiled); 2.26.0 also installs pre- and post-pins."""
    monkeypatch.setenv(ENV_VARIABLE, str(tmp_path / "cache"))
    folder, wheel = uv_index
    request: dict[str, object] = {"package_extras": "full"}
    if server_version != "2.14.5":
        request |= {
            "pinned_package_versions_pre": {"fractal-tasks-dep-b": "2.0"},
            "pinned_package_versions_post": {"fractal-tasks-dep-a": "0.0.1"},
        }
    results = {}
    entries = {}
    # tasks-0, tasks-1, tasks-2: paths of one length, so the trees compare with it replaced.
    for run, installer in enumerate(("pip", "uv", "uv, cached bytecode")):
        settings = make_settings(
            tasks_dir=tmp_path / f"tasks-{run}",
            installer=installer.split(",")[0],
            reuse_venvs=False,
            find_links=[folder],
            server_version=server_version,
        )
        request_model = get_profile(server_version).schemas.pip_request(**request)
        result = collect_pip(request_model, wheel=wheel.path, settings=settings)
        result.raise_for_status()
        assert result.task_group is not None
        venv = Path(result.task_group.venv_path)
        results[installer] = (result, _pip_freeze(result), _tree(venv))
        entries[installer] = _bytecode_entries(default_bytecode_cache())
    assert entries["pip"] == {}
    assert len(entries["uv"]) > 10
    assert entries["uv, cached bytecode"] == entries["uv"]  # nothing compiled nor stored
    pip, pip_freeze, pip_tree = results["pip"]
    assert "taskcollect-cli-dep==1.0\n" in pip_freeze
    assert "fractal-tasks-uv @ file://<TASKS>" in pip_freeze
    assert "#sha256=" in pip_freeze
    for installer in ("uv", "uv, cached bytecode"):
        uv, uv_freeze, uv_tree = results[installer]
        assert uv_freeze == pip_freeze
        assert _record(uv, tmp_path) == _record(pip, tmp_path)
        assert sorted(uv_tree) == sorted(pip_tree)
        different = [path for path in pip_tree if uv_tree[path] != pip_tree[path]]
        assert different == [], installer
        assert "installer uv, instead of pip" in uv.log
        assert uv.warnings == [*pip.warnings, UV_LOG_WARNING]
    assert any(path.endswith("bin/cli-dep-nested") for path in pip_tree)


def test_uv_failure_is_pips_failure(
    build_package: TaskPackageFactory,
    make_settings: Callable[..., CollectionSettings],
    tmp_path: Path,
) -> None:
    """When uv cannot install (a dependency nowhere), pip runs the same command: the failure,
    its stage and message are pip's."""
    wheel = build_package(get_preset("unresolvable_dependency").spec)
    errors = []
    for installer in ("pip", "uv"):
        settings = make_settings(tasks_dir=tmp_path / installer, installer=installer)
        result = collect_pip(
            get_profile("2.14.5").schemas.pip_request(), wheel=wheel.path, settings=settings
        )
        assert result.status == "failed"
        error = (result.error or "").replace(str(tmp_path / installer), "")
        errors.append((result.stage, _STAMPS.sub("<T>", error)))
        assert result.task_group is not None
        assert not Path(result.task_group.path).exists()
    assert errors[0] == errors[1]
    assert "No matching distribution found" in errors[1][1]


def test_uv_is_fast_mode_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="installer='uv': faithful mode runs every pip command"):
        CollectionSettings(tasks_dir=tmp_path, mode="faithful", installer="uv")
