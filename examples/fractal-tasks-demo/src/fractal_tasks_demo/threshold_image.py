"""Parallel task: threshold one image."""

from __future__ import annotations

import json
import os
from typing import Any


def threshold_image(*, zarr_url: str, threshold: int = 100) -> dict[str, Any]:
    """Record the threshold next to the image and mark the image as thresholded.

    Args:
        zarr_url: Path of the OME-Zarr image to process.
        threshold: Intensity threshold.
    """
    with open(os.path.join(zarr_url, "threshold.json"), "w", encoding="utf-8") as handle:
        json.dump({"threshold": threshold}, handle)
    return {"image_list_updates": [{"zarr_url": zarr_url, "types": {"thresholded": True}}]}


if __name__ == "__main__":
    from fractal_tasks_demo._run import run_fractal_task

    run_fractal_task(task_function=threshold_image)
