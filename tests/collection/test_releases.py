"""Collections under other releases than 2.14.5: real venvs, real pip, offline.

2.26.0 (the newest) end to end, and the releases where a behaviour switches (2.14.11, 2.14.12,
2.15.7/2.15.8, 2.16.0, 2.17.0, 2.17.2, 2.22.9/2.22.10, 2.22.13) for that behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_taskcollect import (
    BuiltWheel,
    CollectionResult,
    CollectionSettings,
    RequestModelError,
    TaskCollectPipV2,
    collect_pip,
    collect_pip_form,
    get_profile,
)
from support.interpreters import find_interpreter

from .conftest import copy_wheel


def pip_request(version: str, **fields: object) -> object:
    return get_profile(version).schemas.pip_request(**fields)


def collect(
    settings: CollectionSettings, wheel: Path | None = None, **fields: object
) -> CollectionResult:
    request = pip_request(settings.server_version, **fields)
    return collect_pip(request, wheel=wheel, settings=settings)  # type: ignore[arg-type]


# --- 2.26.0 end to end ---------------------------------------------------------------------


def test_mock_under_2_26_0(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings], tmp_path: Path
) -> None:
    settings = make_settings(server_version="2.26.0", task_group_id=42, resource_id=7)
    upload = copy_wheel(mock_wheel, tmp_path / "upload")
    result = collect(settings, upload, package_extras="my_extra").raise_for_status()
    assert result.server_version == "2.26.0"
    group = result.task_group
    assert group is not None
    path = (settings.tasks_dir / "1" / "fractal-tasks-mock" / "0.0.1").as_posix()
    assert list(type(group).model_fields) == [
        "user_id", "resource_id", "origin", "pkg_name", "version", "python_version",
        "pixi_version", "path", "archive_path", "pip_extras", "pinned_package_versions_pre",
        "pinned_package_versions_post", "env_info", "venv_path", "active",
    ]  # fmt: skip
    assert group.resource_id == 7
    assert group.archive_path == f"{path}/{mock_wheel.filename}"
    assert group.pinned_package_versions_pre == group.pinned_package_versions_post == {}
    assert f"fractal-tasks-mock @ file://{group.archive_path}" in group.env_info
    # no cap: `pip install pip setuptools --upgrade` takes the newest the sources hold
    assert "pip setuptools --upgrade" in result.log
    setuptools = next(line for line in group.env_info.splitlines() if "setuptools==" in line)
    assert setuptools != "setuptools==65.5.0"
    assert Path(path, "fractal_task_group_id.txt").read_text() == "42"
    assert "task_group.id: 42" in result.log
    assert not any("venv_size" in line for line in result.log.splitlines())
    assert "5_get_venv_size_and_file_number.sh" not in result.log
    # The stored log ends where the server stores it for the last time:
    assert result.log.rstrip().endswith("_prepare_tasks_metadata - end")
    assert "SKIP installing pre-pinned versions  (empty list)" in result.log
    assert "SKIP installing post-pinned versions  (empty list)" in result.log
    assert f"START install with INSTALL_STRING={group.archive_path}[my_extra]" in result.log
    dump = [
        line.split(" - DEBUG - ")[1] for line in result.log.splitlines() if "task_group." in line
    ]
    keys = [line.split(":")[0] for line in dump if line.startswith("task_group.")]
    assert keys == sorted(keys)
    assert "task_group.env_info" not in keys
    assert [type(task).__name__ for task in result.tasks] == ["TaskCreate"] * 16
    assert {task.version for task in result.tasks} == {"0.0.1"}
    data = json.loads(result.model_dump_json())
    assert data["task_group"]["archive_path"] == group.archive_path
    assert "wheel_path" not in data["task_group"]
    assert CollectionResult.model_validate(data) == result


# --- pins ------------------------------------------------------------------------------------


def test_pre_and_post_pins(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    """Pre-pins install before the package (setuptools goes back to the bundled 65.5.0 after
    the upgrade), post-pins after it, each list in JSONB key order (shorter names first)."""
    settings = make_settings(server_version="2.26.0")
    post = {"fractal-tasks-mock": "0.0.1", "pip": "23.2.1"}
    result = collect(
        settings,
        mock_wheel.path,
        pinned_package_versions_pre={"setuptools": "65.5.0"},
        pinned_package_versions_post=post,
    ).raise_for_status()
    log = result.log
    pre_line = log.index("START install with PINNED_PACKAGE_LIST_PRE=setuptools==65.5.0")
    install_line = log.index("START install with INSTALL_STRING=")
    post_line = log.index(
        "START install with PINNED_PACKAGE_LIST_POST=pip==23.2.1 fractal-tasks-mock==0.0.1"
    )
    assert pre_line < install_line < post_line
    group = result.task_group
    assert group is not None
    assert group.pinned_package_versions_pre == {"setuptools": "65.5.0"}
    assert list(group.pinned_package_versions_post) == ["pip", "fractal-tasks-mock"]
    assert "setuptools==65.5.0\n" in group.env_info


@pytest.mark.parametrize(
    ("version", "start_line"),
    [
        ("2.14.11", "START install with INSTALL_STRING={wheel} and PINNED_PACKAGE_LIST={pins}"),
        ("2.14.12", "START install with PINNED_PACKAGE_LIST={pins}"),
    ],
)
def test_two_pins_work_from_2_14_11(
    version: str,
    start_line: str,
    mock_wheel: BuiltWheel,
    make_settings: Callable[..., CollectionSettings],
) -> None:
    """2.14.5 to 2.14.10 fail with two pins (one quoted argument); 2.14.11 puts them unquoted
    into the package's install, 2.14.12 into a step of their own. Both use the pip cap 24.0
    and run no `pip show` pre-check."""
    settings = make_settings(server_version=version)
    pins = {"fractal-tasks-mock": "0.0.1", "setuptools": "65.5.0"}
    result = collect(settings, mock_wheel.path, pinned_package_versions=pins).raise_for_status()
    group = result.task_group
    assert group is not None
    # JSONB from 2.15.0 only: request order here
    rendered = "fractal-tasks-mock==0.0.1 setuptools==65.5.0"
    wheel = f"{group.path}/{mock_wheel.filename}"
    assert start_line.format(wheel=wheel, pins=rendered) in result.log
    assert "INFO: package name" not in result.log
    assert "pip<=24.0" in result.log
    assert group.pinned_package_versions == pins


def test_pip_cap_25_2_and_python_3_13_from_2_15(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    interpreter = find_interpreter("3.13")
    if interpreter is None:
        pytest.skip("no Python 3.13 here")
    settings = make_settings(server_version="2.15.8", python_interpreters={"3.13": interpreter})
    result = collect(settings, mock_wheel.path, python_version="3.13").raise_for_status()
    assert "pip<=25.2" in result.log
    assert result.task_group is not None
    assert result.task_group.python_version == "3.13"
    before = make_settings(server_version="2.15.6", python_interpreters={"3.13": interpreter})
    refused = collect_pip_form({"python_version": "3.13"}, wheel=mock_wheel.path, settings=before)
    assert refused.stage == "request"
    assert refused.error is not None
    assert refused.error.startswith("Invalid request-body\n")
    assert "Input should be '3.9', '3.10', '3.11' or '3.12'" in refused.error


# --- Python versions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("2.16.6", "Python version 3.12 is not available for Fractal task collection."),
        ("2.17.0", "Python version 3.12 is not available on this Fractal instance."),
        ("2.22.10", "Python version 3.12 is not available for this Fractal resource."),
    ],
)
def test_python_unavailable_messages(
    version: str,
    message: str,
    mock_wheel: BuiltWheel,
    make_settings: Callable[..., CollectionSettings],
) -> None:
    result = collect(make_settings(server_version=version), mock_wheel.path, python_version="3.12")
    assert (result.stage, result.error) == ("python", message)
    assert result.task_group is None


def test_default_python_checked_only_explicitly_from_2_22_10(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    """Up to 2.22.9 an unavailable default is refused at the endpoint; from 2.22.10 the
    endpoint lets it through and the background task fails (its folder removed)."""
    old = make_settings(server_version="2.22.9", default_python_version="3.12")
    result = collect(old, mock_wheel.path)
    assert (result.stage, result.error) == (
        "python",
        "Python version 3.12 is not available on this Fractal instance.",
    )
    new = make_settings(server_version="2.22.10", default_python_version="3.12")
    result = collect(new, mock_wheel.path)
    assert (result.stage, result.error) == (
        "venv",
        "Requested python_version='3.12' is not available.",
    )
    group = result.task_group
    assert group is not None
    assert f"Deleted folder {group.path}" in result.log
    assert not Path(group.path).exists()


def test_typed_python_version_form_field_from_2_24_1(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    result = collect_pip_form(
        {"python_version": "3.8"},
        wheel=mock_wheel.path,
        settings=make_settings(server_version="2.24.1"),
    )
    assert result.stage == "request"
    detail = json.loads(result.error or "")
    assert detail[0]["loc"] == ["body", "python_version"]
    assert detail[0]["msg"].startswith("Input should be '3.9', '3.10'")


# --- requests of other releases, raw form fields -------------------------------------------


def test_request_model_of_another_release(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    settings = make_settings(server_version="2.26.0")
    with pytest.raises(RequestModelError) as raised:
        collect_pip(
            TaskCollectPipV2(pinned_package_versions={"pip": "23.2.1"}),
            wheel=mock_wheel.path,
            settings=settings,
        )
    message = str(raised.value)
    assert "TaskCollectPipV2 (fractal-server 2.14.5 to 2.15.6) sets pinned_package_versions" in (
        message
    )
    assert "get_profile('2.26.0').schemas.TaskCollectPip" in message
    assert "pinned_package_versions_post installs after the package" in message
    # the same meaning in both releases: converted
    converted = collect_pip(TaskCollectPipV2(), wheel=mock_wheel.path, settings=settings)
    assert converted.raise_for_status().server_version == "2.26.0"


def test_old_pin_field_is_ignored_with_a_warning(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    """fractal-client#873: the form field pinned_package_versions sent to 2.16.0+ is dropped
    by the endpoint without an error; the pins are not installed."""
    result = collect_pip_form(
        {"pinned_package_versions": json.dumps({"setuptools": "65.5.0"})},
        wheel=mock_wheel.path,
        settings=make_settings(server_version="2.16.0"),
    ).raise_for_status()
    assert any("silently ignores" in w and "fractal-client#873" in w for w in result.warnings)
    group = result.task_group
    assert group is not None
    assert group.pinned_package_versions_pre == group.pinned_package_versions_post == {}
    with pytest.raises(TypeError, match="'pinned_versions' is not a form field"):
        collect_pip_form({"pinned_versions": {}}, wheel=mock_wheel.path, settings=make_settings())


# --- inputs that would run code on the server ------------------------------------------------


def test_pin_running_a_command_from_2_17_2_is_never_run(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings], tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    settings = make_settings(server_version="2.17.2")
    result = collect(
        settings,
        mock_wheel.path,
        pinned_package_versions_post={"fractal-tasks-mock": f"0.0.1 touch {marker}"},
    )
    assert (result.status, result.stage) == ("failed", "install")
    assert not marker.exists()
    error = result.error or ""
    assert "pinned_package_versions_post {'fractal-tasks-mock': '0.0.1 touch" in error
    assert f'PINNED_PACKAGE_LIST_POST=""fractal-tasks-mock==0.0.1 touch {marker}""' in error
    assert f"the server would RUN `touch {marker}`" in error
    assert "pytest-taskcollect never runs it" in error
    assert "pip install" not in result.log.split("2_pip_install.sh - START")[1]
    group = result.task_group
    assert group is not None
    assert not Path(group.path).exists()


def test_pin_with_a_missing_command_fails_as_the_server_does(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    """'1.26 --pre' from 2.17.2: bash runs `--pre`, which does not exist: exit 127."""
    result = collect(
        make_settings(server_version="2.26.0"),
        mock_wheel.path,
        pinned_package_versions_pre={"setuptools": "65.5.0 --pre"},
    )
    assert (result.stage, result.status) == ("install", "failed")
    error = result.error or ""
    assert "returncode=127" in error
    assert "_collect_2_pip_install.sh: line 13: --pre: command not found" in error
    assert any(
        "pinned_package_versions_pre {'setuptools': '65.5.0 --pre'}" in w for w in result.warnings
    )


def test_pin_split_into_pip_arguments_2_14_11_to_2_17_1(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings], tmp_path: Path
) -> None:
    """Whitespace splits a pin into extra pip arguments: options are refused (never passed
    to pip); extra plain requirements are installed, as on the server, with a warning."""
    options = collect(
        make_settings(server_version="2.17.1"),
        mock_wheel.path,
        pinned_package_versions_post={"setuptools": "65.5.0 --index-url http://example.invalid"},
    )
    assert (options.status, options.stage) == ("failed", "install")
    assert "would receive --index-url, http://example.invalid as separate arguments" in (
        options.error or ""
    )
    plain = collect(
        make_settings(server_version="2.14.12", tasks_dir=tmp_path / "plain"),
        mock_wheel.path,
        pinned_package_versions={"fractal-tasks-mock": "0.0.1 setuptools==65.5.0"},
    ).raise_for_status()
    assert any(
        "separate requirements fractal-tasks-mock==0.0.1, setuptools==65.5.0" in w
        for w in plain.warnings
    )


def test_quote_in_a_pin_runs_a_command_even_in_2_14_5(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings], tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    result = collect(
        make_settings(),
        mock_wheel.path,
        pinned_package_versions={"fractal-tasks-mock": f'0.0.1" touch {marker} "'},
    )
    assert (result.status, result.stage) == ("failed", "install")
    assert f"the server would RUN `touch {marker} ''`" in (result.error or "")
    assert not marker.exists()


def test_pin_names_with_brackets_are_globs_from_2_17_2(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings]
) -> None:
    result = collect(
        make_settings(server_version="2.17.2"),
        mock_wheel.path,
        pinned_package_versions_post={"fractal-tasks-mock[my_extra]": "0.0.1"},
    ).raise_for_status()
    glob = [w for w in result.warnings if "glob patterns" in w]
    assert glob
    assert "fractal-tasks-mock[my_extra]==0.0.1" in glob[0]
    assert "'fractal-tasks-mockm==0.0.1'" in glob[0]
