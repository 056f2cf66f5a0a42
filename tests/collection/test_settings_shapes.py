"""The settings of each release: keyword construction, env variables (up to 2.16.x) and the
``Resource`` (2.17.0 on), each with that release's rules and messages; and the version lookup
of each release against offline sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from pytest_taskcollect import (
    CollectionSettings,
    ConfigurationError,
    PixiSettings,
    get_profile,
)
from pytest_taskcollect.collection import resolve_package_version
from pytest_taskcollect.collection.settings import running_interpreter, running_python_version


def test_server_version_is_validated_and_normalised(tmp_path: Path) -> None:
    assert CollectionSettings(tasks_dir=tmp_path).server_version == "2.14.5"
    assert CollectionSettings(tasks_dir=tmp_path, server_version="v2.26.0").profile is (
        get_profile("2.26.0")
    )
    with pytest.raises(ValidationError, match=r"supported releases are 2\.14\.5 to 2\.26\.0"):
        CollectionSettings(tasks_dir=tmp_path, server_version="2.13.0")


def test_pip_cap_per_release(tmp_path: Path) -> None:
    def cap(version: str, **fields: object) -> str | None:
        return CollectionSettings(tasks_dir=tmp_path, server_version=version, **fields).pip_cap  # type: ignore[arg-type]

    assert (cap("2.14.5"), cap("2.15.8"), cap("2.16.0")) == ("24.0", "25.2", None)
    assert cap("2.15.9", max_pip_version="24.2") == "24.2"
    with pytest.raises(ValidationError, match="has no FRACTAL_MAX_PIP_VERSION"):
        cap("2.16.0", max_pip_version="24.0")


def test_from_env(tmp_path: Path) -> None:
    python = str(running_interpreter())
    env = {
        "FRACTAL_TASKS_DIR": str(tmp_path / "tasks"),
        "FRACTAL_TASKS_PYTHON_DEFAULT_VERSION": "3.11",
        "FRACTAL_TASKS_PYTHON_3_11": python,
        "FRACTAL_TASKS_PYTHON_3_12": "/usr/bin/python3.12",
        "FRACTAL_TASKS_PYTHON_3_13": "/usr/bin/python3.13",  # not a setting before 2.15.7
        "FRACTAL_PIP_CACHE_DIR": str(tmp_path / "cache"),
        "FRACTAL_MAX_PIP_VERSION": "24.2",
    }
    settings = CollectionSettings.from_env(env, find_links=[str(tmp_path)])
    assert settings.tasks_dir == tmp_path / "tasks"
    assert settings.python_interpreters == {
        "3.11": Path(python),
        "3.12": Path("/usr/bin/python3.12"),
    }
    assert (settings.default_python_version, settings.pip_cap) == ("3.11", "24.2")
    assert settings.pip_cache_dir == tmp_path / "cache"
    assert settings.find_links == (str(tmp_path),)
    later = CollectionSettings.from_env(env, server_version="2.16.0")
    assert "3.13" in later.python_interpreters
    assert later.pip_cap is None  # FRACTAL_MAX_PIP_VERSION is no setting of 2.16.0: ignored


def test_from_env_without_a_default_keeps_only_the_running_interpreter(tmp_path: Path) -> None:
    env = {"FRACTAL_TASKS_DIR": "relative", "FRACTAL_TASKS_PYTHON_3_9": "/usr/bin/python3.9"}
    settings = CollectionSettings.from_env(env)
    assert settings.python_interpreters == {running_python_version(): running_interpreter()}
    assert settings.tasks_dir == Path.cwd() / "relative"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "FRACTAL_TASKS_DIR cannot be None"),
        (
            {"FRACTAL_TASKS_PYTHON_3_11": "python3"},
            "Non-absolute value FRACTAL_TASKS_PYTHON_3_11=python3",
        ),
        (
            {"FRACTAL_TASKS_PYTHON_DEFAULT_VERSION": "3.12"},
            "FRACTAL_TASKS_PYTHON_DEFAULT_VERSION=3.12 but FRACTAL_TASKS_PYTHON_3_12=None.",
        ),
        (
            {"FRACTAL_TASKS_PYTHON_DEFAULT_VERSION": "3.13"},
            "FRACTAL_TASKS_PYTHON_DEFAULT_VERSION: Input should be '3.9', '3.10', '3.11' or '3.12'",
        ),
        (
            {"FRACTAL_PIP_CACHE_DIR": "cache"},
            "FRACTAL_PIP_CACHE_DIR: String must be an absolute path (given 'cache').",
        ),
    ],
)
def test_from_env_messages(env: dict[str, str], message: str) -> None:
    if env:
        env = {"FRACTAL_TASKS_DIR": "/tasks", **env}
    with pytest.raises(ConfigurationError) as raised:
        CollectionSettings.from_env(env)
    assert str(raised.value) == message


def test_pixi_config_file_from_2_15(tmp_path: Path) -> None:
    config = tmp_path / "pixi.json"
    config.write_text(
        json.dumps({"versions": {"0.47.0": "/pixi/0.47.0"}, "default_version": "0.47.0"})
    )
    env = {"FRACTAL_TASKS_DIR": "/tasks", "FRACTAL_PIXI_CONFIG_FILE": str(config)}
    assert CollectionSettings.from_env(env, server_version="2.14.16").pixi is None
    assert CollectionSettings.from_env(env, server_version="2.15.0").pixi == PixiSettings(
        versions={"0.47.0": "/pixi/0.47.0"}, default_version="0.47.0"
    )
    config.write_text(
        json.dumps({"versions": {"0.47.0": "/pixi/0.47"}, "default_version": "0.47.0"})
    )
    with pytest.raises(
        ConfigurationError, match=r"pixi_path.name='0.47' is not equal to key='0.47.0'"
    ):
        CollectionSettings.from_env(env, server_version="2.16.0")


def test_configuration_style_follows_the_release() -> None:
    with pytest.raises(
        ConfigurationError,
        match=r"2\.17\.0 reads its collection settings from a Resource.*from_resource",
    ):
        CollectionSettings.from_env({"FRACTAL_TASKS_DIR": "/tasks"}, server_version="2.17.0")
    resource = {"tasks_local_dir": "/tasks", "tasks_python_config": {}}
    with pytest.raises(
        ConfigurationError,
        match=r"2\.16\.6 reads its collection settings from FRACTAL_TASKS_DIR.*from_env",
    ):
        CollectionSettings.from_resource(resource, server_version="2.16.6")


def test_from_resource(tmp_path: Path) -> None:
    python = str(running_interpreter())
    resource = {
        "type": "local",
        "name": "local resource",
        "tasks_local_dir": f"{tmp_path}/./tasks/",
        "tasks_python_config": {
            "default_version": "3.11",
            "versions": {"3.11": python, "3.14": "/usr/bin/python3.14"},
            "pip_cache_dir": "/cache",
        },
        "tasks_pixi_config": {},
        "jobs_local_dir": "/jobs",
    }
    settings = CollectionSettings.from_resource(resource, server_version="2.26.0", mode="faithful")
    assert settings.tasks_dir == tmp_path / "tasks"  # AbsolutePathStr normalises (2.18.0 on)
    assert settings.python_interpreters == {
        "3.11": Path(python),
        "3.14": Path("/usr/bin/python3.14"),
    }
    assert (settings.pip_cache_dir, settings.pixi, settings.mode) == (
        Path("/cache"),
        None,
        "faithful",
    )


@pytest.mark.parametrize(
    ("version", "change", "message"),
    [
        (
            "2.26.0",
            {"tasks_python_config": {"default_version": "3.13", "versions": {"3.11": "/p"}}},
            "tasks_python_config: The default Python version ('3.13') is not available in "
            "['3.11'].",
        ),
        (
            "2.17.0",
            {"tasks_python_config": {"default_version": "3.15", "versions": {"3.15": "/p"}}},
            "tasks_python_config.versions.3.15.[key]: Input should be '3.9', '3.10', '3.11', "
            "'3.12', '3.13' or '3.14'",
        ),
        (
            "2.26.0",
            {"tasks_python_config": {"default_version": "3.11", "versions": {"3.11": "/a/../p"}}},
            "tasks_python_config.versions.3.11: String must not contain '/../'.",
        ),
        (
            "2.26.0",
            {"tasks_local_dir": "tasks"},
            "tasks_local_dir: String must be an absolute path (given 'tasks').",
        ),
        ("2.26.0", {"type": "slurm_ssh"}, "type='slurm_ssh': only local resources are emulated"),
    ],
)
def test_from_resource_messages(version: str, change: dict[str, object], message: str) -> None:
    resource: dict[str, object] = {
        "tasks_local_dir": "/tasks",
        "tasks_python_config": {"default_version": "3.11", "versions": {"3.11": "/p"}},
    }
    resource.update(change)
    with pytest.raises(ConfigurationError) as raised:
        CollectionSettings.from_resource(resource, server_version=version)
    assert str(raised.value).startswith(message)


# --- the latest version, offline ------------------------------------------------------------


def test_latest_version_json_api_then_simple_api(versions_index: Path, tmp_path: Path) -> None:
    """Up to 2.16.3 "latest" is PyPI's ``info.version`` (the highest final release); from
    2.16.4 it is the highest of the Simple API's versions, pre-releases included."""

    def latest(version: str) -> str:
        settings = CollectionSettings(
            tasks_dir=tmp_path, find_links=[versions_index], server_version=version
        )
        return resolve_package_version("fractal-tasks-mock", None, settings)

    assert latest("2.16.3") == "0.10.0"
    assert latest("2.16.4") == "1.0.0rc1"


def test_yanked_releases_count_only_for_the_simple_api(tmp_path: Path) -> None:
    """A simple index marking 2.0.0 yanked (PEP 592): the JSON API skips it, the Simple API
    (2.16.4 on) takes it."""
    page = tmp_path / "index" / "fractal-tasks-mock"
    page.mkdir(parents=True)
    page.joinpath("index.html").write_text(
        '<a href="fractal_tasks_mock-1.0.0-py3-none-any.whl">x</a>\n'
        '<a href="fractal_tasks_mock-2.0.0-py3-none-any.whl" data-yanked="broken">y</a>\n'
    )

    def latest(version: str) -> str:
        settings = CollectionSettings(
            tasks_dir=tmp_path,
            no_index=False,
            index_url=(tmp_path / "index").as_uri(),
            server_version=version,
        )
        return resolve_package_version("fractal-tasks-mock", None, settings)

    assert (latest("2.14.5"), latest("2.26.0")) == ("1.0.0", "2.0.0")
