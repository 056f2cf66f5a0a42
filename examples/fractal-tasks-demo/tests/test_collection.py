"""fractal-server 2.14.5 collects this package: its wheel is collectable, the pip path turns it
into the expected tasks, and the collected tasks run through their real command lines
(``<venv python> <package_root>/<executable> --args-json A --out-json B``), chained the way a
workflow would run them."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_taskcollect import (
    assert_collection_ok,
    assert_task_output,
    assert_wheel_collectable,
    run_task,
)

TASKS = [
    ("Create Demo Zarr", "converter_non_parallel"),
    ("Threshold Image", "parallel"),
    ("Measure Features", "compound"),
]


def test_wheel_is_collectable(project_wheel: Path) -> None:
    assert project_wheel.name == "fractal_tasks_demo-0.1.0-py3-none-any.whl"
    report = assert_wheel_collectable(project_wheel)  # static: manifest, executables, tasks
    assert [(task.name, task.type) for task in report.tasks] == TASKS


def test_collected_tasks_run_as_a_workflow(project_wheel, collect_pip, tmp_path: Path) -> None:
    result = collect_pip(wheel=project_wheel)
    assert_collection_ok(
        result,
        pkg_name="fractal-tasks-demo",
        version="0.1.0",
        task_names=[name for name, _ in TASKS],
    )
    tasks = {task.name: task for task in result.tasks}
    zarr_dir = tmp_path / "zarr"

    created = assert_task_output(
        run_task(
            tasks["Create Demo Zarr"],
            args={"zarr_dir": str(zarr_dir)},
            kind="non_parallel",
            workdir=tmp_path,
        )
    )
    images = [image.zarr_url for image in created.image_list_updates]
    assert len(images) == 2

    thresholded = run_task(
        tasks["Threshold Image"], args={"zarr_url": images[0]}, kind="parallel", workdir=tmp_path
    )
    assert_task_output(
        thresholded, image_list_updates=[{"zarr_url": images[0], "types": {"thresholded": True}}]
    )

    init = assert_task_output(
        run_task(
            tasks["Measure Features"],
            args={"zarr_urls": images, "zarr_dir": str(zarr_dir), "features": ["area"]},
            kind="non_parallel",
            workdir=tmp_path,
        ),
        parallelization_list=images,
    )
    for item in init.parallelization_list:
        computed = run_task(
            tasks["Measure Features"],
            args={"zarr_url": item.zarr_url, "init_args": item.init_args},
            kind="parallel",
            workdir=tmp_path,
        )
        assert_task_output(computed)
    assert json.loads(Path(images[1], "features.json").read_text()) == {"area": 0.0}
