"""Threshold an image (a stand-in that needs only the package's required dependencies)."""

from pydantic import validate_call


@validate_call
def threshold_image(*, zarr_url: str, threshold: int = 100) -> None:
    """Threshold an image.

    Args:
        zarr_url: Path of the OME-Zarr image.
        threshold: Pixels above this value are foreground.
    """


if __name__ == "__main__":
    from fractal_task_tools.task_wrapper import run_fractal_task

    run_fractal_task(task_function=threshold_image)
