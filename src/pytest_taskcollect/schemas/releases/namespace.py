"""``ReleaseSchemas``: one release's models, under that release's names and by role.

``release_schemas(switches)`` assembles the namespace from the cached builders, so a class is
built once per distinct combination of the switches it depends on and shared by every release
that agrees. 2.14.5's namespace is ``pytest_taskcollect.schemas`` itself: the same objects
under exactly the names that package exports.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from types import MappingProxyType, ModuleType
from typing import Any

from pydantic import BaseModel

from .. import _string_tools, _types
from .enums import group_enum, origins, task_type
from .fields import absolute_path_type, python_version_type, release_name
from .requests import custom_request_model, pip_request_model, uploaded_file_model
from .switches import SchemaSwitches
from .task_groups import task_group_create_models
from .tasks import manifest_models, task_create_model

__all__ = ["ReleaseSchemas", "release_schemas"]

_SHARED_TYPES = (
    "DictStrAny",
    "DictStrStr",
    "HttpUrlStr",
    "ListUniqueNonEmptyString",
    "NonEmptyStr",
    "TypeFilters",
)
"""Types that are the same in every release."""
_ACTIVITY_STATUSES = ("pending", "ongoing", "failed", "OK")
_MODEL_ROLES = (
    "pip_request",
    "custom_request",
    "uploaded_file",
    "manifest",
    "task_manifest",
    "task_create",
    "task_group_create",
    "task_group_create_strict",
    "origin_enum",
    "activity_status_enum",
    "activity_action_enum",
)
"""The roles whose objects are named by the release (models and enums)."""
_BASELINE: ModuleType = importlib.import_module("..", __package__)
"""``pytest_taskcollect.schemas``: 2.14.5's namespace."""


@dataclass(frozen=True)
class ReleaseSchemas:
    """The schema models of one fractal-server release.

    Two ways in: by role, typed and the same attribute in every release
    (``schemas.pip_request``, ``schemas.task_create``...), or by the release's own name
    (``schemas.TaskCollectPipV2`` for 2.14.5, ``schemas.TaskCollectPip`` from 2.18.0), as in
    ``names``. Task-output models (``TaskOutput``...) are only in 2.14.5's namespace: they are
    checked against 2.14.5 alone.
    """

    switches: SchemaSwitches
    pip_request: type[BaseModel]
    custom_request: type[BaseModel]
    uploaded_file: type[BaseModel]
    manifest: type[BaseModel]
    task_manifest: type[BaseModel]
    task_create: type[BaseModel]
    task_group_create: type[BaseModel]
    task_group_create_strict: type[BaseModel]
    origin_enum: type[Enum]
    activity_status_enum: type[Enum]
    activity_action_enum: type[Enum]
    task_type: Any
    """The task-type annotation: a ``Literal`` until 2.14.13, the ``TaskType`` enum after."""
    python_version: Any
    """The ``PythonVersion`` Literal: the versions a request may name."""
    absolute_path_str: Any
    """The ``AbsolutePathStr`` annotated type."""
    names: Mapping[str, Any] = field(repr=False)
    """Every public name of the release's schema namespace, mapped to its object."""

    def __getattr__(self, name: str) -> Any:
        """A model or type by the release's own name (``TaskCollectPip``...)."""
        if name.startswith("__") or name == "names":
            raise AttributeError(name)
        try:
            return self.names[name]
        except KeyError:
            raise AttributeError(
                f"{name!r} is not a schema name of this release; its names are: "
                f"{', '.join(sorted(self.names))}"
            ) from None

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.names})


@cache
def release_schemas(switches: SchemaSwitches) -> ReleaseSchemas:
    """The namespace of the release(s) with these schema switches (built once, then cached)."""
    sw = switches
    v2 = sw.schema_names_v2_suffix
    task_manifest, manifest = manifest_models(sw.task_type_enum)
    origin = group_enum(
        release_name("TaskGroup{V2}OriginEnum", v2), origins(sw.pixi_collection), sw.str_enums
    )
    group, strict = task_group_create_models(
        (release_name("TaskGroupCreate{V2}", v2), release_name("TaskGroupCreate{V2}Strict", v2)),
        origin,
        sw.task_group_resource_id,
        sw.version_required,
        sw.pixi_collection,
        sw.record_field_names,
        sw.pin_fields,
        sw.absolute_path_rules,
        sw.unset_fields,
    )
    parts: dict[str, Any] = {
        "pip_request": pip_request_model(
            release_name("TaskCollectPip{V2}", v2),
            sw.pin_fields,
            sw.pin_key_allowed_chars,
            sw.python_versions,
        ),
        "custom_request": custom_request_model(
            release_name("TaskCollectCustom{V2}", v2),
            manifest,
            sw.absolute_path_rules,
            sw.version_required,
        ),
        "uploaded_file": uploaded_file_model(sw.uploaded_file_model),
        "manifest": manifest,
        "task_manifest": task_manifest,
        "task_create": task_create_model(
            release_name("TaskCreate{V2}", v2),
            sw.task_type_enum,
            sw.version_required,
            sw.unset_fields,
        ),
        "task_group_create": group,
        "task_group_create_strict": strict,
        "origin_enum": origin,
        "activity_status_enum": group_enum(
            release_name("TaskGroupActivityStatus{V2}", v2), _ACTIVITY_STATUSES, sw.str_enums
        ),
        "activity_action_enum": group_enum(
            release_name("TaskGroupActivityAction{V2}", v2), sw.activity_actions, sw.str_enums
        ),
        "task_type": task_type(sw.task_type_enum),
        "python_version": python_version_type(sw.python_versions),
        "absolute_path_str": absolute_path_type(sw.absolute_path_rules),
    }
    return ReleaseSchemas(switches=sw, names=MappingProxyType(_names(parts)), **parts)


def _names(parts: dict[str, Any]) -> dict[str, Any]:
    """The release's public names: 2.14.5's exports, or the release's models and types."""
    models = [parts[role] for role in _MODEL_ROLES]
    baseline = [getattr(_BASELINE, model.__name__, None) for model in models]
    if baseline == models and parts["python_version"] is _BASELINE.PythonVersion:
        return {name: getattr(_BASELINE, name) for name in _BASELINE.__all__}
    names: dict[str, Any] = {model.__name__: model for model in models}
    names |= {name: getattr(_types, name) for name in _SHARED_TYPES}
    names |= {
        "AbsolutePathStr": parts["absolute_path_str"],
        "PythonVersion": parts["python_version"],
        "TaskType": parts["task_type"],
        "NOT_ALLOWED_FOR_COMMANDS": _string_tools.NOT_ALLOWED_FOR_COMMANDS,
        "validate_cmd": _string_tools.validate_cmd,
    }
    return dict(sorted(names.items()))
