"""The task list: `fractal-manifest create` turns it into __FRACTAL_MANIFEST__.json."""

from fractal_task_tools.task_models import ParallelTask

AUTHORS = "pytest-taskcollect developers"
DOCS_LINK = "https://github.com/fractal-analytics-platform"
TASK_LIST = [
    ParallelTask(name="Threshold Image", executable="threshold_image.py", category="Segmentation"),
    ParallelTask(
        name="Measure Intensity", executable="measure_intensity.py", category="Measurement"
    ),
]
