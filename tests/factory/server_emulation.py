"""fractal-server 2.14.5's ``_prepare_tasks_metadata`` (spec §2.7), written against our schema
models, to check what the server does with a generated manifest."""

from __future__ import annotations

from pathlib import PurePosixPath

from pytest_taskcollect import ManifestV2, TaskCreateV2


def prepare_tasks(
    manifest: ManifestV2, python_bin: str, package_root: str, version: str | None
) -> list[TaskCreateV2]:
    """One ``TaskCreateV2`` per manifest task; raises the server's ``ValidationError``."""
    tasks = []
    for task in manifest.task_list:
        attributes = task.model_dump(exclude={"executable_non_parallel", "executable_parallel"})
        if version is not None:
            attributes["version"] = version
        if manifest.has_args_schemas:
            attributes["args_schema_version"] = manifest.args_schema_version
        for slot in ("non_parallel", "parallel"):
            executable = getattr(task, f"executable_{slot}")
            if executable is not None:
                path = (PurePosixPath(package_root) / executable).as_posix()
                attributes[f"command_{slot}"] = f"{python_bin} {path}"
        tasks.append(TaskCreateV2(**attributes, authors=manifest.authors))
    return tasks
