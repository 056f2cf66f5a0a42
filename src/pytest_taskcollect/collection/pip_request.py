"""The endpoint's request rules for ``POST /api/v2/task/collect/pip/`` (spec §2.1 and §2.2).

Before anything is created the server decides the origin (a wheel upload or a package name),
rejects forbidden wheel-filename characters, checks the Python version, derives ``pkg_name`` and
``version`` and the task-group paths, and validates the group with the release's
``TaskGroupCreateStrict``. Each rule here raises ``RequestRejected`` with the release's 422
detail; the rules that changed between releases read the settings' profile (the Python check,
the pin fields, ``resource_id``, the path rules, ``verify_url_is_relative_to``).
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ..profiles.switches import AvailabilityCheck, EmptyExtras
from ..schemas import TaskGroupV2OriginEnum, WheelFile
from ..schemas.names import normalize_package_name, parse_wheel_filename
from ..schemas.task_collection import PipRequestBase, UploadedFileBase
from .settings import CollectionSettings

__all__ = [
    "FORBIDDEN_CHAR_WHEEL",
    "SERVER_PYTHON_VERSIONS",
    "PathOutsideTasksDir",
    "RequestRejected",
    "TaskGroupPlan",
    "check_request",
    "load_wheel",
    "plan_task_group",
    "python_interpreter",
    "verify_path_is_relative_to",
    "wheel_name_and_version",
]

FORBIDDEN_CHAR_WHEEL = [";", "/"]
"""Characters the server rejects in an uploaded wheel's filename."""

SERVER_PYTHON_VERSIONS = ("3.9", "3.10", "3.11", "3.12")
"""The versions ``get_python_interpreter_v2`` accepts in 2.14.5."""


class RequestRejected(ValueError):
    """The endpoint would answer 422 with this message."""


class PathOutsideTasksDir(RequestRejected):
    """The task-group path is not under the tasks dir: a bare ``ValueError`` from
    ``verify_url_is_relative_to`` (2.22.13 on, so an HTTP 500), or, before 2.22.13, a path the
    server would create outside its tasks dir (refused here)."""


class CollectionRequestData(BaseModel):
    """The server's internal request model; its validator decides the origin."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    task_collect: PipRequestBase
    file: UploadedFileBase | None = None
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


def load_wheel(
    wheel: UploadedFileBase | os.PathLike[str] | str | None,
) -> UploadedFileBase | None:
    """The upload: a ``WheelFile``/``FractalUploadedFile`` as-is, or a path (named after the
    file) read into a ``WheelFile``."""
    if wheel is None or isinstance(wheel, UploadedFileBase):
        return wheel
    path = Path(wheel)
    return WheelFile(filename=path.name, contents=path.read_bytes())


def check_request(request: PipRequestBase, wheel: UploadedFileBase | None) -> TaskGroupV2OriginEnum:
    """The origin of the collection, or ``RequestRejected("Invalid request-body\\n...")``."""
    try:
        data = CollectionRequestData(task_collect=request, file=wheel)  # type: ignore[call-arg]
    except ValidationError as error:
        raise RequestRejected(f"Invalid request-body\n{error}") from error
    return data.origin


def python_interpreter(
    version: str, settings: CollectionSettings, *, explicit: bool = True
) -> Path | None:
    """The interpreter for ``version``, or the release's 422.

    Up to 2.22.9 the endpoint checks the version whether the request named it or the default
    was taken; from 2.22.10 only a version the request names (``explicit``) is checked, and
    ``None`` comes back for an unavailable default (the background task then fails).
    """
    profile = settings.profile
    available = version in profile.python_versions and version in settings.python_interpreters
    if available:
        return settings.python_interpreters[version]
    if explicit or profile.python_availability_check is AvailabilityCheck.ALWAYS:
        raise RequestRejected(profile.python_unavailable(version))
    return None


def verify_path_is_relative_to(path: str, base: str) -> None:
    """``verify_url_is_relative_to``: ``path`` (normalised) must be inside ``base``."""
    if not PurePosixPath(posixpath.normpath(path)).is_relative_to(posixpath.normpath(base)):
        raise PathOutsideTasksDir(f"url={path!r} is not relative to base={base!r}")


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
    pinned_package_versions_pre: dict[str, str] | None = None
    pinned_package_versions_post: dict[str, str] | None = None
    resource_id: int | None = None
    """Set from 2.17.0 (``task_group_resource_id``)."""
    empty_extras: EmptyExtras = field(default=EmptyExtras.EMPTY_BRACKETS)

    @property
    def pins(self) -> dict[str, dict[str, str] | None]:
        """The pin dicts by record field name (the release's fields only)."""
        if self.pinned_package_versions_pre is None and self.pinned_package_versions_post is None:
            return {"pinned_package_versions": self.pinned_package_versions}
        return {
            "pinned_package_versions_pre": self.pinned_package_versions_pre,
            "pinned_package_versions_post": self.pinned_package_versions_post,
        }

    @property
    def pinned_package_versions_string(self) -> str:
        """Every pin as ``name==version``, space-joined: 2.14.5's
        ``pinned_package_versions_string`` (from 2.16.0, the pre-pins then the post-pins)."""
        pins = [pin for dict_ in self.pins.values() for pin in (dict_ or {}).items()]
        return " ".join(f"{key}=={value}" for key, value in pins)

    def pip_install_string(self, wheel_path: str | None) -> str:
        """The server's ``pip_install_string`` (``<wheel>[extras]`` or ``<pkg>[extras]==<v>``);
        from 2.22.10 an empty ``pip_extras`` means no extras (before: ``pkg[]``)."""
        extras = f"[{self.pip_extras}]" if self.pip_extras is not None else ""
        if self.pip_extras == "" and self.empty_extras is EmptyExtras.NO_EXTRAS:
            extras = ""
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
    request: PipRequestBase,
    origin: TaskGroupV2OriginEnum,
    pkg_name: str,
    version: str,
    python_version: str,
    settings: CollectionSettings,
) -> TaskGroupPlan:
    """Paths, ``verify_url_is_relative_to`` (2.22.13 on) and the release's
    ``TaskGroupCreateStrict`` check (``"Invalid task-group object. Original error: ..."``).

    The group keeps the paths as built (the strict model only checks them), as the server
    stores its attributes, not the validated model.
    """
    profile = settings.profile
    base = settings.tasks_dir.as_posix()
    path = (settings.tasks_dir / str(settings.user_id) / pkg_name / version).as_posix()
    check_inside_tasks_dir(path, base, settings)
    venv_path = (Path(path) / "venv").as_posix()
    attrs: dict[str, Any] = {"user_id": settings.user_id}
    if profile.task_group_resource_id:
        attrs["resource_id"] = settings.resource_id
    attrs |= {
        "origin": origin.value,
        "python_version": python_version,
        "pkg_name": pkg_name,
        "version": version,
        "path": path,
        "venv_path": venv_path,
    }
    if request.package_extras is not None:
        attrs["pip_extras"] = request.package_extras
    pins: dict[str, dict[str, str] | None] = {
        name: getattr(request, name, None)
        for name in (
            "pinned_package_versions",
            "pinned_package_versions_pre",
            "pinned_package_versions_post",
        )
    }
    attrs |= {name: value for name, value in pins.items() if value is not None}
    try:
        profile.schemas.task_group_create_strict(**attrs)
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
        pinned_package_versions=pins["pinned_package_versions"],
        user_id=settings.user_id,
        pinned_package_versions_pre=pins["pinned_package_versions_pre"],
        pinned_package_versions_post=pins["pinned_package_versions_post"],
        resource_id=settings.resource_id if profile.task_group_resource_id else None,
        empty_extras=profile.empty_extras,
    )


def check_inside_tasks_dir(path: str, base: str, settings: CollectionSettings) -> None:
    """The release's ``verify_url_is_relative_to`` (2.22.13 on: a bare ``ValueError``, HTTP
    500); before, a group outside the tasks dir is refused here (the server would create it)."""
    try:
        verify_path_is_relative_to(path, base)
    except PathOutsideTasksDir as error:
        if settings.profile.verifies_path_under_tasks_dir:
            raise PathOutsideTasksDir(
                f"{error}\n(fractal-server {settings.server_version} raises this as a bare "
                "ValueError, so its endpoint answers HTTP 500 Internal Server Error.)"
            ) from None
        raise PathOutsideTasksDir(
            f"The task-group path {path!r} is outside the tasks dir {base!r}: fractal-server "
            f"{settings.server_version} does not check this (verify_url_is_relative_to comes "
            "in 2.22.13) and would create the group there. pytest-taskcollect refuses to."
        ) from None
