"""What a task writes to its ``--out-json`` file, as fractal-server 2.14.5's runner validates it.

A parallel or non-parallel task returns a ``TaskOutput`` (image-list updates and removals); the
non-parallel (init) part of a compound task returns an ``InitTaskOutput`` (the parallelization
list). A task that writes no file has no output, which the runner treats as an empty
``TaskOutput``. Models follow ``fractal_server/app/runner/v2/task_interface.py``.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ._types import NonEmptyStr, valdict_keys

__all__ = [
    "ImageAttributesWithNone",
    "ImageTypes",
    "InitArgsModel",
    "InitTaskOutput",
    "SingleImageTaskOutput",
    "TaskOutput",
    "TaskOutputValidationError",
    "ZarrDirStr",
    "ZarrUrlStr",
    "cast_and_validate_init_task_output",
    "cast_and_validate_task_output",
    "normalize_url",
]


def normalize_url(url: str) -> str:
    """Accept local absolute paths (normalised); S3 and anything else are rejected."""
    url = url.strip()
    if url.startswith("/"):
        return os.path.normpath(url)
    if url.startswith("s3"):
        raise ValueError("S3 handling not implemented yet.")
    raise ValueError("URLs must begin with '/' or 's3'.")


ZarrUrlStr = Annotated[NonEmptyStr, AfterValidator(normalize_url)]
"""The URL of one OME-Zarr image: a local absolute path, normalised."""

ZarrDirStr = Annotated[NonEmptyStr, AfterValidator(normalize_url)]
"""The URL of an OME-Zarr folder: a local absolute path, normalised."""

ImageAttributesWithNone = Annotated[
    dict[str, int | float | str | bool | None], AfterValidator(valdict_keys)
]
"""Image attributes to set (``None`` unsets one); keys stripped, non-blank, unique."""

ImageTypes = Annotated[dict[str, bool], AfterValidator(valdict_keys)]
"""Image types to set; keys stripped, non-blank, unique."""


class SingleImageTaskOutput(BaseModel):
    """One image a task created or changed (unknown keys are ignored)."""

    zarr_url: ZarrUrlStr
    origin: ZarrDirStr | None = None
    attributes: ImageAttributesWithNone = Field(default_factory=dict)
    types: ImageTypes = Field(default_factory=dict)


class TaskOutput(BaseModel):
    """The output of a parallel or non-parallel task."""

    model_config = ConfigDict(extra="forbid")

    image_list_updates: list[SingleImageTaskOutput] = Field(default_factory=list)
    image_list_removals: list[ZarrUrlStr] = Field(default_factory=list)

    def check_zarr_urls_are_unique(self) -> None:
        """Reject an output that updates or removes the same image twice.

        The runner calls this after validation; the message lists each repeated URL.
        """
        zarr_urls = [image.zarr_url for image in self.image_list_updates]
        zarr_urls.extend(self.image_list_removals)
        duplicates = [url for url in dict.fromkeys(zarr_urls) if zarr_urls.count(url) > 1]
        if duplicates:
            message = (
                f"TaskOutput ({len(self.image_list_updates)} image_list_updates and "
                f"{len(self.image_list_removals)} image_list_removals) has non-unique zarr_urls:"
            )
            raise ValueError("\n".join([message, *duplicates]))


class InitArgsModel(BaseModel):
    """One unit of parallel work planned by an init task."""

    model_config = ConfigDict(extra="forbid")

    zarr_url: ZarrUrlStr
    init_args: dict[str, Any] = Field(default_factory=dict)


class InitTaskOutput(BaseModel):
    """The output of the init (non-parallel) part of a compound task."""

    model_config = ConfigDict(extra="forbid")

    parallelization_list: list[InitArgsModel] = Field(default_factory=list)


class TaskOutputValidationError(ValueError):
    """A task's output failed validation (the server's wording, original error and data)."""


def cast_and_validate_task_output(task_output: dict[str, Any]) -> TaskOutput:
    """Validate a task's output dict, including the unique-URL check."""
    try:
        output = TaskOutput(**task_output)
        output.check_zarr_urls_are_unique()
    except (ValidationError, ValueError) as error:
        raise TaskOutputValidationError(
            "Validation of task output failed.\n"
            f"Original error: {error}\n"
            f"Original data: {task_output}."
        ) from error
    return output


def cast_and_validate_init_task_output(init_task_output: dict[str, Any]) -> InitTaskOutput:
    """Validate an init task's output dict."""
    try:
        return InitTaskOutput(**init_task_output)
    except ValidationError as error:
        raise TaskOutputValidationError(
            "Validation of init-task output failed.\n"
            f"Original error: {error}\n"
            f"Original data: {init_task_output}."
        ) from error
