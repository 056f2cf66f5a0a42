"""Every task of the collected mock package, run through its real command line (``run_task``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_taskcollect import fractal_tasks_mock_spec
from pytest_taskcollect.collection import CollectionResult
from pytest_taskcollect.collection.run_task import TaskKind, expects_init_output, run_task
from pytest_taskcollect.schemas import InitTaskOutput, TaskCreateV2, TaskOutput

SAMPLE_BY_TYPE = {
    "string": "x",
    "integer": 1,
    "number": 1.5,
    "boolean": True,
    "array": [],
    "object": {},
}


def sample_args(schema: dict[str, Any] | None, zarr_dir: Path) -> dict[str, Any]:
    """Arguments satisfying ``schema``: the standard Fractal ones plus a value per required one."""
    standard = {
        "zarr_urls": [f"{zarr_dir}/plate.zarr/A/01/0"],
        "zarr_dir": str(zarr_dir),
        "zarr_url": f"{zarr_dir}/plate.zarr/A/01/0",
        "init_args": {},
    }
    properties = (schema or {}).get("properties", {})
    args = {}
    for name in (schema or {}).get("required", []):
        args[name] = standard.get(name, SAMPLE_BY_TYPE.get(properties[name].get("type"), "x"))
    return args


KINDS_BY_TYPE: dict[str, tuple[TaskKind, ...]] = {
    "compound": ("non_parallel", "parallel"),
    "converter_compound": ("non_parallel", "parallel"),
    "parallel": ("parallel",),
    "non_parallel": ("non_parallel",),
    "converter_non_parallel": ("non_parallel",),
}
RUNS = [
    (task.name, kind)
    for task in fractal_tasks_mock_spec().tasks
    for kind in KINDS_BY_TYPE[task.type or "non_parallel"]
]


def _task(result: CollectionResult, name: str) -> TaskCreateV2:
    (task,) = [task for task in result.tasks if task.name == name]
    return task


@pytest.mark.parametrize(("name", "kind"), RUNS, ids=[f"{n}-{k}" for n, k in RUNS])
def test_every_mock_task_runs_and_writes_valid_output(
    fractal_tasks_mock_collection: CollectionResult, name: str, kind: TaskKind, tmp_path: Path
) -> None:
    task = _task(fractal_tasks_mock_collection, name)
    schema = task.args_schema_non_parallel if kind == "non_parallel" else task.args_schema_parallel
    result = run_task(task, args=sample_args(schema, tmp_path), kind=kind, workdir=tmp_path)
    result.raise_for_status()
    if expects_init_output(task, kind):
        assert isinstance(result.output, InitTaskOutput)
        assert result.output.parallelization_list
    else:
        assert isinstance(result.output, TaskOutput)


def test_unexpected_argument_fails_like_a_task_would(
    fractal_tasks_mock_collection: CollectionResult, tmp_path: Path
) -> None:
    task = next(t for t in fractal_tasks_mock_collection.tasks if t.type == "parallel")
    args = sample_args(task.args_schema_parallel, tmp_path) | {"no_such_argument": 1}
    result = run_task(task, args=args, kind="parallel", workdir=tmp_path)
    assert result.failure == "exit"
    assert "no_such_argument" in result.stderr_tail()
