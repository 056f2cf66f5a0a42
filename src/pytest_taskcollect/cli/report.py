"""What a ``taskcollect`` command reports, and how: human text, a JSON document, log files.

Every command produces a ``CommandReport``. ``render_human`` prints it for people (a headline,
a table, warnings, the log path), ``render_json`` as a stable JSON document for machines. The
full collection log and the output of the checked commands go to a log file under the temporary
directory (``write_log``), so that a failure can be told in one sentence plus that file's path.
Progress lines go to stderr so that stdout holds only the result.
"""

from __future__ import annotations

import json
import os
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
    "CommandReport",
    "TaskCheck",
    "UsageError",
    "describe_validation_error",
    "display_command",
    "progress",
    "render_human",
    "render_json",
    "report_document",
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


def write_log(command: str, name: str, text: str) -> Path:
    """Write ``text`` to a new file ``<tmp>/taskcollect-logs/<command>-<name>-<time>-*.log``."""
    folder = Path(tempfile.gettempdir()) / "taskcollect-logs"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    safe_name = "".join(char if char.isalnum() or char in "-_." else "_" for char in name)
    handle, path = tempfile.mkstemp(
        prefix=f"{command}-{safe_name}-{stamp}-", suffix=".log", dir=folder
    )
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    return Path(path)


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
