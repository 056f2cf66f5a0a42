"""``__FRACTAL_MANIFEST__.json`` models: ``ManifestV2`` and its ``TaskManifestV2`` entries.

Neither model forbids extra keys (the server ignores unknown manifest keys), task names are
plain strings compared raw, and the executable/meta/args-schema rules run in the server's order.
The rules are the same in every release; only the type of ``type`` changes (a ``Literal`` in
2.14.5, an enum from 2.14.14), so the ``*Base`` classes hold the rest and ``schemas.releases``
derives the later releases' models from them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ._types import DictStrAny, HttpUrlStr, NonEmptyStr

__all__ = ["ManifestBase", "ManifestV2", "TaskManifestBase", "TaskManifestV2", "TaskType"]

TaskType = Literal[
    "compound", "converter_compound", "non_parallel", "converter_non_parallel", "parallel"
]
"""The five task types a manifest (and a task) may declare."""


class TaskManifestBase(BaseModel):
    """One task of a manifest: every field but ``type``, and the rules of every release."""

    name: str
    executable_non_parallel: str | None = None
    executable_parallel: str | None = None
    input_types: dict[str, bool] = Field(default_factory=dict)
    output_types: dict[str, bool] = Field(default_factory=dict)
    meta_non_parallel: DictStrAny = Field(default_factory=dict)
    meta_parallel: DictStrAny = Field(default_factory=dict)
    args_schema_non_parallel: DictStrAny | None = None
    args_schema_parallel: DictStrAny | None = None
    docs_info: str | None = None
    docs_link: HttpUrlStr | None = None
    category: str | None = None
    modality: str | None = None
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def validate_executable_args_meta(self) -> TaskManifestBase:
        """A task needs an executable; a missing executable allows no meta and no args schema.

        The branches are exclusive, as on the server: only one side is ever checked.
        """
        if self.executable_non_parallel is None and self.executable_parallel is None:
            raise ValueError(
                "`TaskManifestV2.executable_non_parallel` and "
                "`TaskManifestV2.executable_parallel` cannot be both None."
            )
        if self.executable_non_parallel is None:
            _check_unused_side(
                self.meta_non_parallel, self.args_schema_non_parallel, "non_parallel"
            )
        elif self.executable_parallel is None:
            _check_unused_side(self.meta_parallel, self.args_schema_parallel, "parallel")
        return self


def _check_unused_side(meta: dict[str, Any], args_schema: dict[str, Any] | None, side: str) -> None:
    """Reject meta or an args schema on the side of a task that has no executable."""
    if meta != {}:
        raise ValueError(
            f"`TaskManifestV2.meta_{side}` must be an empty dict if "
            f"`TaskManifestV2.executable_{side}` is None. Given: {meta}."
        )
    if args_schema is not None:
        raise ValueError(
            f"`TaskManifestV2.args_schema_{side}` must be None if "
            f"`TaskManifestV2.executable_{side}` is None. Given: {args_schema}."
        )


class TaskManifestV2(TaskManifestBase):
    """One task of a manifest, as fractal-server 2.14.5 validates it (``type`` a Literal)."""

    type: TaskType | None = None


class ManifestBase(BaseModel):
    """A whole task-package manifest (``manifest_version`` must be the string ``"2"``).

    ``task_list`` holds 2.14.5's task model; later releases override it with theirs.
    """

    manifest_version: Literal["2"]
    task_list: list[TaskManifestV2]
    has_args_schemas: bool = False
    args_schema_version: str | None = None
    authors: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _check_args_schemas_are_present(self) -> ManifestBase:
        """With ``has_args_schemas``, every executable needs its args schema."""
        has_args_schemas = self.has_args_schemas
        if has_args_schemas is True:
            for task in self.task_list:
                if task.executable_parallel is not None and task.args_schema_parallel is None:
                    raise ValueError(
                        f"Manifest has {has_args_schemas=}, but task '{task.name}' has "
                        f"{task.args_schema_parallel=}."
                    )
                if (
                    task.executable_non_parallel is not None
                    and task.args_schema_non_parallel is None
                ):
                    raise ValueError(
                        f"Manifest has {has_args_schemas=}, but task '{task.name}' has "
                        f"{task.args_schema_non_parallel=}."
                    )
        return self

    @model_validator(mode="after")
    def _unique_task_names(self) -> ManifestBase:
        """Task names must be unique, compared raw (``" a"`` and ``"a"`` are different here).

        The server raises with a tuple argument, so the message is the tuple's repr.
        """
        names = [task.name for task in self.task_list]
        if len(set(names)) != len(names):
            raise ValueError("Task names in manifest must be unique.\n", f"Given: {names}.")
        return self


class ManifestV2(ManifestBase):
    """A manifest as fractal-server 2.14.5 validates it."""
