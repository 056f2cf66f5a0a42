"""``build_project_wheel``: a user's project built offline, and clear errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pytest_taskcollect import NotAProjectError, ProjectBuildError, build_project_wheel
from support.console_script import EXAMPLE_PROJECT


def test_example_project_builds_without_isolation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # an isolated build would need the index

    wheel = build_project_wheel(EXAMPLE_PROJECT, tmp_path / "dist")

    assert wheel == tmp_path / "dist" / "fractal_tasks_demo-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert "fractal_tasks_demo/__FRACTAL_MANIFEST__.json" in archive.namelist()


@pytest.mark.parametrize("make_dir", [True, False], ids=["no pyproject.toml", "missing"])
def test_not_a_project(tmp_path: Path, make_dir: bool) -> None:
    project = tmp_path / "project"
    if make_dir:
        project.mkdir()
        (project / "README.md").write_text("not a project")
    expected = "is not a Python project: it has no pyproject.toml" if make_dir else "not a dir"

    with pytest.raises(NotAProjectError, match=expected) as caught:
        build_project_wheel(project, tmp_path / "dist")

    assert isinstance(caught.value, ValueError)


def test_backend_error_is_reported_with_its_output(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n'
        '[project]\nname = "broken"\nversion = "1"\n'
    )

    with pytest.raises(ProjectBuildError, match=r"description must be specified") as caught:
        build_project_wheel(tmp_path, tmp_path / "dist")

    assert "Traceback" in caught.value.output


def test_missing_backend_offline_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["taskcollect-absent-backend>=1"]\n'
        'build-backend = "taskcollect_absent_backend"\n'
        '[project]\nname = "x"\nversion = "1"\n'
    )

    with pytest.raises(ProjectBuildError) as caught:
        build_project_wheel(tmp_path, tmp_path / "dist")

    assert str(caught.value) == (
        f"Cannot build {tmp_path}: its build backend is not installed here (missing: "
        "taskcollect-absent-backend>=1) and installing it into an isolated build environment "
        "failed; install it in this environment or allow access to the package index."
    )
    assert "No matching distribution found for taskcollect-absent-backend" in caught.value.output
