"""Compound task, init step: one measurement job per image."""

from __future__ import annotations

from typing import Any


def measure_features_init(
    *, zarr_urls: list[str], zarr_dir: str, features: tuple[str, ...] = ("area",)
) -> dict[str, Any]:
    """Plan one compute job per image.

    Args:
        zarr_urls: Paths of the images to measure.
        zarr_dir: Folder of the OME-Zarr images.
        features: Names of the features to measure.
    """
    init_args = {"features": list(features)}
    return {
        "parallelization_list": [{"zarr_url": url, "init_args": init_args} for url in zarr_urls]
    }


if __name__ == "__main__":
    from fractal_tasks_demo._run import run_fractal_task

    run_fractal_task(task_function=measure_features_init)
