"""Manifest and task-record models per release.

The manifest rules never changed; its ``type`` did (a ``Literal`` in 2.14.5, the ``TaskType``
enum from 2.14.14). ``TaskCreate`` follows the same ``type`` change, makes ``version`` required
in 2.23.1 and switches its unset commands and ``args_schema_version`` to pydantic's ``MISSING``
in 2.25.3. Builders are cached and return the 2.14.5 classes for 2.14.5's values.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import create_model

from .._not_none import NonEmptyStrNotNone
from .._types import NonEmptyStr
from ..manifest import ManifestBase, ManifestV2, TaskManifestBase, TaskManifestV2
from ..task import TaskCreateBase, TaskCreateV2, task_type_setter
from .enums import task_type
from .fields import unset_field
from .switches import UnsetFields

__all__ = ["manifest_models", "task_create_model"]

_MODULE = __name__


@cache
def manifest_models(task_type_enum: bool) -> tuple[type[TaskManifestBase], type[ManifestBase]]:
    """``(TaskManifestV2, ManifestV2)`` with the release's ``type`` (the names never changed)."""
    if not task_type_enum:
        return TaskManifestV2, ManifestV2
    task = create_model(
        TaskManifestV2.__name__,
        __base__=TaskManifestBase,
        __module__=_MODULE,
        type=(task_type(True) | None, None),
    )
    manifest = create_model(
        ManifestV2.__name__, __base__=ManifestBase, __module__=_MODULE, task_list=(list[task], ...)
    )
    return task, manifest


@cache
def task_create_model(
    name: str, task_type_enum: bool, version_required: bool, unset_fields: UnsetFields
) -> type[TaskCreateBase]:
    """``TaskCreate[V2]`` with the release's ``type``, ``version`` and unset-field style."""
    baseline = (TaskCreateV2.__name__, False, False, UnsetFields.NONE_DEFAULT)
    if (name, task_type_enum, version_required, unset_fields) == baseline:
        return TaskCreateV2
    kind = task_type(task_type_enum)
    optional_string = unset_field(NonEmptyStr, unset_fields)
    fields: dict[str, Any] = {
        "command_non_parallel": optional_string,
        "command_parallel": optional_string,
        "version": (NonEmptyStr, ...) if version_required else (NonEmptyStrNotNone, None),
        "args_schema_version": optional_string,
        "type": (kind | None, None),
    }
    validators = {"set_task_type": task_type_setter(kind if task_type_enum else str)}
    return create_model(
        name, __base__=TaskCreateBase, __module__=_MODULE, __validators__=validators, **fields
    )
