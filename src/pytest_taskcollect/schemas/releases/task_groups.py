"""Task-group creation models per release (``TaskGroupCreate[V2]`` and its ``Strict`` form).

The field list is assembled in the server's order, each difference from 2.14.5 tied to a
switch: ``resource_id`` after ``user_id`` (2.17.0), ``version`` required (2.23.1),
``pixi_version`` (2.15.0), ``archive_path``/``env_info`` for ``wheel_path``/``pip_freeze``
(2.15.0), the pin dict(s) (2.16.0), the paths' rules (2.18.0) and the unset-field style
(2.25.3). The ``Strict`` form (what the pip endpoint checks) requires ``path``, ``version``,
``venv_path`` and ``python_version``; overriding keeps the parent's field order.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from .._types import DictStrStr, NonEmptyStr
from ..task_group import TaskGroupCreateV2, TaskGroupCreateV2Strict
from .fields import absolute_path_type, unset_field
from .switches import PathRules, PinFields, RecordNames, UnsetFields

__all__ = ["task_group_create_models"]

_MODULE = __name__


class _ForbidExtra(BaseModel):
    """Base of the built task-group models: unknown fields are rejected, as on the server."""

    model_config = ConfigDict(extra="forbid")


@cache
def task_group_create_models(
    names: tuple[str, str],
    origin: type[Enum],
    resource_id: bool,
    version_required: bool,
    pixi_version: bool,
    record_field_names: RecordNames,
    pin_fields: PinFields,
    absolute_path_rules: PathRules,
    unset_fields: UnsetFields,
) -> tuple[type[BaseModel], type[BaseModel]]:
    """``(TaskGroupCreate, TaskGroupCreateStrict)`` of a release; ``names`` are their names."""
    baseline = (
        (TaskGroupCreateV2.__name__, TaskGroupCreateV2Strict.__name__),
        TaskGroupCreateV2.model_fields["origin"].annotation,
        False,
        False,
        False,
        RecordNames.WHEEL_PATH_PIP_FREEZE,
        PinFields.SINGLE,
        PathRules.ABSOLUTE,
        UnsetFields.NONE_DEFAULT,
    )
    given = (
        names,
        origin,
        resource_id,
        version_required,
        pixi_version,
        record_field_names,
        pin_fields,
        absolute_path_rules,
        unset_fields,
    )
    if given == baseline:
        return TaskGroupCreateV2, TaskGroupCreateV2Strict
    path = absolute_path_type(absolute_path_rules)
    optional_string = unset_field(NonEmptyStr, unset_fields)
    optional_path = unset_field(path, unset_fields)
    archive, environment = (
        ("wheel_path", "pip_freeze")
        if record_field_names is RecordNames.WHEEL_PATH_PIP_FREEZE
        else ("archive_path", "env_info")
    )
    pins = (
        ("pinned_package_versions",)
        if pin_fields is PinFields.SINGLE
        else ("pinned_package_versions_pre", "pinned_package_versions_post")
    )
    fields: dict[str, Any] = {"user_id": (int, ...)}
    if resource_id:
        fields["resource_id"] = (int, ...)
    fields |= {
        "user_group_id": (int | None, None),
        "active": (bool, True),
        "origin": (origin, ...),
        "pkg_name": (str, ...),
        "version": (str, ...) if version_required else (str | None, None),
        "python_version": optional_string,
    }
    if pixi_version:
        fields["pixi_version"] = optional_string
    fields |= {
        "path": optional_path,
        "venv_path": optional_path,
        archive: optional_path,
        "pip_extras": optional_string,
        environment: (str | None, None),
        **{pin: (DictStrStr, Field(default_factory=dict)) for pin in pins},
    }
    group = create_model(names[0], __base__=_ForbidExtra, __module__=_MODULE, **fields)
    strict = create_model(
        names[1],
        __base__=group,
        __module__=_MODULE,
        path=(path, ...),
        version=(NonEmptyStr, ...),
        venv_path=(path, ...),
        python_version=(NonEmptyStr, ...),
    )
    return group, strict
