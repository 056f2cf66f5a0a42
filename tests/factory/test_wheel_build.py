"""Project writing and PEP 517 builds: every preset builds, and the wheels are what a user's
own build produces (valid RECORD, METADATA, the manifest inside the import package)."""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import io
import json
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from pytest_taskcollect import (
    BuiltWheel,
    TaskPackageSpec,
    TaskSpec,
    build_task_sdist,
    build_task_wheel,
    fractal_tasks_mock_spec,
    get_preset,
    preset_names,
    write_task_project,
)

WHEEL_PRESETS = [name for name in preset_names() if get_preset(name).kind == "wheel"]


def wheel_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def assert_valid_record(files: dict[str, bytes]) -> None:
    """Every file is listed in RECORD with its real sha256 and size (what pip checks)."""
    (record_name,) = [name for name in files if name.endswith(".dist-info/RECORD")]
    rows = list(csv.reader(io.StringIO(files[record_name].decode())))
    assert {row[0] for row in rows} == set(files)
    for name, digest, size in rows:
        if name == record_name:
            continue
        data = files[name]
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, int(size)) == (f"sha256={expected}", len(data)), name


@pytest.mark.parametrize("name", WHEEL_PRESETS)
def test_every_preset_builds_a_valid_wheel(name: str, tmp_path: Path) -> None:
    spec = get_preset(name).spec
    built = build_task_wheel(spec, tmp_path)
    assert built.path == tmp_path / built.filename
    assert (built.pkg_name, built.version, built.kind, built.spec) == (
        spec.name,
        "0.0.1",
        "wheel",
        spec,
    )
    files = wheel_files(built.path)
    assert_valid_record(files)
    (metadata_name,) = [n for n in files if n.endswith(".dist-info/METADATA")]
    metadata = files[metadata_name].decode()
    assert f"Name: {spec.name}\n" in metadata
    assert "Version: 0.0.1\n" in metadata
    for requirement in spec.dependencies:
        assert f"Requires-Dist: {requirement}\n" in metadata
    package = spec.import_package
    assert f"{package}/__init__.py" in files
    for manifest_path in spec.manifest_paths:
        assert json.loads(files[f"{package}/{manifest_path}"]) == built.manifest
    if not spec.manifest_paths:
        assert built.manifest is None
        assert not any(n.endswith("__FRACTAL_MANIFEST__.json") for n in files)
    for omitted in spec.omit_files:
        assert f"{package}/{omitted}" not in files
    normalised = re.sub(r"[-_.]+", "_", spec.name).lower()
    assert built.filename == (spec.wheel_filename or f"{normalised}-0.0.1-py3-none-any.whl")


def test_sdist_only_preset_builds_an_sdist(tmp_path: Path) -> None:
    spec = get_preset("sdist_only").spec
    built = build_task_sdist(spec, tmp_path)
    assert (built.kind, built.filename) == ("sdist", "fractal_tasks_sdist_only-0.0.1.tar.gz")
    with tarfile.open(built.path) as archive:
        names = set(archive.getnames())
    root = "fractal_tasks_sdist_only-0.0.1"
    assert {f"{root}/pyproject.toml", f"{root}/PKG-INFO"} <= names
    assert f"{root}/src/fractal_tasks_sdist_only/__FRACTAL_MANIFEST__.json" in names
    assert f"{root}/src/fractal_tasks_sdist_only/generic_task.py" in names


def test_builds_are_reproducible_and_layout_independent(tmp_path: Path) -> None:
    spec = fractal_tasks_mock_spec()
    first = build_task_wheel(spec, tmp_path / "a").path.read_bytes()
    assert build_task_wheel(spec, tmp_path / "b").path.read_bytes() == first
    flat = dataclasses.replace(spec, layout="flat")
    assert build_task_wheel(flat, tmp_path / "c").path.read_bytes() == first


def test_project_tree_is_a_normal_flit_project(tmp_path: Path) -> None:
    spec = TaskPackageSpec(
        "fractal-tasks-demo",
        version="1.2.3",
        tasks=(TaskSpec("t", type="parallel", executable_parallel="sub/dir/t.py"),),
        import_name="demo_lib",
        authors="Ada",
        dependencies=("numpy>=1",),
        extras={"dev": ("pytest",)},
        extra_files={"data/table.csv": "a,b\n", "README.md": "hello"},
        layout="flat",
    )
    project = write_task_project(spec, tmp_path / "project")
    pyproject = (project / "pyproject.toml").read_text()
    assert 'build-backend = "flit_core.buildapi"' in pyproject
    assert '[tool.flit.module]\nname = "demo_lib"' in pyproject
    files = wheel_files(build_task_wheel(spec, tmp_path / "dist").path)
    metadata = files["fractal_tasks_demo-1.2.3.dist-info/METADATA"].decode()
    for line in (
        "Name: fractal-tasks-demo",
        "Version: 1.2.3",
        f"Summary: {spec.description}",
        "Author: Ada",
        "Requires-Python: >=3.9",
        "Requires-Dist: numpy>=1",
        'Requires-Dist: pytest ; extra == "dev"',
        "Provides-Extra: dev",
    ):
        assert f"{line}\n" in metadata
    package = project / "demo_lib"
    assert (package / "sub" / "dir" / "t.py").is_file()
    assert (package / "data" / "table.csv").read_text() == "a,b\n"
    assert (
        json.loads((package / "__FRACTAL_MANIFEST__.json").read_text())["task_list"][0]["name"]
        == "t"
    )
    assert {"demo_lib/sub/dir/t.py", "demo_lib/data/table.csv", "demo_lib/README.md"} <= set(files)


def test_shared_executables_must_agree(tmp_path: Path) -> None:
    spec = TaskPackageSpec(
        "p",
        tasks=(
            TaskSpec("a", type="parallel", executable_parallel="shared.py"),
            TaskSpec(
                "b",
                type="compound",
                executable_non_parallel="i.py",
                executable_parallel="shared.py",
            ),
        ),
    )
    with pytest.raises(ValueError, match="shared by tasks 'a' and 'b'"):
        build_task_wheel(spec, tmp_path)


def test_omitting_an_unknown_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="omit_files names files the package does not have"):
        build_task_wheel(TaskPackageSpec("p", omit_files=("nope.py",)), tmp_path)


def test_isolated_build_gives_the_same_wheel(
    tmp_path: Path, built_presets: dict[str, BuiltWheel]
) -> None:
    """``python -m build``'s isolated path (backend from the index) agrees with our offline,
    in-process build, apart from the generator line if the index has another flit_core."""
    try:
        isolated = build_task_wheel(fractal_tasks_mock_spec(), tmp_path, isolated=True)
    except subprocess.CalledProcessError:
        pytest.skip("the isolated build could not install flit_core from the package index")
    ours, theirs = wheel_files(built_presets["fractal_tasks_mock"].path), wheel_files(isolated.path)
    assert set(ours) == set(theirs)
    differing = {name for name in ours if ours[name] != theirs[name]}
    dist_info = "fractal_tasks_mock-0.0.1.dist-info"
    assert differing <= {f"{dist_info}/WHEEL", f"{dist_info}/RECORD"}
