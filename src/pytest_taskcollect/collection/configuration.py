"""A fractal-server instance's collection configuration, in the shape its release reads it.

Up to 2.16.x the server reads environment variables (``Settings``); from 2.17.0 a ``Resource``
row holds ``tasks_local_dir`` and ``tasks_python_config`` (``configuration_style`` switch).
``settings_from_env`` and ``settings_from_resource`` turn either shape into the keyword values
of ``CollectionSettings``, applying that release's rules with its messages; a violation raises
``ConfigurationError`` (a ``ValueError``) naming the variable or key and the rule.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model
from pydantic import model_validator as pydantic_model_validator

from ..profiles import ServerProfile
from ..profiles.switches import ConfigurationStyle
from ..schemas import NonEmptyStr
from .pixi_settings import PixiSettings

__all__ = ["ConfigurationError", "settings_from_env", "settings_from_resource"]


class ConfigurationError(ValueError):
    """An instance configuration the release would refuse (at start-up or resource creation)."""


def _running_version() -> tuple[str, Path]:
    from .settings import running_interpreter, running_python_version

    return running_python_version(), running_interpreter()


def _first_error(error: ValidationError) -> str:
    item = error.errors()[0]
    return str(item["msg"]).removeprefix("Value error, ")


def _check_style(profile: ServerProfile, wanted: ConfigurationStyle, hint: str) -> None:
    if profile.configuration_style is not wanted:
        raise ConfigurationError(
            f"fractal-server {profile.version} reads its collection settings from "
            f"{profile.configuration_style.value}; {hint}"
        )


def settings_from_env(env: Mapping[str, str] | None, profile: ServerProfile) -> dict[str, Any]:
    """``CollectionSettings`` values from ``FRACTAL_*`` variables, as ``profile`` reads them."""
    _check_style(
        profile,
        ConfigurationStyle.ENV_SETTINGS,
        "use CollectionSettings.from_resource(...) with tasks_local_dir and tasks_python_config.",
    )
    source = os.environ if env is None else env
    tasks_dir = source.get("FRACTAL_TASKS_DIR")
    if not tasks_dir:
        raise ConfigurationError("FRACTAL_TASKS_DIR cannot be None")
    interpreters: dict[str, Path] = {}
    for version in profile.python_versions:
        key = f"FRACTAL_TASKS_PYTHON_{version.replace('.', '_')}"
        value = source.get(key)
        if value is None:
            continue
        if not Path(value).is_absolute():
            raise ConfigurationError(f"Non-absolute value {key}={value}")
        interpreters[version] = Path(value)
    default = source.get("FRACTAL_TASKS_PYTHON_DEFAULT_VERSION")
    if default is None:
        # Only the server's own interpreter: every FRACTAL_TASKS_PYTHON_X_Y is dropped.
        default, running = _running_version()
        interpreters = {default: running}
    else:
        try:
            TypeAdapter(profile.schemas.python_version).validate_python(default)
        except ValidationError as error:
            raise ConfigurationError(
                f"FRACTAL_TASKS_PYTHON_DEFAULT_VERSION: {_first_error(error)}"
            ) from None
        key = f"FRACTAL_TASKS_PYTHON_{default.replace('.', '_')}"
        if default not in interpreters:
            raise ConfigurationError(
                f"FRACTAL_TASKS_PYTHON_DEFAULT_VERSION={default} but {key}=None."
            )
    values: dict[str, Any] = {
        "tasks_dir": Path(tasks_dir),
        "python_interpreters": interpreters,
        "default_python_version": default,
    }
    cache_dir = source.get("FRACTAL_PIP_CACHE_DIR")
    if cache_dir is not None:
        values["pip_cache_dir"] = Path(_absolute("FRACTAL_PIP_CACHE_DIR", cache_dir, profile))
    max_pip = source.get("FRACTAL_MAX_PIP_VERSION")
    if max_pip is not None and profile.pip_cap is not None:
        values["max_pip_version"] = max_pip
    pixi_file = source.get("FRACTAL_PIXI_CONFIG_FILE")
    if pixi_file is not None and profile.pixi_collection:
        values["pixi"] = _pixi_from_file(pixi_file)
    return values


def _absolute(name: str, value: str, profile: ServerProfile) -> str:
    try:
        path: str = TypeAdapter(profile.schemas.absolute_path_str).validate_python(value)
    except ValidationError as error:
        raise ConfigurationError(f"{name}: {_first_error(error)}") from None
    return path


def _pixi_from_file(path: str) -> PixiSettings:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"FRACTAL_PIXI_CONFIG_FILE={path}: {error}") from None
    return _pixi_settings("FRACTAL_PIXI_CONFIG_FILE", data)


def _pixi_settings(name: str, data: object) -> PixiSettings:
    try:
        return PixiSettings.model_validate(data)
    except ValidationError as error:
        raise ConfigurationError(f"{name}: {_first_error(error)}") from None


class _PythonConfigBase(BaseModel):
    """``TasksPythonSettings``; each release's model narrows ``versions`` and the paths."""

    model_config = ConfigDict(extra="ignore")

    default_version: NonEmptyStr
    versions: dict[str, str]
    pip_cache_dir: str | None = None

    @pydantic_model_validator(mode="after")
    def _default_is_available(self) -> _PythonConfigBase:
        if self.default_version not in self.versions:
            raise ValueError(
                f"The default Python version ('{self.default_version}') is not available in "
                f"{list(self.versions)}."
            )
        return self


@cache
def _python_config_model(python_version: Any, absolute_path: Any) -> type[_PythonConfigBase]:
    """``TasksPythonSettings`` with a release's ``PythonVersion`` and ``AbsolutePathStr``."""
    return create_model(
        "TasksPythonSettings",
        __base__=_PythonConfigBase,
        versions=(dict[python_version, absolute_path], ...),
        pip_cache_dir=(absolute_path | None, None),
    )


def settings_from_resource(resource: Mapping[str, Any], profile: ServerProfile) -> dict[str, Any]:
    """``CollectionSettings`` values from a ``Resource``-shaped mapping, as ``profile`` reads it."""
    _check_style(
        profile,
        ConfigurationStyle.RESOURCE,
        "use CollectionSettings.from_env(...) with FRACTAL_TASKS_DIR and FRACTAL_TASKS_PYTHON_*.",
    )
    kind = resource.get("type", "local")
    if kind != "local":
        raise ConfigurationError(
            f"type={kind!r}: only local resources are emulated (collection on a SLURM "
            "cluster runs the same scripts there, through sudo or SSH)."
        )
    for key in ("tasks_local_dir", "tasks_python_config"):
        if key not in resource:
            raise ConfigurationError(f"{key}: Field required")
    tasks_dir = _absolute("tasks_local_dir", resource["tasks_local_dir"], profile)
    model = _python_config_model(profile.schemas.python_version, profile.schemas.absolute_path_str)
    try:
        python = model.model_validate(resource["tasks_python_config"])
    except ValidationError as error:
        location = ".".join(str(part) for part in error.errors()[0]["loc"])
        where = f"tasks_python_config.{location}" if location else "tasks_python_config"
        raise ConfigurationError(f"{where}: {_first_error(error)}") from None
    values: dict[str, Any] = {
        "tasks_dir": Path(tasks_dir),
        "python_interpreters": {version: Path(path) for version, path in python.versions.items()},
        "default_python_version": python.default_version,
    }
    if python.pip_cache_dir is not None:
        values["pip_cache_dir"] = Path(python.pip_cache_dir)
    pixi = resource.get("tasks_pixi_config") or {}
    if pixi:
        values["pixi"] = _pixi_settings("tasks_pixi_config", pixi)
    return values
