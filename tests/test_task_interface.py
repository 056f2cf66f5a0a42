"""Task output models (spec addendum: fractal-server 2.14.5 ``runner/v2/task_interface.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pytest_taskcollect.schemas import (
    InitTaskOutput,
    SingleImageTaskOutput,
    TaskOutput,
    TaskOutputValidationError,
    cast_and_validate_init_task_output,
    cast_and_validate_task_output,
)


def test_task_output_normalises_urls_and_keys() -> None:
    output = TaskOutput.model_validate(
        {
            "image_list_updates": [
                {
                    "zarr_url": " /data/plate.zarr/A/01/0/../0 ",
                    "origin": "/data/raw.zarr/",
                    "attributes": {" well ": "A01", "z": None},
                    "types": {"3D": False},
                    "ignored": 1,
                }
            ],
            "image_list_removals": ["/data/old.zarr"],
        }
    )
    (image,) = output.image_list_updates
    assert image.zarr_url == "/data/plate.zarr/A/01/0"
    assert image.origin == "/data/raw.zarr"
    assert image.attributes == {"z": None, "well": "A01"}
    assert output.image_list_removals == ["/data/old.zarr"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://bucket/x.zarr", "Value error, S3 handling not implemented yet."),
        ("relative/x.zarr", "Value error, URLs must begin with '/' or 's3'."),
        ("  ", "String should have at least 1 character"),
    ],
)
def test_zarr_urls_must_be_local_absolute_paths(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match="zarr_url") as info:
        SingleImageTaskOutput(zarr_url=url)
    assert info.value.errors()[0]["msg"] == message


@pytest.mark.parametrize(
    "data",
    [
        {"image_list_updates": [], "extra": 1},
        {"parallelization_list": []},
    ],
)
def test_task_output_forbids_extra_keys(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        TaskOutput.model_validate(data)


def test_init_output_items_forbid_extra_keys() -> None:
    InitTaskOutput.model_validate(
        {"parallelization_list": [{"zarr_url": "/a.zarr", "init_args": {"k": 1}}]}
    )
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        InitTaskOutput.model_validate({"parallelization_list": [{"zarr_url": "/a", "x": 1}]})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        InitTaskOutput.model_validate({"image_list_updates": []})


def test_duplicate_zarr_urls_are_reported_one_per_line() -> None:
    data = {
        "image_list_updates": [{"zarr_url": "/a"}, {"zarr_url": "/b"}],
        "image_list_removals": ["/a/", "/b", "/c"],
    }
    output = TaskOutput.model_validate(data)
    with pytest.raises(ValueError, match="has non-unique zarr_urls") as info:
        output.check_zarr_urls_are_unique()
    assert str(info.value) == (
        "TaskOutput (2 image_list_updates and 3 image_list_removals) has non-unique zarr_urls:"
        "\n/a\n/b"
    )
    with pytest.raises(TaskOutputValidationError, match="Validation of task output failed"):
        cast_and_validate_task_output(data)


def test_cast_helpers_wrap_errors_with_the_original_data() -> None:
    with pytest.raises(TaskOutputValidationError) as info:
        cast_and_validate_init_task_output({"parallelization_list": [{"zarr_url": "x"}]})
    message = str(info.value)
    assert message.startswith("Validation of init-task output failed.\nOriginal error: ")
    assert message.endswith("Original data: {'parallelization_list': [{'zarr_url': 'x'}]}.")
    assert cast_and_validate_task_output({}) == TaskOutput()
