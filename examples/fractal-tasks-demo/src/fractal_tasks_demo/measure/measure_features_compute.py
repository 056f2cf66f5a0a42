"""Compound task, compute step: measure one image."""

from __future__ import annotations

import json
import os
from typing import Any


def measure_features_compute(*, zarr_url: str, init_args: dict[str, Any]) -> dict[str, Any]:
    """Write the (fake) measurements of one image.

    Args:
        zarr_url: Path of the OME-Zarr image to measure.
        init_args: Arguments planned by the init step.
    """
    measurements = {feature: 0.0 for feature in init_args["features"]}
    with open(os.path.join(zarr_url, "features.json"), "w", encoding="utf-8") as handle:
        json.dump(measurements, handle)
    return {"image_list_updates": [{"zarr_url": zarr_url, "attributes": {"measured": True}}]}


if __name__ == "__main__":
    from fractal_tasks_demo._run import run_fractal_task

    run_fractal_task(task_function=measure_features_compute)
