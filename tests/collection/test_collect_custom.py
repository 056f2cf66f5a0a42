"""``collect_custom``: every custom-path case of spec §3 and §5.3, against a real collected venv.

The installed package comes from the plugin's ``fractal_tasks_mock_collection`` (the mock
preset collected once per session through the pip path); nothing here installs anything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_taskcollect.collection import CollectionResult, CollectionSettings
from pytest_taskcollect.collection.custom_path import collect_custom
from pytest_taskcollect.schemas import TaskCollectCustomV2


@pytest.fixture(scope="module")
def installed(fractal_tasks_mock_collection: CollectionResult) -> dict[str, Any]:
    """The collected mock package: venv python, package root and manifest (read-only)."""
    group = fractal_tasks_mock_collection.task_group
    assert group is not None
    python = Path(group.venv_path or "") / "bin" / "python"
    (root,) = Path(group.venv_path or "").glob("lib/python*/site-packages/fractal_tasks_mock")
    manifest = json.loads((root / "__FRACTAL_MANIFEST__.json").read_text())
    return {"python": str(python), "root": str(root), "manifest": manifest}


@pytest.fixture
def settings(tmp_path: Path) -> CollectionSettings:
    return CollectionSettings(tasks_dir=tmp_path / "tasks")


def custom(installed: dict[str, Any], **fields: Any) -> TaskCollectCustomV2:
    values = {
        "manifest": installed["manifest"],
        "python_interpreter": installed["python"],
        "label": "label",
    } | fields
    return TaskCollectCustomV2(**values)


@pytest.mark.parametrize(
    "fields",
    [
        {"package_name": "fractal_tasks_mock"},
        {"package_name": "fractal-tasks-mock"},
        {"package_root": "ROOT"},
    ],
    ids=["name", "hyphenated-name", "root"],
)
def test_custom_collection_builds_the_servers_tasks(
    installed: dict[str, Any],
    fractal_tasks_mock_collection: CollectionResult,
    settings: CollectionSettings,
    fields: dict[str, str],
) -> None:
    fields = {k: installed["root"] if v == "ROOT" else v for k, v in fields.items()}
    result = collect_custom(custom(installed, version="0.0.1", **fields), settings=settings)
    result.raise_for_status()
    # The same interpreter and root as the pip path give exactly the pip path's tasks.
    assert result.tasks == fractal_tasks_mock_collection.tasks
    group = result.task_group
    assert group is not None
    assert (group.origin.value, group.pkg_name, group.version, group.path) == (
        "other",
        "label",
        None,
        None,
    )
    assert result.warnings == []
    assert not settings.tasks_dir.exists(), "the custom path writes nothing"


def test_version_and_args_schema_version_on_tasks(
    installed: dict[str, Any], settings: CollectionSettings
) -> None:
    result = collect_custom(custom(installed, package_root=installed["root"]), settings=settings)
    assert {task.version for task in result.tasks} == {None}
    assert {task.args_schema_version for task in result.tasks} == {"pydantic_v2"}
    manifest = installed["manifest"] | {"has_args_schemas": False}
    result = collect_custom(
        custom(installed, manifest=manifest, package_root=installed["root"], version="9"),
        settings=settings,
    )
    assert {(task.version, task.args_schema_version) for task in result.tasks} == {("9", None)}
    assert {task.authors for task in result.tasks} == {manifest["authors"]}


def failed(result: CollectionResult, stage: str, message: str) -> None:
    assert (result.status.value, result.stage) == ("failed", stage), result.error
    assert result.error is not None
    assert message in result.error
    assert result.tasks == []


def test_running_interpreter_without_the_package(
    installed: dict[str, Any], settings: CollectionSettings
) -> None:
    request = custom(
        installed, python_interpreter=sys.executable, package_name="fractal_tasks_mock"
    )
    result = collect_custom(request, settings=settings)
    failed(result, "paths", "Cannot determine 'package_root'.\nOriginal output: \nOriginal error: ")
    assert "AttributeError" in (result.error or "")


def test_interpreter_missing_or_a_directory(
    installed: dict[str, Any], settings: CollectionSettings, tmp_path: Path
) -> None:
    result = collect_custom(
        custom(installed, python_interpreter="/foo/bar", package_root=installed["root"]),
        settings=settings,
    )
    failed(result, "python", "task_collect.python_interpreter='/foo/bar' is not accessible to the")
    result = collect_custom(
        custom(installed, python_interpreter=str(tmp_path), package_root=installed["root"]),
        settings=settings,
    )
    failed(result, "python", f"task_collect.python_interpreter='{tmp_path}' is not a file.")


def test_package_root_missing_or_a_file(
    installed: dict[str, Any], settings: CollectionSettings, tmp_path: Path
) -> None:
    root = tmp_path / "foo"
    request = custom(installed, python_interpreter=sys.executable, package_root=str(root))
    failed(
        collect_custom(request, settings=settings), "paths", "not accessible to the Fractal user"
    )
    root.touch()
    failed(collect_custom(request, settings=settings), "paths", f"'{root}' is not a directory.")


def test_namespace_package_and_noisy_interpreter(
    installed: dict[str, Any],
    settings: CollectionSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "nspkg_only").mkdir()  # no __init__.py: a namespace package, origin None
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    request = custom(installed, python_interpreter=sys.executable, package_name="nspkg_only")
    failed(collect_custom(request, settings=settings), "paths", "Cannot determine 'package_root'")
    # A sitecustomize that prints makes the output two lines: the server gives up too.
    (tmp_path / "sitecustomize.py").write_text("print('hello from sitecustomize')\n")
    (tmp_path / "plainpkg").mkdir()
    (tmp_path / "plainpkg" / "__init__.py").touch()
    request = custom(installed, python_interpreter=sys.executable, package_name="plainpkg")
    result = collect_custom(request, settings=settings)
    failed(result, "paths", "Original output: hello from sitecustomize\n")


def test_missing_executables_only_warn(
    installed: dict[str, Any], settings: CollectionSettings, tmp_path: Path
) -> None:
    result = collect_custom(custom(installed, package_root=str(tmp_path)), settings=settings)
    result.raise_for_status()
    assert len(result.warnings) == sum(
        (t.command_parallel is not None) + (t.command_non_parallel is not None)
        for t in result.tasks
    )
    assert "pointing to missing file" in result.warnings[0]
    assert "does not check this on the custom path" in result.warnings[0]


def test_task_validation_error_is_the_servers_http_500(
    installed: dict[str, Any], settings: CollectionSettings, tmp_path: Path
) -> None:
    manifest = json.loads(json.dumps(installed["manifest"]))
    manifest["task_list"][0]["category"] = ""
    result = collect_custom(
        custom(installed, manifest=manifest, package_root=installed["root"]), settings=settings
    )
    failed(result, "tasks", "String should have at least 1 character")
    assert "HTTP 500" in (result.error or "")
    odd_root = tmp_path / "p(1)"
    odd_root.mkdir()
    result = collect_custom(custom(installed, package_root=str(odd_root)), settings=settings)
    failed(result, "tasks", "Command must not contain any of this characters")


def test_a_quote_in_the_package_name_warns_that_the_server_would_crash(
    installed: dict[str, Any], settings: CollectionSettings
) -> None:
    result = collect_custom(custom(installed, package_name="it's"), settings=settings)
    assert result.stage == "paths"
    assert any("shlex.split" in warning for warning in result.warnings)


# --- other releases ---------------------------------------------------------------------------


def custom_for(release: str, installed: dict[str, Any], **fields: Any) -> Any:
    from pytest_taskcollect import get_profile

    values = {
        "manifest": installed["manifest"],
        "python_interpreter": installed["python"],
        "label": "label",
    } | fields
    return get_profile(release).schemas.custom_request(**values)


def test_group_version_per_release(installed: dict[str, Any], tmp_path: Path) -> None:
    """2.14.5 stores no version on the group; 2.14.6 stores the request's; 2.23.1 requires
    it (a 2.14.5 request without one fails as 2.26.0's 422, FastAPI's list detail)."""
    versions = {}
    for release in ("2.14.5", "2.14.6", "2.26.0"):
        settings = CollectionSettings(tasks_dir=tmp_path, server_version=release)
        request = custom_for(release, installed, package_name="fractal_tasks_mock", version="1.0")
        result = collect_custom(request, settings=settings).raise_for_status()
        assert result.task_group is not None
        versions[release] = result.task_group.version
        assert {task.version for task in result.tasks} == {"1.0"}
        assert ("resource_id" in type(result.task_group).model_fields) is (release == "2.26.0")
    assert versions == {"2.14.5": None, "2.14.6": "1.0", "2.26.0": "1.0"}
    settings = CollectionSettings(tasks_dir=tmp_path, server_version="2.26.0")
    result = collect_custom(custom(installed, package_name="fractal_tasks_mock"), settings=settings)
    assert result.stage == "request"
    detail = json.loads(result.error or "")
    assert (detail[0]["loc"], detail[0]["msg"]) == (["body", "version"], "Field required")


def test_paths_normalised_from_2_18(installed: dict[str, Any], tmp_path: Path) -> None:
    """``AbsolutePathStr`` from 2.18.0: ``..`` refused, the rest normalised (the messages
    show the normalised path); 2.17.2 keeps a path as given, ``..`` included."""
    python = installed["python"]
    climbing = python.replace("/bin/python", "/bin/../bin/python")
    fields = {"python_interpreter": climbing, "package_root": installed["root"], "version": "1"}
    old = collect_custom(
        custom_for("2.17.2", installed, **fields),
        settings=CollectionSettings(tasks_dir=tmp_path, server_version="2.17.2"),
    ).raise_for_status()
    assert old.tasks[0].command_non_parallel.startswith(f"{climbing} ")
    with pytest.raises(ValueError, match=r"String must not contain '/\.\./'"):
        custom_for("2.18.0", installed, **fields)
    missing = fields | {"python_interpreter": "/nonexistent/./python"}
    messages = {
        release: collect_custom(
            custom_for(release, installed, **missing),
            settings=CollectionSettings(tasks_dir=tmp_path, server_version=release),
        ).error
        for release in ("2.17.2", "2.18.0")
    }
    assert messages == {
        "2.17.2": "task_collect.python_interpreter='/nonexistent/./python' is not accessible "
        "to the Fractal user or it is not executable.",
        "2.18.0": "task_collect.python_interpreter='/nonexistent/python' is not accessible "
        "to the Fractal user or it is not executable.",
    }
