"""``TaskCreateV2``: the per-task record fractal-server builds from a manifest entry.

It re-validates, strictly, what ``TaskManifestV2`` accepted loosely (empty category, duplicate
tags, blank type keys, a missing ``args_schema_version``), checks the commands for shell
characters and infers a missing task type. ``TaskCreateBase`` holds the fields and the command
rule of every release (with 2.14.5's field types); ``task_type_setter`` makes the type rule for
a release's ``type`` values (strings in 2.14.5, enum members from 2.14.14).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._missing import is_unset
from ._not_none import NonEmptyStrNotNone
from ._string_tools import validate_cmd
from ._types import DictStrAny, HttpUrlStr, ListUniqueNonEmptyString, NonEmptyStr, TypeFilters
from .manifest import TaskType

__all__ = ["TaskCreateBase", "TaskCreateV2", "infer_task_type", "task_type_setter"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())  # a library: the application decides where this goes


class TaskCreateBase(BaseModel):
    """A task record: the fields of every release, typed as in 2.14.5 (``command_*``,
    ``version`` and ``args_schema_version`` default to ``None`` but reject an explicit
    ``None``), and the command rule."""

    model_config = ConfigDict(extra="forbid")

    name: NonEmptyStr
    command_non_parallel: NonEmptyStrNotNone = None
    command_parallel: NonEmptyStrNotNone = None
    meta_non_parallel: DictStrAny | None = None
    meta_parallel: DictStrAny | None = None
    version: NonEmptyStrNotNone = None
    args_schema_non_parallel: DictStrAny | None = None
    args_schema_parallel: DictStrAny | None = None
    args_schema_version: NonEmptyStrNotNone = None
    docs_info: str | None = None
    docs_link: HttpUrlStr | None = None
    input_types: TypeFilters = Field(default={})  # copied per instance by pydantic
    output_types: TypeFilters = Field(default={})
    category: NonEmptyStr | None = None
    modality: NonEmptyStr | None = None
    tags: ListUniqueNonEmptyString = Field(default_factory=list)
    authors: NonEmptyStr | None = None
    type: TaskType | None = None

    @model_validator(mode="after")
    def validate_commands(self) -> TaskCreateBase:
        """At least one command, and no shell metacharacter in any command.

        A command that was not given is ``None`` (2.14.5) or ``MISSING`` (2.25.3 on).
        """
        parallel, non_parallel = self.command_parallel, self.command_non_parallel
        if is_unset(parallel) and is_unset(non_parallel):
            raise ValueError(
                "Task must have at least one valid command (parallel and/or non_parallel)"
            )
        for command in (parallel, non_parallel):
            if not is_unset(command):
                validate_cmd(cast(str, command))
        return self


def infer_task_type(task: TaskCreateBase, task_type: Callable[[str], Any]) -> None:
    """Set a missing type from the commands, as ``task_type(name)`` (converters are never
    inferred), with the server's deprecation warning."""
    if task.type is None:
        logger.warning(
            "Task type is not set for task '%s', which will be deprecated in a future "
            "version. Please move to `fractal-task-tools`.",
            task.name,
        )
        if is_unset(task.command_non_parallel):
            task.type = task_type("parallel")
        elif is_unset(task.command_parallel):
            task.type = task_type("non_parallel")
        else:
            task.type = task_type("compound")


def task_type_setter(task_type: Callable[[str], Any]) -> Any:
    """``infer_task_type`` as a model validator (for the models ``schemas.releases`` builds)."""

    def set_task_type(self: TaskCreateBase) -> TaskCreateBase:
        infer_task_type(self, task_type)
        return self

    return model_validator(mode="after")(set_task_type)


class TaskCreateV2(TaskCreateBase):
    """A task as fractal-server 2.14.5 creates it (its ``type`` is a plain string)."""

    @model_validator(mode="after")
    def set_task_type(self) -> TaskCreateV2:
        """Infer a missing type from the commands (converters are never inferred)."""
        infer_task_type(self, str)
        return self
