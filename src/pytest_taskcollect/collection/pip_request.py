"""The endpoint's request rules for ``POST /api/v2/task/collect/pip/`` (spec §2.1 and §2.2).

Before anything is created the server decides the origin (a wheel upload or a package name),
rejects forbidden wheel-filename characters, checks the Python version, derives ``pkg_name`` and
``version`` and the task-group paths, and validates the group with ``TaskGroupCreateV2Strict``.
Each rule here raises ``RequestRejected`` with the server's 422 detail.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ..schemas import (
    TaskCollectPipV2,
    TaskGroupCreateV2Strict,
    TaskGroupV2OriginEnum,
    WheelFile,
)
from ..schemas.names import normalize_package_name, parse_wheel_filename
from .settings import CollectionSettings

__all__ = [
    "FORBIDDEN_CHAR_WHEEL",
    "SERVER_PYTHON_VERSIONS",
    "RequestRejected",
    "TaskGroupPlan",
    "check_request",
    "load_wheel",
    "plan_task_group",
    "python_interpreter",
    "wheel_name_and_version",
]

FORBIDDEN_CHAR_WHEEL = [";", "/"]
"""Characters the server rejects in an uploaded wheel's filename."""

SERVER_PYTHON_VERSIONS = ("3.9", "3.10", "3.11", "3.12")
"""The versions ``get_python_interpreter_v2`` accepts in 2.14.5."""


class RequestRejected(ValueError):
    """The endpoint would answer 422 with this message."""


class CollectionRequestData(BaseModel):
    """The server's internal request model; its validator decides the origin."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    task_collect: TaskCollectPipV2
    file: WheelFile | None = None
    origin: TaskGroupV2OriginEnum

    @model_validator(mode="before")
    @classmethod
    def validate_data(cls, values: Any) -> Any:
        """No file: ``package`` required. A file: no ``package``/``package_version``."""
        task_collect = values["task_collect"]
        file = values.get("file")
        package = task_collect.package
        package_version = task_collect.package_version
        if file is None:
            if package is None:
                raise ValueError("When no `file` is provided, `package` is required.")
            values["origin"] = TaskGroupV2OriginEnum.PYPI
        else:
            if package is not None:
                raise ValueError(
                    f"Cannot set `package` when `file` is provided (given package='{package}')."
                )
            if package_version is not None:
                raise ValueError(
                    "Cannot set `package_version` when `file` is provided "
                    f"(given package_version='{package_version}')."
                )
            values["origin"] = TaskGroupV2OriginEnum.WHEELFILE
            for forbidden_char in FORBIDDEN_CHAR_WHEEL:
                if forbidden_char in file.filename:
                    raise ValueError(
                        f"Wheel filename has forbidden characters, {FORBIDDEN_CHAR_WHEEL}"
                    )
        return values


def load_wheel(wheel: WheelFile | os.PathLike[str] | str | None) -> WheelFile | None:
    """A ``WheelFile`` for an upload given as a path (named after the file) or as-is."""
    if wheel is None or isinstance(wheel, WheelFile):
        return wheel
    path = Path(wheel)
    return WheelFile(filename=path.name, contents=path.read_bytes())


def check_request(request: TaskCollectPipV2, wheel: WheelFile | None) -> TaskGroupV2OriginEnum:
    """The origin of the collection, or ``RequestRejected("Invalid request-body\\n...")``."""
    try:
        data = CollectionRequestData(task_collect=request, file=wheel)  # type: ignore[call-arg]
    except ValidationError as error:
        raise RequestRejected(f"Invalid request-body\n{error}") from error
    return data.origin


def python_interpreter(version: str, settings: CollectionSettings) -> Path:
    """The interpreter for ``version`` (``get_python_interpreter_v2``), or the server's 422."""
    if version not in SERVER_PYTHON_VERSIONS or version not in settings.python_interpreters:
        raise RequestRejected(
            f"Python version {version} is not available for Fractal task collection."
        )
    return settings.python_interpreters[version]


@dataclass(frozen=True)
class TaskGroupPlan:
    """What the endpoint decided before scheduling the background collection."""

    origin: TaskGroupV2OriginEnum
    pkg_name: str
    version: str
    python_version: str
    path: str
    venv_path: str
    pip_extras: str | None
    pinned_package_versions: dict[str, str] | None
    user_id: int

    @property
    def pinned_package_versions_string(self) -> str:
        """``"a==1 b==2"``: the server's ``pinned_package_versions_string``."""
        if not self.pinned_package_versions:
            return ""
        return " ".join(f"{key}=={value}" for key, value in self.pinned_package_versions.items())

    def pip_install_string(self, wheel_path: str | None) -> str:
        """The server's ``pip_install_string`` (``<wheel>[extras]`` or ``<pkg>[extras]==<v>``)."""
        extras = f"[{self.pip_extras}]" if self.pip_extras is not None else ""
        if wheel_path is not None:
            return f"{wheel_path}{extras}"
        return f"{self.pkg_name}{extras}=={self.version}"


def wheel_name_and_version(filename: str) -> tuple[str, str]:
    """``(pkg_name, version)`` from an upload's filename, or the server's 422 detail."""
    try:
        parsed = parse_wheel_filename(filename)
    except ValueError as error:
        raise RequestRejected(
            f"Invalid wheel-file name {filename}. Original error: {error}"
        ) from error
    return normalize_package_name(parsed.distribution), parsed.version


def plan_task_group(
    *,
    request: TaskCollectPipV2,
    origin: TaskGroupV2OriginEnum,
    pkg_name: str,
    version: str,
    python_version: str,
    settings: CollectionSettings,
) -> TaskGroupPlan:
    """Paths and the ``TaskGroupCreateV2Strict`` check (``"Invalid task-group object..."``)."""
    path = (settings.tasks_dir / str(settings.user_id) / pkg_name / version).as_posix()
    venv_path = (Path(path) / "venv").as_posix()
    attrs: dict[str, Any] = {
        "user_id": settings.user_id,
        "origin": origin,
        "python_version": python_version,
        "pkg_name": pkg_name,
        "version": version,
        "path": path,
        "venv_path": venv_path,
    }
    if request.package_extras is not None:
        attrs["pip_extras"] = request.package_extras
    if request.pinned_package_versions is not None:
        attrs["pinned_package_versions"] = request.pinned_package_versions
    try:
        TaskGroupCreateV2Strict(**attrs)
    except ValidationError as error:
        raise RequestRejected(f"Invalid task-group object. Original error: {error}") from error
    return TaskGroupPlan(
        origin=origin,
        pkg_name=pkg_name,
        version=version,
        python_version=python_version,
        path=path,
        venv_path=venv_path,
        pip_extras=request.package_extras,
        pinned_package_versions=request.pinned_package_versions,
        user_id=settings.user_id,
    )
