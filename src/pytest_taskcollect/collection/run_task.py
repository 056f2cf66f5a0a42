"""Run a collected task through its real command line, as fractal-server's runner does.

The runner appends ``--args-json <file> --out-json <file>`` to the task's command, runs it, and
reads the output file: no file means "no output"; otherwise the JSON is validated with
``TaskOutput`` (parallel and non-parallel tasks) or ``InitTaskOutput`` (the non-parallel, "init",
part of a compound task). ``run_task`` does the same and returns a ``TaskRunResult`` that says
what happened, including why a task failed, instead of raising.

The task's name is only a label for the run's folder: it is reduced to a short, safe file name
(as the server's runner sanitises task names for its folders), so a name such as
``../../outside`` or one of 5,000 characters cannot put files outside ``workdir`` or exceed the
file system's limits. ``workdir`` is created when missing, as the server creates its working
folders.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..schemas import InitTaskOutput, TaskOutput
from ..schemas.task import TaskCreateBase
from ..schemas.task_interface import (
    TaskOutputValidationError,
    cast_and_validate_init_task_output,
    cast_and_validate_task_output,
)

__all__ = [
    "TaskKind",
    "TaskRunError",
    "TaskRunFailure",
    "TaskRunResult",
    "run_folder_label",
    "run_task",
]

TaskKind = Literal["non_parallel", "parallel"]
"""Which of a task's commands to run."""

TaskRunFailure = Literal["start", "exit", "timeout", "invalid_json", "invalid_output"]
"""Why a run failed: could not start, non-zero exit, timed out, unreadable JSON, invalid output."""

_COMPOUND_TYPES = ("compound", "converter_compound")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_LABEL_LENGTH = 40


class TaskRunError(RuntimeError):
    """Raised by ``TaskRunResult.raise_for_status`` for a failed run."""


@dataclass(frozen=True)
class TaskRunResult:
    """The outcome of one task run: process facts, the output, and a failure reason if any."""

    task_name: str
    kind: TaskKind
    argv: tuple[str, ...]
    args: dict[str, Any]
    args_json: Path
    out_json: Path
    returncode: int | None
    stdout: str
    stderr: str
    duration: float
    raw_output: Any
    """The parsed out-json content, or ``None`` when the task wrote no file."""
    output: TaskOutput | InitTaskOutput | None
    """The validated output (an empty model when the task wrote no file)."""
    failure: TaskRunFailure | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the task exited 0 and its output (if any) is valid."""
        return self.failure is None

    def stderr_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the task's stderr."""
        return "\n".join(self.stderr.splitlines()[-lines:])

    def raise_for_status(self) -> None:
        """Raise ``TaskRunError`` with the reason and the stderr tail if the run failed."""
        if self.failure is not None:
            raise TaskRunError(
                f"Task {self.task_name!r} ({self.kind}) failed [{self.failure}]: {self.error}\n"
                f"--- stderr (tail) ---\n{self.stderr_tail()}"
            )


def _command_for(task: TaskCreateBase, kind: TaskKind) -> str:
    command = task.command_non_parallel if kind == "non_parallel" else task.command_parallel
    if command is None:
        raise ValueError(f"Task {task.name!r} has no command_{kind}, so it cannot run as {kind!r}.")
    return command


def expects_init_output(task: TaskCreateBase, kind: TaskKind) -> bool:
    """The non-parallel part of a compound task is its init step."""
    return kind == "non_parallel" and task.type in _COMPOUND_TYPES


def run_folder_label(task_name: str) -> str:
    """A task name as a file-name label: letters, digits, ``_`` and ``-`` only (each run of
    anything else, ``/`` and ``.`` included, becomes one ``_``), at most 40 characters."""
    label = _UNSAFE.sub("_", task_name).strip("_")[:_LABEL_LENGTH]
    return label or "task"


def run_task(
    task: TaskCreateBase,
    *,
    args: dict[str, Any],
    kind: TaskKind,
    workdir: str | Path,
    timeout: float | None = None,
) -> TaskRunResult:
    """Run ``task``'s ``kind`` command with ``args`` and validate what it writes.

    The args and output files are created fresh under a new sub-folder of ``workdir`` on each
    call (a Fractal task refuses an existing output file), named after the task (see
    ``run_folder_label``) and always inside ``workdir``, which is created if needed. The command
    string is split like the server splits it (``shlex.split``), never run through a shell.
    When the folder or the command cannot be set up, the result is a ``"start"`` failure whose
    ``args_json``/``out_json`` are the paths that were planned.
    """
    command = _command_for(task, kind)
    prefix = f"{run_folder_label(task.name)}-{kind}-"
    workdir = Path(workdir)
    args_json = workdir / prefix / "args.json"
    facts: dict[str, Any] = {"task_name": task.name, "kind": kind, "args": args}
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        run_dir = Path(tempfile.mkdtemp(prefix=prefix, dir=workdir))
        args_json = run_dir / "args.json"
        args_json.write_text(json.dumps(args), encoding="utf-8")
    except (OSError, ValueError) as error:
        facts |= {"argv": (), "args_json": args_json, "out_json": args_json.with_name("out.json")}
        return _not_started(facts, f"Cannot create the run folder in {workdir}: {error}")
    out_json = run_dir / "out.json"
    facts |= {"args_json": args_json, "out_json": out_json}
    try:
        argv = (*shlex.split(command), "--args-json", str(args_json), "--out-json", str(out_json))
    except ValueError as error:
        facts["argv"] = ()
        return _not_started(facts, f"Cannot split the command {command!r}: {error}")
    facts["argv"] = argv

    start = time.perf_counter()
    try:
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, ValueError) as error:
        return _not_started(facts, f"Cannot run {argv[0]!r}: {error}")
    except subprocess.TimeoutExpired as error:
        return TaskRunResult(
            **facts,
            returncode=None,
            stdout=_text(error.stdout),
            stderr=_text(error.stderr),
            duration=time.perf_counter() - start,
            raw_output=None,
            output=None,
            failure="timeout",
            error=f"Task did not finish within {timeout} s.",
        )
    facts |= {
        "returncode": completed.returncode,
        "stdout": completed.stdout,
        "stderr": completed.stderr,
        "duration": time.perf_counter() - start,
    }
    if completed.returncode != 0:
        return TaskRunResult(
            **facts,
            raw_output=None,
            output=None,
            failure="exit",
            error=f"Task exited with return code {completed.returncode}.",
        )
    return _read_output(facts, out_json, init=expects_init_output(task, kind))


def _not_started(facts: dict[str, Any], error: str) -> TaskRunResult:
    """A ``"start"`` failure: nothing ran."""
    return TaskRunResult(
        **facts,
        returncode=None,
        stdout="",
        stderr="",
        duration=0.0,
        raw_output=None,
        output=None,
        failure="start",
        error=error,
    )


def _text(stream: str | bytes | None) -> str:
    if isinstance(stream, bytes):
        return stream.decode(errors="replace")
    return stream or ""


def _read_output(facts: dict[str, Any], out_json: Path, *, init: bool) -> TaskRunResult:
    """Read and validate the out-json file; a missing file is an empty output."""
    if not out_json.exists():
        empty = InitTaskOutput() if init else TaskOutput()
        return TaskRunResult(**facts, raw_output=None, output=empty)
    try:
        raw = json.loads(out_json.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return TaskRunResult(
            **facts,
            raw_output=None,
            output=None,
            failure="invalid_json",
            error=f"Output file {out_json} is not valid JSON: {error}",
        )
    if not isinstance(raw, dict):
        return TaskRunResult(
            **facts,
            raw_output=raw,
            output=None,
            failure="invalid_json",
            error=f"Output file {out_json} holds a JSON {type(raw).__name__}, not an object.",
        )
    try:
        output: TaskOutput | InitTaskOutput = (
            cast_and_validate_init_task_output(raw) if init else cast_and_validate_task_output(raw)
        )
    except TaskOutputValidationError as error:
        return TaskRunResult(
            **facts, raw_output=raw, output=None, failure="invalid_output", error=str(error)
        )
    return TaskRunResult(**facts, raw_output=raw, output=output)
