"""Pixi collection: the endpoint's checks per release, the real tar extraction, and the
server's "no such file" failure where pixi would run (no pixi binary is installable here)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from pytest_taskcollect import (
    CollectionSettings,
    PixiSettings,
    PixiUnavailableError,
    collect_pixi,
    get_profile,
)

PYPROJECT = """\
[project]
name = "mock-pixi-tasks"
version = "1.2.3"

[tool.pixi.workspace]
channels = ["conda-forge"]
platforms = ["linux-64", "osx-arm64"]

[tool.pixi.environments]
default = {solve-group = "default"}
dev = {features = ["dev"], solve-group = "default"}

[tool.pixi.tasks]
hello = "echo hello"
"""


def make_archive(
    folder: Path,
    filename: str = "mock_pixi_tasks-1.2.3.tar.gz",
    *,
    top: str | None = None,
    pyproject: str | None = PYPROJECT,
) -> Path:
    """A pixi task-package archive: ``<top>/pyproject.toml`` and a package with a manifest."""
    top = top or filename.removesuffix(".tar.gz")
    members = {
        f"{top}/src/mock_pixi_tasks/__init__.py": "",
        f"{top}/src/mock_pixi_tasks/__FRACTAL_MANIFEST__.json": json.dumps(
            {"manifest_version": "2", "task_list": [], "has_args_schemas": False}
        ),
    }
    if pyproject is not None:
        members[f"{top}/pyproject.toml"] = pyproject
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    with tarfile.open(path, "w:gz") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def pixi_settings(tmp_path: Path, version: str, **fields: object) -> CollectionSettings:
    pixi_root = tmp_path / "pixi"
    values: dict[str, object] = {
        "tasks_dir": tmp_path / "tasks",
        "server_version": version,
        "pixi": PixiSettings(
            versions={"0.47.0": str(pixi_root / "0.47.0"), "0.54.1": str(pixi_root / "0.54.1")},
            default_version="0.47.0",
        ),
    }
    values.update(fields)
    return CollectionSettings(**values)  # type: ignore[arg-type]


def test_no_pixi_endpoint_before_2_15(tmp_path: Path) -> None:
    archive = make_archive(tmp_path / "up")
    with pytest.raises(PixiUnavailableError, match=r"2\.14\.16 has no pixi collection.*2\.15\.0"):
        collect_pixi(archive, settings=pixi_settings(tmp_path, "2.14.16"))


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        (
            "mock_pixi_tasks-1.2.3.zip",
            "filename='mock_pixi_tasks-1.2.3.zip' does not end with '.tar.gz'.",
        ),
        (
            "mock-pixi-tasks-1.2.3.tar.gz",
            "Invalid filename: 'mock-pixi-tasks-1.2.3.tar.gz' must contain a single `-` "
            "character, separating the package name from the version (expected format: "
            "'pkg_name-version').",
        ),
    ],
)
def test_filename_rules(tmp_path: Path, filename: str, message: str) -> None:
    archive = make_archive(tmp_path / "up", filename)
    result = collect_pixi(archive, settings=pixi_settings(tmp_path, "2.26.0"))
    assert (result.status, result.stage, result.error) == ("failed", "request", message)
    assert result.task_group is None
    assert not (tmp_path / "tasks").exists()


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("2.16.6", "Pixi version 9.9 is not available. Available versions: ['0.47.0', '0.54.1']"),
        (
            "2.17.0",
            "Pixi version '9.9' is not available. Available versions: ['0.47.0', '0.54.1']",
        ),
    ],
)
def test_pixi_version_availability(tmp_path: Path, version: str, message: str) -> None:
    archive = make_archive(tmp_path / "up")
    result = collect_pixi(archive, pixi_version="9.9", settings=pixi_settings(tmp_path, version))
    assert (result.stage, result.error) == ("request", message)
    no_pixi = pixi_settings(tmp_path, version, pixi=None)
    result = collect_pixi(archive, settings=no_pixi)
    assert (result.stage, result.error) == ("request", "Pixi task collection is not available.")


def test_lockfile_form_field_per_release(tmp_path: Path) -> None:
    archive = make_archive(tmp_path / "up")
    old = collect_pixi(
        archive, use_pixi_lockfile=False, settings=pixi_settings(tmp_path / "a", "2.19.4")
    )
    assert any("has no use_pixi_lockfile form field" in w for w in old.warnings)
    assert old.stage == "install"  # the field is ignored; the checks go on
    for version in ("2.20.0", "2.26.0"):
        bad = collect_pixi(
            archive, use_pixi_lockfile="maybe", settings=pixi_settings(tmp_path / "b", version)
        )
        detail = json.loads(bad.error or "")
        assert bad.stage == "request"
        assert detail[0]["loc"] == ["body", "use_pixi_lockfile"]
    bool_field = collect_pixi(
        archive, use_pixi_lockfile="yes", settings=pixi_settings(tmp_path / "c", "2.20.0")
    )
    assert "use_pixi_lockfile=True" in bool_field.log
    literal = collect_pixi(
        archive, use_pixi_lockfile="yes", settings=pixi_settings(tmp_path / "d", "2.26.0")
    )
    assert json.loads(literal.error or "")[0]["msg"] == "Input should be 'true' or 'false'"
    false = collect_pixi(
        archive, use_pixi_lockfile=False, settings=pixi_settings(tmp_path / "e", "2.26.0")
    )
    assert "use_pixi_lockfile=False" in false.log
    assert "install  --manifest-path" in false.log  # no --frozen


@pytest.mark.parametrize("version", ["2.15.0", "2.22.13", "2.26.0"])
def test_pixi_not_found_at_the_servers_stage(tmp_path: Path, version: str) -> None:
    archive = make_archive(tmp_path / "up")
    settings = pixi_settings(tmp_path, version)
    result = collect_pixi(archive, settings=settings)
    profile = get_profile(version)
    assert (result.status, result.stage) == ("failed", "install")
    pixi = tmp_path / "pixi" / "0.47.0" / "bin" / "pixi"
    assert f"{pixi}: No such file or directory" in (result.error or "")
    assert "returncode=127" in (result.error or "")
    line = {"2.15.0": 42, "2.22.13": 45, "2.26.0": 45}[version]
    assert f"pixi_2_install.sh: line {line}: {pixi}" in (result.error or "")
    assert any("No pixi at" in warning for warning in result.warnings)
    group = result.task_group
    assert group is not None
    assert (group.origin.value, group.pkg_name, group.version) == (
        "pixi",
        "mock-pixi-tasks",
        "1.2.3",
    )
    assert group.pixi_version == "0.47.0"
    assert group.archive_path == f"{group.path}/mock_pixi_tasks-1.2.3.tar.gz"
    assert ("resource_id" in type(group).model_fields) is profile.task_group_resource_id
    assert "[extract-tar-gz-pixi, " in result.log
    assert f"mv {group.path}/mock_pixi_tasks-1.2.3 {group.path}/source_dir" in result.log
    assert ("Write txt-file contents into" in result.log) is profile.writes_task_group_id_file
    assert ("Setting PIXI_CACHE_DIR to" in result.log) is profile.pixi_cache_dir_setting
    assert f"Deleted folder {group.path}" in result.log
    assert not Path(group.path).exists()


def test_archive_without_its_top_level_folder(tmp_path: Path) -> None:
    archive = make_archive(tmp_path / "up", top="something-else")
    result = collect_pixi(archive, settings=pixi_settings(tmp_path, "2.26.0"))
    assert (result.status, result.stage) == ("failed", "extract")
    assert "mock_pixi_tasks-1.2.3: Not found in archive" in (result.error or "")
    assert not (tmp_path / "tasks" / "1" / "mock-pixi-tasks" / "1.2.3").exists()


def test_pyproject_checks_from_2_15_4(tmp_path: Path) -> None:
    no_default = PYPROJECT.replace("default = {", "other = {")
    archive = make_archive(tmp_path / "up", pyproject=no_default)
    checked = collect_pixi(archive, settings=pixi_settings(tmp_path / "a", "2.15.4"))
    assert (checked.stage, checked.error) == ("extract", "No 'default' pixi environment found.")
    before = collect_pixi(archive, settings=pixi_settings(tmp_path / "b", "2.15.3"))
    assert before.stage == "install"  # 2.15.3 does not edit pyproject.toml
    missing = make_archive(tmp_path / "up2", pyproject=None)
    result = collect_pixi(missing, settings=pixi_settings(tmp_path / "c", "2.26.0"))
    assert result.stage == "extract"
    assert "No such file or directory" in (result.error or "")
    assert "pyproject.toml" in (result.error or "")


def test_path_outside_the_tasks_dir(tmp_path: Path) -> None:
    """An upload's file name may hold a '/': 2.22.13 raises a bare ValueError (HTTP 500);
    earlier releases would create the group outside their tasks dir, which we refuse."""
    archive = make_archive(tmp_path / "up")
    upload = get_profile("2.26.0").schemas.FractalUploadedFile(
        filename="pkg-../../../escaped.tar.gz", contents=archive.read_bytes()
    )
    new = collect_pixi(upload, settings=pixi_settings(tmp_path, "2.22.13"))
    assert new.stage == "paths"
    assert "is not relative to base=" in (new.error or "")
    assert "HTTP 500" in (new.error or "")
    old = collect_pixi(upload, settings=pixi_settings(tmp_path, "2.22.12"))
    assert old.stage == "paths"
    assert "outside the tasks dir" in (old.error or "")
    assert not (tmp_path / "escaped").exists()
