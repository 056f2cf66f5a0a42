"""Generated manifests and args schemas, validated with the server's own models."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest

from pytest_taskcollect import (
    PATCH_DELETE,
    ManifestV2,
    TaskArg,
    TaskPackageSpec,
    TaskSpec,
    fractal_tasks_mock_spec,
)
from pytest_taskcollect.collection import prepare_tasks_metadata
from pytest_taskcollect.factory.manifest import args_schema, generate_manifest, manifest_text
from pytest_taskcollect.factory.spec import TaskType


def test_mock_manifest_is_valid_and_complete() -> None:
    raw = generate_manifest(fractal_tasks_mock_spec())
    manifest = ManifestV2(**raw)
    assert manifest.manifest_version == "2"
    assert manifest.has_args_schemas is True
    assert manifest.args_schema_version == "pydantic_v2"
    assert manifest.authors == "name1 surname1, name2 surname2"
    assert len(manifest.task_list) == 16
    assert {task.type for task in manifest.task_list} == set(get_args(TaskType))
    first = manifest.task_list[0]
    assert (first.meta_non_parallel, first.meta_parallel) == (
        {"key1": "value1"},
        {"key2": "value2"},
    )
    assert (first.category, first.modality, first.tags) == (
        "Conversion",
        "HCS",
        ["Yokogawa", "Cellvoyager"],
    )
    mip = next(task for task in manifest.task_list if task.name == "MIP_compound")
    assert (mip.input_types, mip.output_types) == ({"3D": True}, {"3D": False})
    tasks = prepare_tasks_metadata(
        package_manifest=manifest,
        python_bin=Path("/venv/bin/python"),
        package_root=Path("/site/fractal_tasks_mock"),
        package_version="0.0.1",
    )
    assert (
        tasks[0].command_parallel
        == "/venv/bin/python /site/fractal_tasks_mock/fill_cellvoyager_ome_zarr.py"
    )
    assert {task.args_schema_version for task in tasks} == {"pydantic_v2"}


def test_converter_non_parallel_type_is_written() -> None:
    spec = TaskPackageSpec("p", tasks=(TaskSpec("c", type="converter_non_parallel"),))
    (task,) = ManifestV2(**generate_manifest(spec)).task_list
    assert task.type == "converter_non_parallel"
    assert list(task.args_schema_non_parallel["properties"]) == ["zarr_dir"]  # type: ignore[index]


def test_args_schema_has_the_pydantic_v2_shape() -> None:
    task = TaskSpec(
        "threshold_segmentation",
        type="parallel",
        args_parallel=(
            TaskArg("threshold", "integer", required=True, description="Threshold value."),
            TaskArg("min_size", "integer", default=50),
            TaskArg("label_name"),
            TaskArg("channels", "array", items="string", default=["DAPI"]),
        ),
    )
    assert args_schema(task, "parallel") == {
        "additionalProperties": False,
        "properties": {
            "zarr_url": {
                "title": "Zarr Url",
                "type": "string",
                "description": "Path or url to the individual OME-Zarr image to be processed.",
            },
            "threshold": {
                "title": "Threshold",
                "type": "integer",
                "description": "Threshold value.",
            },
            "min_size": {"default": 50, "title": "Min Size", "type": "integer"},
            "label_name": {"title": "Label Name", "type": "string"},
            "channels": {
                "default": ["DAPI"],
                "items": {"type": "string"},
                "title": "Channels",
                "type": "array",
            },
        },
        "required": ["zarr_url", "threshold"],
        "type": "object",
        "title": "ThresholdSegmentation",
    }


def test_compound_compute_schema_takes_init_args() -> None:
    schema = args_schema(TaskSpec("c", type="compound"), "parallel")
    assert schema["required"] == ["zarr_url", "init_args"]
    assert schema["properties"]["init_args"]["type"] == "object"


def test_declaring_a_standard_argument_is_an_error() -> None:
    with pytest.raises(ValueError, match="declares arguments twice: \\['zarr_url'\\]"):
        args_schema(
            TaskSpec("p", type="parallel", args_parallel=(TaskArg("zarr_url"),)), "parallel"
        )


def test_optional_keys_are_left_out_and_schemas_follow_the_flags() -> None:
    spec = TaskPackageSpec(
        "p",
        tasks=(TaskSpec("t", executable_non_parallel="t.py", type=None),),
        has_args_schemas=False,
        args_schema_version=None,
    )
    assert generate_manifest(spec) == {
        "manifest_version": "2",
        "task_list": [{"name": "t", "executable_non_parallel": "t.py"}],
        "has_args_schemas": False,
    }


@pytest.mark.parametrize(
    ("patch", "edit"),
    [
        ({"/manifest_version": "9999"}, lambda m: m.update(manifest_version="9999")),
        ({"/has_args_schemas": PATCH_DELETE}, lambda m: m.pop("has_args_schemas")),
        (
            {"/task_list/0/docs_link": "x.org"},
            lambda m: m["task_list"][0].update(docs_link="x.org"),
        ),
        ({"/task_list/-": {"name": "extra"}}, lambda m: m["task_list"].append({"name": "extra"})),
        ({"/task_list/0": PATCH_DELETE}, lambda m: m["task_list"].pop(0)),
        ({"/a~1b~0c": [1]}, lambda m: m.update({"a/b~c": [1]})),
    ],
)
def test_manifest_patch(patch: dict[str, Any], edit: Callable[[dict[str, Any]], object]) -> None:
    spec = TaskPackageSpec("p", tasks=(TaskSpec("t"),))
    expected = generate_manifest(spec)
    edit(expected)
    assert generate_manifest(dataclasses.replace(spec, manifest_patch=patch)) == expected


def test_whole_manifest_replacement_and_bad_pointers() -> None:
    replaced = TaskPackageSpec(
        "p", manifest_patch={"": {"manifest_version": "9999", "task_list": []}}
    )
    assert generate_manifest(replaced) == {"manifest_version": "9999", "task_list": []}
    for patch in ({"/nope/x": 1}, {"task_list": 1}, {"/task_list/7": 1}):
        with pytest.raises(ValueError, match="Manifest patch"):
            generate_manifest(TaskPackageSpec("p", manifest_patch=patch))


def test_manifest_text_is_what_fractal_manifest_create_writes() -> None:
    assert manifest_text({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}\n'
