"""What a ``taskcollect`` command reports, and how: human text, a JSON document, log files.

Every command produces a ``CommandReport``. ``render_human`` prints it for people (a headline,
a table, warnings, the log path), ``render_json`` as a stable JSON document for machines. The
full collection log and the output of the checked commands go to a log file (``write_log``), so
that a failure can be told in one sentence plus that file's path. Progress lines go to stderr so
that stdout holds only the result.

Log files are per user, in ``$TASKCOLLECT_LOG_DIR`` if set, else
``$XDG_STATE_HOME/taskcollect/logs`` (``~/.local/state/taskcollect/logs``), else (no usable home)
``<tmp>/taskcollect-logs-<uid>``. Each new log prunes the folder: the ``KEEP_LOGS`` newest logs
stay, minus any older than ``MAX_LOG_AGE_DAYS`` days; files that are not our logs are never
touched. A log that cannot be written is reported on stderr and the command goes on.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from .. import __version__
from ..checks.manifest_freshness import ManifestFreshness
from ..checks.verdict import EXIT_STATUS, Verdict
from ..checks.wheel_check import WheelProblem
from ..collection import CollectionResult
from ..profiles import DEFAULT_SERVER_VERSION
from ..schemas.task import TaskCreateBase
from .table import fit_table

__all__ = [
    "KEEP_LOGS",
    "LOG_DIR_VARIABLE",
    "MAX_LOG_AGE_DAYS",
    "CommandReport",
    "TaskCheck",
    "UsageError",
    "describe_validation_error",
    "display_command",
    "log_folder",
    "progress",
    "render_human",
    "render_json",
    "report_document",
    "shorten",
    "task_count",
    "write_log",
]

Status = Literal["OK", "failed", "error", "problems"]
"""``OK``; ``failed``: the collection failed (exit 1); ``error``: unusable input (exit 2);
``problems``: collected, but some task does not start or the manifest is stale (``check``,
exit 3)."""

VERDICTS: dict[Status, Verdict | None] = {
    "OK": Verdict.COLLECTS,
    "failed": Verdict.DOES_NOT_COLLECT,
    "problems": Verdict.COLLECTS_WITH_PROBLEMS,
    "error": None,
}
"""The verdict each status stands for (``None``: a usage error, no verdict)."""


class UsageError(Exception):
    """Input the command cannot work with (a missing file, invalid JSON): exit status 2."""


@dataclass(frozen=True)
class TaskCheck:
    """One checked command of a collected task: ``check`` is ``"help"`` (``<exe> --help``) or
    ``"smoke"`` (a real run through ``run_task``); ``detail`` says why it failed."""

    task: str
    type: str | None
    kind: str
    check: Literal["help", "smoke"]
    command: str
    ok: bool
    detail: str | None = None
    hint: str | None = None
    seconds: float | None = None

    @property
    def result(self) -> str:
        """``"ok"`` or ``"FAILED"``, for the table (the detail is listed below it)."""
        return "ok" if self.ok else "FAILED"


@dataclass
class CommandReport:
    """The outcome of one command: its status, the stage and message of the first failure,
    the collection result (if a collection ran), the task checks and where the log is."""

    command: str
    status: Status = "OK"
    stage: str | None = None
    error: str | None = None
    headline: str | None = None
    result: CollectionResult | None = None
    package_root_parent: str | None = None
    """Where the tasks' scripts live (shown relative to it), when known."""
    checks: list[TaskCheck] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    log_path: Path | None = None
    tasks_dir: Path | None = None
    """The tasks dir, when the user asked to keep it."""
    wheel: str | None = None
    """The file name of the collected wheel (uploaded or built)."""
    wheel_problems: list[WheelProblem] = field(default_factory=list)
    """What the static wheel check found (``check`` only)."""
    manifest: ManifestFreshness | None = None
    """Whether the committed manifest is what the package's tooling rebuilds (``check``)."""
    notes: list[str] = field(default_factory=list)
    """Lines printed after the table (``check``: why tasks failed, what to do)."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step of the command (``build``, ``collect``, ``help``, ..., ``total``)."""
    server_version: str = DEFAULT_SERVER_VERSION
    """The fractal-server release the command emulated."""

    def fail(self, stage: str, error: str, status: Status = "failed") -> CommandReport:
        """Record the first failure (``status="failed"``, or ``"problems"`` for a package
        that collects with problems) and return the report."""
        self.status, self.stage, self.error = status, stage, error
        return self

    @property
    def exit_status(self) -> int:
        """0 for OK, 1 for a failed collection, 2 for a usage error, 3 for a package that
        collects with problems."""
        verdict = VERDICTS[self.status]
        return 2 if verdict is None else EXIT_STATUS[verdict]


def task_count(result: CollectionResult) -> str:
    """``"1 task"``, ``"3 tasks"``."""
    count = len(result.tasks)
    return f"{count} task" if count == 1 else f"{count} tasks"


def progress(message: str) -> None:
    """A progress line on stderr (shown while venvs are created and pip runs)."""
    print(message, file=sys.stderr, flush=True)


LOG_DIR_VARIABLE = "TASKCOLLECT_LOG_DIR"
"""The environment variable that chooses the log folder."""
KEEP_LOGS = 50
"""How many logs a log folder keeps (the newest)."""
MAX_LOG_AGE_DAYS = 14
"""Logs older than this are removed."""
_LOG_NAME = re.compile(r"[a-z][a-z-]*-.*-\d{8}-\d{6}-[A-Za-z0-9_]+\.log")
_LOG_LABEL_LENGTH = 60


def _private_folder(folder: Path) -> Path | None:
    """``folder``, created for this user only if missing; ``None`` if it cannot be, or if it is
    not a folder of this user (a temporary folder someone else may have prepared)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder_stat = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(folder_stat.st_mode) or folder_stat.st_uid != os.getuid():
        return None
    return folder


def log_folder() -> Path | None:
    """Where this user's logs go (see the module docstring); ``None`` if nowhere is usable."""
    configured = os.environ.get(LOG_DIR_VARIABLE)
    if configured:
        return _private_folder(Path(configured).expanduser())
    state = os.environ.get("XDG_STATE_HOME")
    with contextlib.suppress(RuntimeError):  # no home directory
        home_state = Path(state) if state else Path.home() / ".local" / "state"
        found = _private_folder(home_state / "taskcollect" / "logs")
        if found is not None:
            return found
    return _private_folder(Path(tempfile.gettempdir()) / f"taskcollect-logs-{os.getuid()}")


def _prune_logs(folder: Path, keep: Path) -> None:
    """Apply the retention rule to our logs in ``folder`` (never to ``keep``)."""
    logs = []
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False) and _LOG_NAME.fullmatch(entry.name):
            with contextlib.suppress(OSError):
                logs.append((entry.stat().st_mtime, entry.path))
    logs.sort(reverse=True)
    oldest = time.time() - MAX_LOG_AGE_DAYS * 86400
    for index, (mtime, path) in enumerate(logs):
        if path != str(keep) and (index >= KEEP_LOGS or mtime < oldest):
            with contextlib.suppress(OSError):
                os.unlink(path)


def write_log(command: str, name: str, text: str) -> Path | None:
    """Write ``text`` to a new ``<command>-<name>-<time>-*.log`` in ``log_folder()`` and prune
    the folder; ``None``, with a line on stderr, when the log cannot be written."""
    folder = log_folder()
    if folder is None:
        progress("Warning: no folder for the log file (set TASKCOLLECT_LOG_DIR); not written.")
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    label = "".join(char if char.isalnum() or char in "-_." else "_" for char in name)
    label = label[:_LOG_LABEL_LENGTH] or "log"
    path = None
    try:
        handle, path = tempfile.mkstemp(
            prefix=f"{command}-{label}-{stamp}-", suffix=".log", dir=folder
        )
        with os.fdopen(handle, "w", encoding="utf-8", errors="replace") as stream:
            stream.write(text)
    except OSError as error:
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)
        progress(f"Warning: could not write the log file in {folder}: {error.strerror or error}.")
        return None
    with contextlib.suppress(OSError):
        _prune_logs(folder, Path(path))
    return Path(path)


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters for a message (a 5,000-character name is not read)."""
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def describe_validation_error(what: str, error: ValidationError) -> str:
    """One sentence naming each invalid field and the rule it breaks (pydantic's messages,
    without their ``"Value error, "`` prefix, on one line)."""
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(root)"
        message = " ".join(item["msg"].removeprefix("Value error, ").split()).rstrip(".")
        problems.append(f"{location}: {message}")
    return f"Invalid {what}: " + "; ".join(problems) + "."


def display_command(command: str, package_root_parent: str | None) -> str:
    """``python <script>`` with the script relative to ``package_root_parent`` (for example
    ``python fractal_tasks_demo/threshold_image.py``), or the command as is."""
    python, _, rest = command.partition(" ")
    if package_root_parent and rest.startswith(package_root_parent.rstrip("/") + "/"):
        return f"{Path(python).name} {rest[len(package_root_parent.rstrip('/')) + 1 :]}"
    return command


def _task_rows(tasks: Sequence[TaskCreateBase], package_root_parent: str | None) -> list[list[str]]:
    rows = []
    for task in tasks:
        for command in (task.command_non_parallel, task.command_parallel):
            if command is not None:
                rows.append(
                    [task.name, task.type or "", display_command(command, package_root_parent)]
                )
    return rows


def render_human(report: CommandReport) -> str:
    """The report as text: headline, table (task checks, or the collected tasks), warnings,
    then the outcome, the emulated release, the kept tasks dir and the log path."""
    lines = [report.headline] if report.headline else []
    if report.checks:
        header: tuple[str, ...] = ("TASK", "TYPE", "COMMAND", "RESULT")
        rows = [
            [check.task, check.type or "", check.command, check.result] for check in report.checks
        ]
        lines += ["", *fit_table(header, rows)]
    elif report.result is not None and report.result.tasks:
        header = ("TASK", "TYPE", "COMMAND")
        lines += [
            "",
            *fit_table(header, _task_rows(report.result.tasks, report.package_root_parent)),
        ]
    if lines:
        lines.append("")
    lines += report.notes
    if report.notes:
        lines.append("")
    lines += [f"Warning: {warning}" for warning in report.warnings]
    if report.status == "OK":
        lines.append("OK")
    elif report.status == "problems":
        lines.append(f"PROBLEMS at stage {report.stage!r}: {report.error}")
    else:
        lines.append(f"FAILED at stage {report.stage!r}: {report.error}")
    if report.command != "cache":  # the cache serves every release
        lines.append(f"Emulated: fractal-server {report.server_version}")
    if report.tasks_dir is not None:
        lines.append(f"Tasks dir (kept): {report.tasks_dir}")
    if report.log_path is not None:
        lines.append(f"Log: {report.log_path}")
    return "\n".join(lines)


def report_document(report: CommandReport) -> dict[str, Any]:
    """The JSON document: the same keys for every command and outcome."""
    result = report.result
    return {
        "taskcollect_version": __version__,
        "command": report.command,
        "server_version": report.server_version,
        "status": report.status,
        "verdict": verdict.value if (verdict := VERDICTS[report.status]) else None,
        "stage": report.stage,
        "error": report.error,
        "wheel": report.wheel,
        "task_group": (
            result.task_group.model_dump(mode="json")
            if result is not None and result.task_group is not None
            else None
        ),
        "tasks": [task.model_dump(mode="json") for task in result.tasks] if result else [],
        "warnings": report.warnings,
        "checks": [
            {
                "task": check.task,
                "type": check.type,
                "kind": check.kind,
                "check": check.check,
                "command": check.command,
                "ok": check.ok,
                "detail": check.detail,
                "hint": check.hint,
                "seconds": check.seconds,
            }
            for check in report.checks
        ],
        "wheel_problems": [
            {"stage": problem.stage, "message": problem.message, "explanation": problem.explanation}
            for problem in report.wheel_problems
        ],
        "manifest": _manifest_document(report.manifest),
        "timings": {
            **report.timings,
            "collection_stages": dict(result.timings) if result is not None else {},
        },
        "tasks_dir": str(report.tasks_dir) if report.tasks_dir else None,
        "log_path": str(report.log_path) if report.log_path else None,
    }


def _manifest_document(freshness: ManifestFreshness | None) -> dict[str, Any] | None:
    """The manifest-freshness part of the JSON document."""
    if freshness is None:
        return None
    return {
        "status": freshness.status,
        "reason": freshness.reason or None,
        "tool": freshness.tool,
        "differences": [
            {
                "path": item.path,
                "kind": item.kind,
                "committed": item.committed,
                "rebuilt": item.rebuilt,
            }
            for item in freshness.differences
        ],
    }


def render_json(report: CommandReport) -> str:
    """``report_document`` as indented JSON."""
    return json.dumps(report_document(report), indent=2)
