"""``taskcollect check``: would fractal-server collect this project, and do its tasks start?

The steps, stopping at the first failure: build the project's wheel (``project_build``), check
the wheel statically (``wheel_check``), collect it through the pip path into a temporary tasks
dir, run every task executable with ``--help`` in the collected venv (Fractal tasks parse their
arguments with argparse, so this imports the task module and its dependencies without running
the task) and, with ``--smoke-args``, run the named tasks for real through ``run_task``.

The smoke-args file maps task names to arguments: ``{"Task": {...args...}}`` for every command
of the task, or ``{"Task": {"non_parallel": {...}, "parallel": {...}}}`` per command (needed for
compound tasks, whose two steps take different arguments). Tasks run in manifest order in one
work directory; ``{workdir}`` in a string argument is replaced by its path, so that a task can
use what an earlier one created.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from ..checks.wheel_check import check_wheel_collectable
from ..collection import collect_pip
from ..collection.run_task import TaskKind, run_task
from ..factory.project import NotAProjectError, ProjectBuildError, build_project_wheel
from ..schemas import TaskCollectPipV2
from ..schemas.task import TaskCreateBase
from .collect import collection_settings, package_root_parent, read_json_file
from .report import (
    CommandReport,
    TaskCheck,
    UsageError,
    describe_validation_error,
    display_command,
    progress,
    task_count,
    write_log,
)

__all__ = ["load_smoke_args", "run_check"]

_KINDS: tuple[TaskKind, ...] = ("non_parallel", "parallel")
_HELP_TIMEOUT_S = 120
_SMOKE_TIMEOUT_S = 600

SmokeArgs = dict[str, dict[TaskKind | None, dict[str, Any]]]
"""Task name -> kind (``None``: every command of the task) -> arguments."""


def load_smoke_args(path: str) -> SmokeArgs:
    """Read and validate a smoke-args file (a ``UsageError`` when it has the wrong shape)."""
    raw = read_json_file(path, "smoke-args file")
    if not isinstance(raw, dict):
        raise UsageError(f"The smoke-args file {path} must hold a JSON object (task name -> args).")
    smoke: SmokeArgs = {}
    for name, value in raw.items():
        if not isinstance(value, dict):
            raise UsageError(f"In {path}, the arguments of task {name!r} must be a JSON object.")
        per_kind = bool(value) and set(value) <= set(_KINDS)
        if per_kind and all(isinstance(item, dict) for item in value.values()):
            smoke[name] = {cast(TaskKind, kind): item for kind, item in value.items()}
        else:
            smoke[name] = {None: value}
    return smoke


def _with_workdir(value: Any, workdir: str) -> Any:
    """``value`` with ``{workdir}`` replaced in every string it holds."""
    if isinstance(value, str):
        return value.replace("{workdir}", workdir)
    if isinstance(value, list):
        return [_with_workdir(item, workdir) for item in value]
    if isinstance(value, dict):
        return {key: _with_workdir(item, workdir) for key, item in value.items()}
    return value


def _commands(task: TaskCreateBase) -> Iterator[tuple[TaskKind, str]]:
    for kind in _KINDS:
        command = getattr(task, f"command_{kind}")
        if command is not None:
            yield kind, command


def _last_line(*texts: str) -> str:
    """The last non-empty line of the first text that has one (usually the exception)."""
    for text in texts:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return ""


class _Checker:
    """Runs the task checks of one collected package and keeps their output for the log."""

    def __init__(self, tasks: list[TaskCreateBase], root_parent: str | None) -> None:
        self.tasks = tasks
        self.root_parent = root_parent
        self.log: list[str] = []

    def _record(
        self, title: str, argv: list[str], returncode: int | None, out: str, err: str
    ) -> None:
        """Keep one command's output for the log file."""
        self.log.append(
            f"=== {title}\n$ {shlex.join(argv)}\nexit code: {returncode}\n"
            f"--- stdout ---\n{out}\n--- stderr ---\n{err}\n"
        )

    def help_check(self, task: TaskCreateBase, kind: TaskKind, command: str) -> TaskCheck:
        """``<venv python> <package_root>/<exe> --help`` must exit 0."""
        argv = [*shlex.split(command), "--help"]
        shown = f"{display_command(command, self.root_parent)} --help"
        title = f"{task.name} ({kind}) --help"
        try:
            completed = subprocess.run(
                argv, capture_output=True, text=True, timeout=_HELP_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            self._record(title, argv, None, "", str(error))
            return TaskCheck(task.name, task.type, kind, "help", shown, False, str(error))
        self._record(title, argv, completed.returncode, completed.stdout, completed.stderr)
        if completed.returncode == 0:
            return TaskCheck(task.name, task.type, kind, "help", shown, True)
        detail = f"exit {completed.returncode}: {_last_line(completed.stderr, completed.stdout)}"
        return TaskCheck(task.name, task.type, kind, "help", shown, False, detail)

    def help_checks(self) -> list[TaskCheck]:
        """Every command of every task with ``--help``, a few at a time, in task order."""
        jobs = [(task, kind, command) for task in self.tasks for kind, command in _commands(task)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda job: self.help_check(*job), jobs))

    def smoke_checks(self, smoke: SmokeArgs, workdir: Path) -> list[TaskCheck]:
        """The tasks named in ``smoke``, in manifest order, run through ``run_task``."""
        checks = []
        for task in self.tasks:
            per_kind = smoke.get(task.name)
            if per_kind is None:
                continue
            for kind, command in _commands(task):
                args = per_kind.get(kind, per_kind.get(None))
                if args is None:
                    continue
                args = _with_workdir(args, str(workdir))
                run = run_task(
                    task, args=args, kind=kind, workdir=workdir, timeout=_SMOKE_TIMEOUT_S
                )
                self._record(
                    f"{task.name} ({kind}) run",
                    list(run.argv),
                    run.returncode,
                    run.stdout,
                    run.stderr,
                )
                shown = f"{display_command(command, self.root_parent)} --args-json ..."
                detail = None if run.ok else f"{run.error} {_last_line(run.stderr)}".strip()
                checks.append(TaskCheck(task.name, task.type, kind, "smoke", shown, run.ok, detail))
        return checks


def _steps(
    report: CommandReport, args: argparse.Namespace, smoke: SmokeArgs | None, work: Path
) -> list[str]:
    """Run the steps into ``report`` (stopping at the first failure); return the log parts."""
    try:
        request = TaskCollectPipV2(python_version=args.python)
    except ValidationError as error:
        report.fail("request", describe_validation_error("request", error))
        return []
    project = Path(args.project_dir)
    progress(f"Building the wheel of {project}...")
    try:
        wheel = build_project_wheel(project, work / "dist")
    except NotAProjectError as error:
        raise UsageError(str(error)) from error
    except ProjectBuildError as error:
        report.fail("build", str(error))
        return [error.output]
    report.wheel = wheel.name
    report.headline = f"Built {wheel.name}."

    static = check_wheel_collectable(wheel)
    report.warnings += static.warnings
    report.wheel_problems = list(static.problems)
    if static.problems:
        problem = static.problems[0]
        more = (
            f" ({len(static.problems)} problems, all in the log)"
            if len(static.problems) > 1
            else ""
        )
        report.fail(
            "wheel",
            f"fractal-server would fail at stage {problem.stage!r}: {problem.message}\n"
            f"Why: {problem.explanation}{more}",
        )
        return [static.summary()]

    settings = collection_settings(
        work / "tasks", python=args.python, find_links=args.find_links, network=args.network
    )
    progress(f"Collecting {wheel.name} (creating venv, pip install)...")
    result = collect_pip(request, wheel=wheel, settings=settings)
    report.result = result
    report.warnings += result.warnings
    if not result.ok:
        report.fail(result.stage or "unknown", result.error or "")
        return [result.log]
    group = result.task_group
    assert group is not None
    report.headline = (
        f"Built {wheel.name} and collected {group.pkg_name} {group.version} "
        f"(Python {group.python_version}): {task_count(result)}."
    )
    if smoke:
        unknown = sorted(set(smoke) - {task.name for task in result.tasks})
        if unknown:
            report.fail(
                "smoke", f"The smoke-args file names tasks the package does not have: {unknown}."
            )
            return [result.log]

    checker = _Checker(result.tasks, package_root_parent(result))
    progress(f"Running each task executable with --help ({len(result.tasks)} tasks)...")
    report.checks = checker.help_checks()
    if smoke:
        progress("Running the tasks with the smoke args...")
        (work / "smoke").mkdir()
        report.checks += checker.smoke_checks(smoke, work / "smoke")
    failed = [check for check in report.checks if not check.ok]
    if failed:
        check = failed[0]
        report.fail(
            check.check,
            f"{len(failed)} of {len(report.checks)} task commands failed, the first one "
            f"{check.task!r} ({check.kind}): {check.detail}",
        )
    return [result.log, *checker.log]


def run_check(args: argparse.Namespace) -> CommandReport:
    """``taskcollect check``: build, check statically, collect, then run each task's commands;
    the backend's or the collection's log and the commands' output go to the log file."""
    report = CommandReport(command="check")
    smoke = load_smoke_args(args.smoke_args) if args.smoke_args else None
    with tempfile.TemporaryDirectory(prefix="taskcollect-check-") as tmp:
        log = _steps(report, args, smoke, Path(tmp))
    name = report.wheel or Path(args.project_dir).absolute().name
    report.log_path = write_log("check", name, "\n".join(log)) if any(log) else None
    return report
