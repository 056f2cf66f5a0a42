"""fractal-server's custom collection (``POST /api/v2/task/collect/custom/``) as a call.

The custom path installs nothing: it takes a manifest, an existing interpreter and either the
package's folder or its import name, and turns each manifest task into a command
``<python_interpreter> <package_root>/<executable>``. The server's checks run in its order with
its messages (spec §3). Two things the server does not do, we add without changing the outcome:
a command whose file is missing is reported in ``warnings`` (the server does not check), and
where the server would answer HTTP 500 (an unhandled ``TaskCreateV2`` validation error, a
``package_name`` its ``shlex.split`` cannot parse, or a path the operating system refuses, such
as one holding a NUL byte) the result is a failure that says so: ``collect_custom`` never
raises for its input. Per release (the settings' profile): the request model (paths normalised
and ``..`` refused from 2.18.0, ``version`` required from 2.23.1), the group's ``version`` (none
in 2.14.5, the request's from 2.14.6), the record's columns and the ``TaskCreate`` model.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import cast

from pydantic import ValidationError

from ..profiles import ServerProfile
from ..profiles.switches import CustomGroupVersion
from ..schemas import TaskGroupActivityStatusV2, TaskGroupV2OriginEnum, validate_cmd
from ..schemas.task import TaskCreateBase
from ..schemas.task_collection import CustomRequestBase
from .activity_log import ActivityLog
from .records import task_group_record_model
from .request_models import for_release
from .result import CollectionResult, CollectionStage, TaskGroupRecord
from .settings import CollectionSettings
from .tasks import missing_file_message, prepare_tasks_metadata, task_files

__all__ = ["collect_custom", "find_package_root"]

_FIND_SPEC_TIMEOUT_S = 120


def _http_500(release: str) -> str:
    return f"fractal-server {release} does not handle this error: its endpoint answers HTTP 500."


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


def _os_refuses(
    stage: CollectionStage, field: str, value: str, error: ValueError, release: str
) -> _Rejected:
    """The server's unhandled ``ValueError`` from ``os`` for a path (e.g. a NUL byte): HTTP 500."""
    message = f"task_collect.{field}={value!r}: ValueError: {error}. {_http_500(release)}"
    return _Rejected(stage, message)


def _check_interpreter(python_interpreter: str, release: str) -> None:
    try:
        accessible = os.access(python_interpreter, os.X_OK) and os.access(
            python_interpreter, os.R_OK
        )
    except ValueError as error:
        raise _os_refuses(
            "python", "python_interpreter", python_interpreter, error, release
        ) from error
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


def _check_package_root(package_root: str, release: str) -> None:
    try:
        readable = os.access(package_root, os.R_OK)
    except ValueError as error:
        raise _os_refuses("paths", "package_root", package_root, error, release) from error
    if not readable:
        raise _Rejected(
            "paths",
            f"task_collect.package_root={package_root!r} is not accessible to the Fractal user.",
        )
    if not Path(package_root).is_dir():
        raise _Rejected("paths", f"task_collect.package_root={package_root!r} is not a directory.")


def _server_would_crash(request: CustomRequestBase, release: str) -> str | None:
    """Where the server's ``shlex.split`` of its find-spec command line raises (HTTP 500)."""
    if request.package_name is None:
        return None
    snippet = _find_spec_snippet(request.package_name.replace("-", "_"))
    try:
        argv = shlex.split(f"{request.python_interpreter} -c '{snippet}'")
    except ValueError as error:
        return (
            f"the server's shlex.split of its find-spec command fails ({error}). "
            f"{_http_500(release)}"
        )
    if argv[0] != request.python_interpreter or len(argv) != 3:
        return (
            "the server builds its find-spec command as one string and splits it with "
            "shlex.split; with this interpreter path or package name the pieces come out "
            f"differently ({argv!r}), so the server runs a different command."
        )
    return None


def _missing_file_warnings(
    tasks: Sequence[TaskCreateBase], python_bin: str, profile: ServerProfile
) -> list[str]:
    """The pip path's file check, applied here as warnings only (the server does not check)."""
    return [
        f"{missing_file_message(task_file)} (fractal-server does not check this on the custom "
        "path; the task would fail when run.)"
        for task_file in task_files(
            tasks, python_bin=python_bin, token=profile.executable_check_token
        )
        if not Path(task_file.path).exists()
    ]


def _group(request: CustomRequestBase, settings: CollectionSettings) -> TaskGroupRecord:
    """The release's record: ``origin="other"``, ``pkg_name=<label>``, the request's version
    from 2.14.6 (none before), ``resource_id`` from 2.17.0."""
    profile = settings.profile
    model = task_group_record_model(profile)
    version = None
    if profile.custom_group_version is not CustomGroupVersion.NONE:
        version = request.version
    values = {
        "user_id": settings.user_id,
        "resource_id": settings.resource_id,
        "origin": TaskGroupV2OriginEnum.OTHER.value,
        "pkg_name": request.label,
        "version": version,
    }
    return model(**{key: value for key, value in values.items() if key in model.model_fields})


def _body_422(error: ValidationError) -> str:
    """FastAPI's 422 detail for a JSON body the model refuses, as JSON text."""
    detail = [
        {"type": item["type"], "loc": ["body", *item["loc"]], "msg": item["msg"]}
        | {"input": item.get("input")}
        for item in error.errors(include_url=False)
    ]
    return json.dumps(detail, default=str)


def _failed(
    stage: CollectionStage,
    message: str,
    settings: CollectionSettings,
    started: datetime,
    log: ActivityLog,
    timings: dict[str, float],
    warnings: list[str],
) -> CollectionResult:
    log.error(message)
    return CollectionResult(
        status=TaskGroupActivityStatusV2.FAILED,
        server_version=settings.server_version,
        task_group=None,
        log=log.close(),
        stage=stage,
        error=message,
        timings=timings,
        warnings=warnings,
        timestamp_started=started,
        timestamp_ended=datetime.now(timezone.utc),
    )


def collect_custom(request: CustomRequestBase, *, settings: CollectionSettings) -> CollectionResult:
    """Collect tasks from an already-installed package, as the custom endpoint of
    ``settings.server_version`` does.

    ``request`` is that release's custom request (``TaskCollectCustomV2`` for 2.14.5,
    ``TaskCollectCustom`` from 2.18.0...); another release's model is converted when every
    field it sets exists in this one (its values then validated by this release: a missing
    ``version`` from 2.23.1 fails at stage ``"request"`` with FastAPI's 422 detail).
    Nothing is installed and nothing is written to disk. The result's task group has
    ``origin="other"`` and ``pkg_name=<label>``, no Python version or path, and the request's
    version from 2.14.6 (in 2.14.5 the version lands on the tasks only).
    """
    started = datetime.now(timezone.utc)
    log = ActivityLog()
    timings: dict[str, float] = {}
    warnings: list[str] = []
    profile = settings.profile
    try:
        request = cast(
            CustomRequestBase, for_release(request, profile.schemas.custom_request, profile)
        )
    except ValidationError as error:
        return _failed("request", _body_422(error), settings, started, log, timings, warnings)
    group = _group(request, settings)
    tick = time.perf_counter()
    try:
        log.info("START custom collection")
        _check_interpreter(request.python_interpreter, settings.server_version)
        timings["python"] = time.perf_counter() - tick

        tick = time.perf_counter()
        crash = _server_would_crash(request, settings.server_version)
        if crash is not None:
            warnings.append(crash)
        if request.package_root is not None:
            _check_package_root(request.package_root, settings.server_version)
            package_root = Path(request.package_root)
        else:
            assert request.package_name is not None  # the request model guarantees one of them
            if "\0" in request.package_name:
                raise _os_refuses(
                    "paths",
                    "package_name",
                    request.package_name,
                    ValueError("embedded null byte"),
                    settings.server_version,
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
                task_create=cast(type[TaskCreateBase], profile.schemas.task_create),
            )
        except ValidationError as error:
            message = f"{error}\n{_http_500(settings.server_version)}"
            raise _Rejected("tasks", message) from error
        timings["tasks"] = time.perf_counter() - tick
        warnings.extend(_missing_file_warnings(tasks, request.python_interpreter, profile))
        for warning in warnings:
            log.warning(warning)
        log.info(f"END custom collection: {len(tasks)} tasks")
    except _Rejected as rejection:
        return _failed(
            rejection.stage, rejection.message, settings, started, log, timings, warnings
        )
    return CollectionResult(
        status=TaskGroupActivityStatusV2.OK,
        server_version=settings.server_version,
        task_group=group,
        tasks=tasks,
        log=log.close(),
        timings=timings,
        warnings=warnings,
        timestamp_started=started,
        timestamp_ended=datetime.now(timezone.utc),
    )
