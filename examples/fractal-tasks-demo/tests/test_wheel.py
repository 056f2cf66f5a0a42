"""The built wheel: contents where fractal-server looks, offline install, and the tasks run
through the command-line contract (``python <package_root>/<executable> --args-json A
--out-json B``), chained the way a workflow would run them."""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_taskcollect import assert_wheel_collectable
from pytest_taskcollect.schemas import (
    cast_and_validate_init_task_output,
    cast_and_validate_task_output,
)


def test_wheel_holds_the_manifest_and_every_executable(demo_wheel: Path) -> None:
    assert demo_wheel.name == "fractal_tasks_demo-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(demo_wheel) as archive:
        names = set(archive.namelist())
    assert "fractal_tasks_demo/__FRACTAL_MANIFEST__.json" in names
    assert "fractal_tasks_demo/measure/measure_features_init.py" in names
    report = assert_wheel_collectable(demo_wheel)  # where fractal-server will look
    assert [(task.name, task.type) for task in report.tasks] == [
        ("Create Demo Zarr", "converter_non_parallel"),
        ("Threshold Image", "parallel"),
        ("Measure Features", "compound"),
    ]


def run_task(python: Path, script: Path, args: dict[str, Any], workdir: Path) -> Any:
    """Run one task as fractal-server's runner does and return its parsed output."""
    workdir.mkdir()
    (workdir / "args.json").write_text(json.dumps(args))
    out_json = workdir / "out.json"
    subprocess.run(
        [python, script, "--args-json", workdir / "args.json", "--out-json", out_json],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return json.loads(out_json.read_text())


def test_tasks_run_from_the_installed_package(
    demo_wheel: Path,
    task_wheelhouse: Path,
    install_offline: Callable[[Path, str], Path],
    tmp_path: Path,
) -> None:
    python = install_offline(task_wheelhouse, "fractal-tasks-demo")
    (site_packages,) = python.parent.parent.glob("lib/python*/site-packages")
    root = site_packages / "fractal_tasks_demo"  # <Location>/<normalised name with _>
    zarr_dir = tmp_path / "zarr"

    created = cast_and_validate_task_output(
        run_task(python, root / "create_demo_zarr.py", {"zarr_dir": str(zarr_dir)}, tmp_path / "1")
    )
    images = [image.zarr_url for image in created.image_list_updates]
    assert len(images) == 2

    thresholded = cast_and_validate_task_output(
        run_task(python, root / "threshold_image.py", {"zarr_url": images[0]}, tmp_path / "2")
    )
    assert thresholded.image_list_updates[0].types == {"thresholded": True}

    init = cast_and_validate_init_task_output(
        run_task(
            python,
            root / "measure" / "measure_features_init.py",
            {"zarr_urls": images, "zarr_dir": str(zarr_dir), "features": ["area", "perimeter"]},
            tmp_path / "3",
        )
    )
    for index, item in enumerate(init.parallelization_list):
        args = {"zarr_url": item.zarr_url, "init_args": item.init_args}
        script = root / "measure" / "measure_features_compute.py"
        cast_and_validate_task_output(run_task(python, script, args, tmp_path / f"4-{index}"))
    measured = json.loads(Path(images[1], "features.json").read_text())
    assert measured == {"area": 0.0, "perimeter": 0.0}
