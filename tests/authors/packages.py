"""Specs of author-shaped task packages, built by the factory for the author-feature tests."""

from __future__ import annotations

import json
from typing import Any

from pytest_taskcollect import TaskPackageSpec, TaskSpec

FTT_PACKAGE = "fractal-tasks-fresh"

TASK_LIST = '''"""The task list fractal-task-tools turns into the manifest."""

from fractal_task_tools.task_models import ParallelTask

AUTHORS = "Ada Lovelace"
TASK_LIST = [ParallelTask(name="Threshold", executable="threshold.py", category="Segmentation")]
'''

THRESHOLD = '''"""Threshold an image."""

from pydantic import validate_call


@validate_call
def threshold(*, zarr_url: str, level: int = 1{extra}) -> None:
    """Threshold an image.

    Args:
        zarr_url: Path of the image.
        level: Threshold level.{extra_doc}
    """


if __name__ == "__main__":
    from fractal_task_tools.task_wrapper import run_fractal_task

    run_fractal_task(task_function=threshold)
'''


def ftt_package(*, manifest: Any = None, smoothing_arg: bool = False) -> TaskPackageSpec:
    """A package whose manifest comes from fractal-task-tools (``dev/task_list.py``).

    ``manifest`` is the committed manifest (default: the factory's own, which
    fractal-task-tools would not produce); ``smoothing_arg`` adds an argument to the task
    function, as an author would, without regenerating the manifest.
    """
    source = THRESHOLD.format(
        extra=", smoothing: float = 0.5" if smoothing_arg else "",
        extra_doc="\n        smoothing: Smoothing radius." if smoothing_arg else "",
    )
    files = {"dev/__init__.py": "", "dev/task_list.py": TASK_LIST, "threshold.py": source}
    if manifest is not None:
        files["__FRACTAL_MANIFEST__.json"] = json.dumps(manifest, indent=2) + "\n"
    return TaskPackageSpec(
        FTT_PACKAGE,
        version="0.1.0",
        tasks=(TaskSpec("Threshold", type="parallel"),),
        dependencies=("fractal-task-tools==0.5.1",),
        extra_files=files,
    )


def plain_task(imports: str) -> str:
    """A task executable that imports ``imports`` and answers ``--help`` with argparse."""
    return (
        f"{imports}\nimport argparse\n\n"
        "parser = argparse.ArgumentParser()\n"
        'parser.add_argument("--args-json")\nparser.add_argument("--out-json")\n'
        "parser.parse_args()\n"
    )


def extra_needed_package() -> TaskPackageSpec:
    """A task imports ``demo_extra_lib``, which the package declares only in its extra
    ``measure`` (fractal-tasks-core 1.x's ``[fractal-tasks]`` shape)."""
    return TaskPackageSpec(
        "fractal-tasks-extra",
        version="0.2.0",
        tasks=(TaskSpec("Segment", type="parallel"), TaskSpec("Measure", type="parallel")),
        extras={"measure": ("demo-extra-lib",)},
        extra_files={"measure.py": plain_task("import demo_extra_lib")},
    )


def unpinned_package() -> TaskPackageSpec:
    """A task uses ``demo_lib.smooth``, which ``demo-lib`` 2.0 removed; the dependency is
    unpinned, so the newest release is installed (APx_fractal_task_collection's bug)."""
    return TaskPackageSpec(
        "fractal-tasks-unpinned",
        version="0.3.0",
        tasks=(TaskSpec("Smooth", type="parallel"),),
        dependencies=("demo-lib",),
        extra_files={"smooth.py": plain_task("from demo_lib import smooth")},
    )
