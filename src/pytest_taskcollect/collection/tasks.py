"""From a validated manifest to the task records (``_prepare_tasks_metadata``, spec §2.7).

Shared by the pip path (with the task group's version and the collected venv's python), the
custom path (with the user's interpreter and optional version) and the pixi path (with the
project's Python wrapper). The record model is the release's ``TaskCreate``; the file check
reads the command's second whitespace token up to 2.14.16 and its last one from 2.15.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, overload

from ..profiles.switches import ExecutableToken
from ..schemas import TaskCreateV2
from ..schemas.manifest import ManifestBase
from ..schemas.task import TaskCreateBase

__all__ = [
    "TASK_GROUP_ID_FILENAME",
    "TaskFile",
    "check_task_files_exist",
    "missing_file_message",
    "prepare_tasks_metadata",
    "task_files",
]


TASK_GROUP_ID_FILENAME = "fractal_task_group_id.txt"
"""Written into the task-group folder, holding the group's id (2.22.9 on)."""


T = TypeVar("T", bound=TaskCreateBase)


@overload
def prepare_tasks_metadata(
    *,
    package_manifest: ManifestBase,
    python_bin: Path,
    package_root: Path,
    package_version: str | None = None,
) -> list[TaskCreateV2]: ...


@overload
def prepare_tasks_metadata(
    *,
    package_manifest: ManifestBase,
    python_bin: Path,
    package_root: Path,
    package_version: str | None = None,
    task_create: type[T],
) -> list[T]: ...


def prepare_tasks_metadata(
    *,
    package_manifest: ManifestBase,
    python_bin: Path,
    package_root: Path,
    package_version: str | None = None,
    task_create: type[TaskCreateBase] = TaskCreateV2,
) -> list[Any]:
    """One ``task_create`` (default ``TaskCreateV2``) per manifest task, in manifest order, as
    the server builds them.

    Commands are ``"<python_bin> <package_root>/<executable>"`` (a pathlib join: an absolute
    executable replaces the root, ``..`` is kept); ``version`` is set when given;
    ``args_schema_version`` is copied only when ``has_args_schemas`` (so ``None`` there fails,
    as on the server); ``authors`` comes from the manifest. Validation errors propagate.
    """
    task_list = []
    for task in package_manifest.task_list:
        attributes: dict[str, Any] = {}
        if package_version is not None:
            attributes["version"] = package_version
        if package_manifest.has_args_schemas:
            attributes["args_schema_version"] = package_manifest.args_schema_version
        if task.executable_non_parallel is not None:
            path = package_root / task.executable_non_parallel
            attributes["command_non_parallel"] = f"{python_bin.as_posix()} {path.as_posix()}"
        if task.executable_parallel is not None:
            path = package_root / task.executable_parallel
            attributes["command_parallel"] = f"{python_bin.as_posix()} {path.as_posix()}"
        task_list.append(
            task_create(
                **task.model_dump(exclude={"executable_non_parallel", "executable_parallel"}),
                **attributes,
                authors=package_manifest.authors,
            )
        )
    return task_list


class TaskFile(NamedTuple):
    """The file one task command runs: as the server reads it, and as it really is."""

    task_name: str
    kind: str
    """``"command_non_parallel"`` or ``"command_parallel"``."""
    servers_path: str
    """The whitespace token fractal-server checks (``command.split()[1]``, or ``[-1]`` from
    2.15.0)."""
    path: str
    """The command without its interpreter part (equal to ``servers_path`` without spaces)."""


def task_files(
    task_list: Sequence[TaskCreateBase],
    *,
    python_bin: str | None = None,
    token: ExecutableToken = ExecutableToken.SECOND,
) -> list[TaskFile]:
    """The executable file of every command, in the server's order (non-parallel first).

    Given ``python_bin`` (the commands' first part), ``path`` is the rest of the command, so a
    path holding a space is read whole where the server cuts it at the space.
    """
    files = []
    for task in task_list:
        for kind, command in (
            ("command_non_parallel", task.command_non_parallel),
            ("command_parallel", task.command_parallel),
        ):
            if not isinstance(command, str):  # None, or MISSING (2.25.3 on)
                continue
            words = command.split()
            servers_path = words[1] if token is ExecutableToken.SECOND else words[-1]
            path = servers_path
            if python_bin is not None and command.startswith(f"{python_bin} "):
                path = command[len(python_bin) + 1 :]
            files.append(TaskFile(task.name, kind, servers_path, path))
    return files


def missing_file_message(task_file: TaskFile) -> str:
    """The server's message for a command whose file does not exist (it names the token it
    checked)."""
    return (
        f"Task `{task_file.task_name}` has `{task_file.kind}` pointing to missing file "
        f"`{task_file.servers_path}`."
    )


def check_task_files_exist(
    task_list: Sequence[TaskCreateBase],
    *,
    python_bin: str | None = None,
    token: ExecutableToken = ExecutableToken.SECOND,
    release: str = "2.14.5",
) -> list[str]:
    """Raise ``FileNotFoundError`` when a task's executable file is missing (server message).

    The server checks one whitespace token of each command (the second up to 2.14.16, the last
    from 2.15.0), the non-parallel command first: a command whose executable carries arguments
    (``task.py --flag``) passes up to 2.14.16 and fails from 2.15.0, and a path with a space is
    cut at the space. Given ``python_bin`` (the command's first part), a command whose token is
    missing but whose whole rest is an existing file (a path with a space) passes here, with a
    warning that fractal-server ``release`` would have checked another path.
    """
    warnings = []
    which = "second" if token is ExecutableToken.SECOND else "last"
    for task_file in task_files(task_list, python_bin=python_bin, token=token):
        if Path(task_file.servers_path).exists():
            continue
        if task_file.path == task_file.servers_path or not Path(task_file.path).exists():
            raise FileNotFoundError(missing_file_message(task_file))
        warnings.append(
            f"fractal-server {release} would fail here: check_task_files_exist takes the "
            f"{which} whitespace-separated token of {task_file.kind} of task "
            f"`{task_file.task_name}`, `{task_file.servers_path}`, which is not the "
            "task's file."
        )
    return warnings
