"""``TaskCreateV2``: the per-task record fractal-server builds from a manifest entry.

It re-validates, strictly, what ``TaskManifestV2`` accepted loosely (empty category, duplicate
tags, blank type keys, a missing ``args_schema_version``), checks the commands for shell
characters and infers a missing task type.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._not_none import NonEmptyStrNotNone
from ._string_tools import validate_cmd
from ._types import DictStrAny, HttpUrlStr, ListUniqueNonEmptyString, NonEmptyStr, TypeFilters
from .manifest import TaskType

__all__ = ["TaskCreateV2"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())  # a library: the application decides where this goes


class TaskCreateV2(BaseModel):
    """A task as fractal-server 2.14.5 creates it (``command_*``, ``version`` and
    ``args_schema_version`` default to ``None`` but reject an explicit ``None``)."""

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
    def validate_commands(self) -> TaskCreateV2:
        """At least one command, and no shell metacharacter in any command."""
        if self.command_parallel is None and self.command_non_parallel is None:
            raise ValueError(
                "Task must have at least one valid command (parallel and/or non_parallel)"
            )
        if self.command_parallel is not None:
            validate_cmd(self.command_parallel)
        if self.command_non_parallel is not None:
            validate_cmd(self.command_non_parallel)
        return self

    @model_validator(mode="after")
    def set_task_type(self) -> TaskCreateV2:
        """Infer a missing type from the commands (converters are never inferred)."""
        if self.type is None:
            logger.warning(
                "Task type is not set for task '%s', which will be deprecated in a future "
                "version. Please move to `fractal-task-tools`.",
                self.name,
            )
            if self.command_non_parallel is None:
                self.type = "parallel"
            elif self.command_parallel is None:
                self.type = "non_parallel"
            else:
                self.type = "compound"
        return self
