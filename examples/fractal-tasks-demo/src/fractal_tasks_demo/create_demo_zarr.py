"""Converter: create ``num_images`` empty OME-Zarr images in ``zarr_dir``."""

from __future__ import annotations

import os
from typing import Any


def create_demo_zarr(*, zarr_dir: str, num_images: int = 2) -> dict[str, Any]:
    """Create the images and add them to the image list.

    Args:
        zarr_dir: Folder where the new OME-Zarr images are created.
        num_images: How many images to create.
    """
    updates = []
    for index in range(num_images):
        zarr_url = f"{zarr_dir.rstrip('/')}/image_{index}.zarr"
        os.makedirs(zarr_url, exist_ok=True)
        updates.append({"zarr_url": zarr_url, "types": {"is_3D": False}})
    return {"image_list_updates": updates}


if __name__ == "__main__":
    from fractal_tasks_demo._run import run_fractal_task

    run_fractal_task(task_function=create_demo_zarr)
