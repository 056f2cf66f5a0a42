"""``TaskSpec`` / ``TaskPackageSpec``: derived defaults, validation, immutability, content hash."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from typing import Any, get_args

import pytest

from pytest_taskcollect import (
    PATCH_DELETE,
    FrozenMap,
    TaskArg,
    TaskPackageSpec,
    TaskSpec,
    fractal_tasks_mock_spec,
    schemas,
)
from pytest_taskcollect.factory.spec import TaskType, freeze, thaw


def test_task_type_literal_matches_the_schema_models() -> None:
    assert get_args(TaskType) == get_args(schemas.TaskType)


@pytest.mark.parametrize(
    ("task_type", "non_parallel", "parallel"),
    [
        ("non_parallel", "my_task.py", None),
        ("converter_non_parallel", "my_task.py", None),
        ("parallel", None, "my_task.py"),
        ("compound", "my_task_init.py", "my_task_compute.py"),
        ("converter_compound", "my_task_init.py", "my_task_compute.py"),
    ],
)
def test_executables_are_derived_from_the_type(
    task_type: Any, non_parallel: str | None, parallel: str | None
) -> None:
    task = TaskSpec("My Task", type=task_type)
    assert (task.executable_non_parallel, task.executable_parallel) == (non_parallel, parallel)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": None}, "has no type and no executable"),
        ({"type": "sequential"}, "Unknown task type"),
        ({"type": "parallel", "args_non_parallel": (TaskArg("x"),)}, "without that executable"),
        ({"executable_parallel": "../escape.py"}, "relative path inside the package"),
        ({"executable_parallel": "/abs/task.py"}, "relative path inside the package"),
    ],
)
def test_invalid_task_specs_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TaskSpec("t", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": " "}, "needs a distribution name"),
        ({"import_name": "not-an-identifier"}, "must be an identifier"),
        ({"extra_files": {"../x.txt": ""}}, "relative path inside the package"),
        ({"wheel_filename": "x.tar.gz"}, "must be a \\*.whl file name"),
    ],
)
def test_invalid_package_specs_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TaskPackageSpec(**{"name": "pkg", **kwargs})


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="cannot have a default"):
        TaskArg("x", required=True, default=1)
    with pytest.raises(ValueError, match="Only array arguments have items"):
        TaskArg("x", "string", items="string")


def test_import_package_defaults_to_the_servers_package_root_name() -> None:
    assert TaskPackageSpec("FrAcTaL-TaSkS.NoN__CaNoNiCaL").import_package == (
        "fractal_tasks_non_canonical"
    )
    renamed = dataclasses.replace(TaskPackageSpec("a-b", import_name="lib"), name="c-d")
    assert renamed.import_package == "lib"
    assert dataclasses.replace(TaskPackageSpec("a-b"), name="c-d").import_package == "c_d"


def test_specs_are_frozen_and_hashable() -> None:
    spec = TaskPackageSpec(
        "pkg",
        tasks=[TaskSpec("t", meta_non_parallel={"cpus": 2, "nested": {"a": [1, 2]}}, tags=["x"])],  # type: ignore[arg-type]
        extras={"my_extra": ["dep"]},  # type: ignore[dict-item]
        manifest_patch={"/authors": PATCH_DELETE},
    )
    assert isinstance(spec.tasks, tuple)
    assert spec.tasks[0].tags == ("x",)
    assert isinstance(spec.tasks[0].meta_non_parallel, FrozenMap)
    assert spec.tasks[0].meta_non_parallel["nested"]["a"] == (1, 2)
    assert spec.extras["my_extra"] == ("dep",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.version = "2"  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.tasks[0].meta_non_parallel["cpus"] = 3  # type: ignore[index]
    assert {spec: 1}[spec] == 1


def test_equal_content_means_equal_specs_and_hashes() -> None:
    first = TaskPackageSpec("pkg", tasks=(TaskSpec("t", meta_parallel={"a": 1, "b": 2}),))
    second = TaskPackageSpec("pkg", tasks=(TaskSpec("t", meta_parallel={"b": 2, "a": 1}),))
    assert first == second
    assert hash(first) == hash(second)
    assert first.content_hash() == second.content_hash()


@pytest.mark.parametrize(
    "change",
    [
        {"version": "0.0.2"},
        {"name": "fractal-tasks-other"},
        {"extras": {"my_extra": (), "other": ()}},
        {"manifest_patch": {"/manifest_version": "1"}},
        {"manifest_patch": {"/manifest_version": PATCH_DELETE}},
        {"layout": "flat"},
        {"has_args_schemas": False},
    ],
)
def test_content_hash_changes_with_the_content(change: dict[str, Any]) -> None:
    spec = fractal_tasks_mock_spec()
    assert dataclasses.replace(spec, **change).content_hash() != spec.content_hash()


def test_content_hash_is_stable_across_processes() -> None:
    """Unlike ``hash()``, the digest does not depend on the process's hash seed."""
    code = "from pytest_taskcollect import fractal_tasks_mock_spec as s; print(s().content_hash())"
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert digests == {fractal_tasks_mock_spec().content_hash()}


def test_freeze_and_thaw_round_trip_json_data() -> None:
    data = {"a": [1, {"b": None}], "c": "d", "e": 1.5, "f": True}
    frozen = freeze(data)
    assert isinstance(frozen, FrozenMap)
    assert thaw(frozen) == data
    with pytest.raises(TypeError, match="Cannot freeze set"):
        freeze({1, 2})
    with pytest.raises(TypeError, match="keys must be strings"):
        FrozenMap({1: "x"})  # type: ignore[arg-type]
