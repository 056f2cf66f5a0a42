"""The task-group record of each release, and the log lines that dump it.

``task_group_record_model(profile)`` is the ``TaskGroupRecord`` subclass holding that
release's ``TaskGroupV2`` columns (``profile.task_group_columns``, in model order) minus the
database's bookkeeping: 2.14.5's is ``CollectedTaskGroup`` itself; releases with the same
columns share one model. ``dump_lines`` gives the ``task_group.<key>: <value>`` lines the
background task logs first, in the release's style (``task_group_log_dump``), bookkeeping
included.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

from pydantic import Field, create_model

from ..profiles import ServerProfile
from ..profiles.switches import LogDump
from ..schemas.releases import RecordNames
from .result import CollectedTaskGroup, TaskGroupRecord

__all__ = [
    "BOOKKEEPING_COLUMNS",
    "archive_field",
    "dump_lines",
    "environment_field",
    "task_group_record_model",
]

BOOKKEEPING_COLUMNS = ("id", "user_group_id", "timestamp_created", "timestamp_last_used")
"""Columns the database fills in; they have no counterpart in a collection result."""

_FIELDS: dict[str, tuple[Any, Any]] = {
    "user_id": (int, ...),
    "resource_id": (int, ...),
    "pkg_name": (str, ...),
    "version": (str | None, None),
    "python_version": (str | None, None),
    "pixi_version": (str | None, None),
    "path": (str | None, None),
    "venv_path": (str | None, None),
    "wheel_path": (str | None, None),
    "archive_path": (str | None, None),
    "pip_extras": (str | None, None),
    "pinned_package_versions": (dict[str, str], Field(default_factory=dict)),
    "pinned_package_versions_pre": (dict[str, str], Field(default_factory=dict)),
    "pinned_package_versions_post": (dict[str, str], Field(default_factory=dict)),
    "pip_freeze": (str | None, None),
    "env_info": (str | None, None),
    "venv_size_in_kB": (int | None, None),
    "venv_file_number": (int | None, None),
    "active": (bool, True),
}
"""Type and default of every non-bookkeeping column any release has (``origin`` aside)."""

_ENVIRONMENT_COLUMNS = ("pip_freeze", "env_info")


@cache
def _record_model(columns: tuple[str, ...], origin: type[Enum]) -> type[TaskGroupRecord]:
    if columns == tuple(CollectedTaskGroup.model_fields) and origin is _origin_of_baseline():
        return CollectedTaskGroup
    fields: dict[str, Any] = {
        column: (origin, ...) if column == "origin" else _FIELDS[column] for column in columns
    }
    model: type[TaskGroupRecord] = create_model(
        "CollectedTaskGroup", __base__=TaskGroupRecord, __module__=__name__, **fields
    )
    return model


def archive_field(profile: ServerProfile) -> str:
    """The column of the uploaded file's path: ``wheel_path``, ``archive_path`` from 2.15.0."""
    if profile.record_field_names is RecordNames.WHEEL_PATH_PIP_FREEZE:
        return "wheel_path"
    return "archive_path"


def environment_field(profile: ServerProfile) -> str:
    """The column of the environment's freeze: ``pip_freeze``, ``env_info`` from 2.15.0."""
    if profile.record_field_names is RecordNames.WHEEL_PATH_PIP_FREEZE:
        return "pip_freeze"
    return "env_info"


def _origin_of_baseline() -> Any:
    return CollectedTaskGroup.model_fields["origin"].annotation


def task_group_record_model(profile: ServerProfile) -> type[TaskGroupRecord]:
    """The record model of ``profile``'s release (cached; 2.14.5: ``CollectedTaskGroup``)."""
    columns = tuple(c for c in profile.task_group_columns if c not in BOOKKEEPING_COLUMNS)
    return _record_model(columns, profile.schemas.origin_enum)


def dump_lines(
    profile: ServerProfile,
    record: TaskGroupRecord,
    *,
    task_group_id: int,
    timestamp: datetime,
) -> list[str]:
    """The ``task_group.<key>: <value>`` debug lines of the release: every column in model
    order (2.14.5), ``env_info`` left out (2.15.0), then also sorted by name (2.16.0)."""
    values = record.model_dump()
    bookkeeping = {
        "id": task_group_id,
        "user_group_id": None,
        "timestamp_created": timestamp,
        "timestamp_last_used": timestamp,
    }
    row = {
        column: bookkeeping[column] if column in bookkeeping else values.get(column)
        for column in profile.task_group_columns
    }
    style = profile.task_group_log_dump
    if style is not LogDump.MODEL_ORDER:
        row.pop("env_info", None)
    keys = sorted(row) if style is LogDump.SORTED_WITHOUT_ENV_INFO else list(row)
    return [f"task_group.{key}: {_shown(row[key])}" for key in keys]


def _shown(value: object) -> str:
    """A value as the server's f-string shows it (an enum member by its value)."""
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)
