"""fractal-server 2.14.5's custom collection (``POST /api/v2/task/collect/custom/``) as a call.

The custom path installs nothing: it takes a manifest, an existing interpreter and either the
package's folder or its import name, and turns each manifest task into a command
``<python_interpreter> <package_root>/<executable>``. The server's checks run in its order with
its messages (spec §3). Two things the server does not do, we add without changing the outcome:
a command whose file is missing is reported in ``warnings`` (the server does not check), and
where the server would answer HTTP 500 (an unhandled ``TaskCreateV2`` validation error, a
``package_name`` its ``shlex.split`` cannot parse, or a path the operating system refuses, such
as one holding a NUL byte) the result is a failure that says so: ``collect_custom`` never
raises for its input.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError

from ..schemas import (
    TaskCollectCustomV2,
    TaskCreateV2,
    TaskGroupActivityStatusV2,
    TaskGroupV2OriginEnum,
    validate_cmd,
)
from .activity_log import ActivityLog
from .result import CollectedTaskGroup, CollectionResult, CollectionStage
from .settings import CollectionSettings
from .tasks import missing_file_message, prepare_tasks_metadata, task_files

__all__ = ["collect_custom", "find_package_root"]

_FIND_SPEC_TIMEOUT_S = 120
_HTTP_500 = "fractal-server 2.14.5 does not handle this error: its endpoint answers HTTP 500."


class _Rejected(Exception):
    """The endpoint's 422 (or 500) at a stage, with the server's message."""

    def __init__(self, stage: CollectionStage, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.message = message


def _find_spec_snippet(import_name: str) -> str:
    """The server's snippet: the folder of ``find_spec(<name>).origin``."""
    return (
        "import importlib.util; from pathlib import Path; "
        f'init_path = importlib.util.find_spec("{import_name}").origin; '
        "print(Path(init_path).parent.as_posix())"
    )


def find_package_root(python_interpreter: str, package_name: str) -> Path:
    """Ask ``python_interpreter`` where ``package_name`` (``-`` read as ``_``) is installed.

    Raises ``ValueError`` with the server's ``"Cannot determine 'package_root'"`` message when
    the interpreter cannot import the name, when it is a namespace package (no ``origin``), or
    when the output is more than one line.
    """
    import_name = package_name.replace("-", "_")
    validate_cmd(import_name)
    completed = subprocess.run(
        [python_interpreter, "-c", _find_spec_snippet(import_name)],
        capture_output=True,
        encoding="utf8",
        timeout=_FIND_SPEC_TIMEOUT_S,
        check=False,
    )
    output = completed.stdout.strip("\n")
    if completed.returncode != 0 or "\n" in output:
        raise ValueError(
            "Cannot determine 'package_root'.\n"
            f"Original output: {completed.stdout}\n"
            f"Original error: {completed.stderr}"
        )
    return Path(output)


def _os_refuses(stage: CollectionStage, field: str, value: str, error: ValueError) -> _Rejected:
    """The server's unhandled ``ValueError`` from ``os`` for a path (e.g. a NUL byte): HTTP 500."""
    return _Rejected(stage, f"task_collect.{field}={value!r}: ValueError: {error}. {_HTTP_500}")


def _check_interpreter(python_interpreter: str) -> None:
    try:
        accessible = os.access(python_interpreter, os.X_OK) and os.access(
            python_interpreter, os.R_OK
        )
    except ValueError as error:
        raise _os_refuses("python", "python_interpreter", python_interpreter, error) from error
    if not accessible:
        raise _Rejected(
            "python",
            f"task_collect.python_interpreter={python_interpreter!r} is not accessible to the "
            "Fractal user or it is not executable.",
        )
    if not Path(python_interpreter).is_file():
        raise _Rejected(
            "python", f"task_collect.python_interpreter={python_interpreter!r} is not a file."
        )


def _check_package_root(package_root: str) -> None:
    try:
        readable = os.access(package_root, os.R_OK)
    except ValueError as error:
        raise _os_refuses("paths", "package_root", package_root, error) from error
    if not readable:
        raise _Rejected(
            "paths",
            f"task_collect.package_root={package_root!r} is not accessible to the Fractal user.",
        )
    if not Path(package_root).is_dir():
        raise _Rejected("paths", f"task_collect.package_root={package_root!r} is not a directory.")


def _server_would_crash(request: TaskCollectCustomV2) -> str | None:
    """Where the server's ``shlex.split`` of its find-spec command line raises (HTTP 500)."""
    if request.package_name is None:
        return None
    snippet = _find_spec_snippet(request.package_name.replace("-", "_"))
    try:
        argv = shlex.split(f"{request.python_interpreter} -c '{snippet}'")
    except ValueError as error:
        return f"the server's shlex.split of its find-spec command fails ({error}). {_HTTP_500}"
    if argv[0] != request.python_interpreter or len(argv) != 3:
        return (
            "the server builds its find-spec command as one string and splits it with "
            "shlex.split; with this interpreter path or package name the pieces come out "
            f"differently ({argv!r}), so the server runs a different command."
        )
    return None


def _missing_file_warnings(tasks: list[TaskCreateV2], python_bin: str) -> list[str]:
    """The pip path's file check, applied here as warnings only (the server does not check)."""
    return [
        f"{missing_file_message(task_file)} (fractal-server does not check this on the custom "
        "path; the task would fail when run.)"
        for task_file in task_files(tasks, python_bin=python_bin)
        if not Path(task_file.path).exists()
    ]


def collect_custom(
    request: TaskCollectCustomV2, *, settings: CollectionSettings
) -> CollectionResult:
    """Collect tasks from an already-installed package, as fractal-server 2.14.5 does.

    Nothing is installed and nothing is written to disk. The result's task group has
    ``origin="other"`` and ``pkg_name=<label>``, and no version, Python version or path (the
    version, if given, lands on the tasks only).
    """
    started = datetime.now(timezone.utc)
    log = ActivityLog()
    timings: dict[str, float] = {}
    warnings: list[str] = []
    group = CollectedTaskGroup(
        user_id=settings.user_id, origin=TaskGroupV2OriginEnum.OTHER, pkg_name=request.label
    )
    tick = time.perf_counter()
    try:
        log.info("START custom collection")
        _check_interpreter(request.python_interpreter)
        timings["python"] = time.perf_counter() - tick

        tick = time.perf_counter()
        crash = _server_would_crash(request)
        if crash is not None:
            warnings.append(crash)
        if request.package_root is not None:
            _check_package_root(request.package_root)
            package_root = Path(request.package_root)
        else:
            assert request.package_name is not None  # the request model guarantees one of them
            if "\0" in request.package_name:
                raise _os_refuses(
                    "paths", "package_name", request.package_name, ValueError("embedded null byte")
                )
            try:
                package_root = find_package_root(request.python_interpreter, request.package_name)
            except ValueError as error:
                raise _Rejected("paths", str(error)) from error
        log.debug(f"package_root: {package_root}")
        timings["paths"] = time.perf_counter() - tick

        tick = time.perf_counter()
        try:
            tasks = prepare_tasks_metadata(
                package_manifest=request.manifest,
                python_bin=Path(request.python_interpreter),
                package_root=package_root,
                package_version=request.version,
            )
        except ValidationError as error:
            raise _Rejected("tasks", f"{error}\n{_HTTP_500}") from error
        timings["tasks"] = time.perf_counter() - tick
        warnings.extend(_missing_file_warnings(tasks, request.python_interpreter))
        for warning in warnings:
            log.warning(warning)
        log.info(f"END custom collection: {len(tasks)} tasks")
    except _Rejected as rejection:
        log.error(rejection.message)
        return CollectionResult(
            status=TaskGroupActivityStatusV2.FAILED,
            task_group=None,
            log=log.close(),
            stage=rejection.stage,
            error=rejection.message,
            timings=timings,
            warnings=warnings,
            timestamp_started=started,
            timestamp_ended=datetime.now(timezone.utc),
        )
    return CollectionResult(
        status=TaskGroupActivityStatusV2.OK,
        task_group=group,
        tasks=tasks,
        log=log.close(),
        timings=timings,
        warnings=warnings,
        timestamp_started=started,
        timestamp_ended=datetime.now(timezone.utc),
    )
