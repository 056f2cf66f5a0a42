"""``taskcollect check``: would fractal-server collect this project, and do its tasks work?

Every argument is checked first (nothing is printed or built before that). Then, stopping only
when the collection fails: build the project's wheel (``project_build``; or take the given
wheel), check the wheel statically (``wheel_check``), collect it through the pip path with the
request the server would get (``--extras``, ``--pin``, ``--python``), run every task command
with ``--help`` in the collected venv (in parallel, a few at a time: it imports the task module
and its dependencies without running the task), rebuild the manifest with the package's own
tooling to see whether the committed one is up to date (``manifest_freshness``) and, with
``--smoke-args``, run the named tasks for real through ``run_task``.

The verdict (``checks.verdict``): exit 1 when the server would not collect the package, 3 when
it collects but some task does not start or the manifest is stale, 0 when everything works.

The tasks dir is temporary unless ``--keep`` (keep it and say where) or ``--tasks-dir D``
(collect there and keep it; the next check of the same inputs in ``D`` reuses that collection,
``check_reuse``). Messages name a path inside the tasks dir only when it is kept.

The smoke-args file maps task names to arguments: ``{"Task": {...args...}}`` for every command
of the task, or ``{"Task": {"non_parallel": {...}, "parallel": {...}}}`` per command (needed for
compound tasks, whose two steps take different arguments). Tasks run in manifest order in one
work directory; ``{workdir}`` in a string argument is replaced by its path, so that a task can
use what an earlier one created.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import shlex
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from ..checks.manifest_freshness import manifest_freshness_of
from ..checks.task_start import TaskStart, check_tasks_start, task_commands
from ..checks.verdict import Verdict, package_verdict
from ..checks.wheel_check import check_wheel_collectable
from ..collection import CollectionResult, collect_pip, progress
from ..collection.run_task import TaskKind, run_task
from ..collection.settings import Installer
from ..factory.project import ProjectBuildError, build_project_wheel
from ..profiles import DEFAULT_SERVER_VERSION, get_profile
from ..schemas.task import TaskCreateBase
from ..schemas.task_collection import PipRequestBase
from . import check_reuse
from .collect import (
    collection_settings,
    find_link,
    keep_venv_self_contained,
    package_root_parent,
    read_json_file,
)
from .explain import display_target, explain_failure
from .progress_view import showing_progress
from .python_option import PythonChoice, resolve_python, unsupported_version_hint
from .report import (
    CommandReport,
    TaskCheck,
    UsageError,
    describe_validation_error,
    display_command,
    task_count,
    write_log,
)
from .server_option import pin_fields

__all__ = ["load_smoke_args", "run_check"]

_KINDS: tuple[TaskKind, ...] = ("non_parallel", "parallel")
_SMOKE_TIMEOUT_S = 600
_SHOWN_DIFFERENCES = 10

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


def _last_line(*texts: str) -> str:
    """The last non-empty line of the first text that has one (usually the exception)."""
    for text in texts:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return ""


def _command_log(title: str, argv: Any, returncode: int | None, out: str, err: str) -> str:
    return (
        f"=== {title}\n$ {shlex.join(argv)}\nexit code: {returncode}\n"
        f"--- stdout ---\n{out}\n--- stderr ---\n{err}\n"
    )


@dataclass(frozen=True)
class _Inputs:
    """The checked arguments of one ``taskcollect check``."""

    target: Path
    is_wheel: bool
    python: PythonChoice
    extras: tuple[str, ...]
    pins: tuple[tuple[str, str], ...]
    find_links: tuple[str, ...]
    network: bool
    tasks_dir: Path | None
    keep: bool
    smoke: SmokeArgs | None
    task_list_path: str
    manifest_check: bool
    server_version: str = DEFAULT_SERVER_VERSION
    installer: Installer = "pip"
    pin_fields: dict[str, Any] = field(default_factory=dict)
    """The request's pin fields for ``server_version`` (``--pin``, ``--pin-pre/-post``)."""

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> _Inputs:
        """Every argument checked, before anything is printed; ``UsageError`` otherwise."""
        smoke = load_smoke_args(args.smoke_args) if args.smoke_args else None
        profile = get_profile(args.server_version)
        python = resolve_python(args.python, profile)
        pins = pin_fields(args, profile)
        target = Path(args.project_dir)
        is_wheel = target.is_file() and target.suffix == ".whl"
        if not is_wheel:
            if target.suffix == ".whl":
                raise UsageError(f"Wheel file {target} does not exist.")
            if not target.is_dir():
                raise UsageError(f"{target} is neither a project folder nor a wheel file.")
            if not (target / "pyproject.toml").is_file() and not (target / "setup.py").is_file():
                raise UsageError(
                    f"{target.absolute()} is not a Python project: it has no pyproject.toml "
                    "(nor setup.py)."
                )
        tasks_dir = Path(args.tasks_dir).absolute() if args.tasks_dir else None
        if tasks_dir is not None and tasks_dir.exists() and not tasks_dir.is_dir():
            raise UsageError(f"--tasks-dir {args.tasks_dir}: not a folder.")
        return cls(
            target=target.absolute(),
            is_wheel=is_wheel,
            python=python,
            extras=tuple(item.strip() for item in (args.extras or "").split(",") if item.strip()),
            pins=tuple(args.pin),
            find_links=tuple(find_link(link) for link in args.find_links),
            network=args.network,
            tasks_dir=tasks_dir,
            keep=args.keep or tasks_dir is not None,
            smoke=smoke,
            task_list_path=args.task_list_path,
            manifest_check=not args.no_manifest_check,
            server_version=profile.version,
            installer=args.installer,
            pin_fields=pins,
        )


class _Check:
    """One check's steps; fills ``report`` and collects the log parts."""

    def __init__(self, inputs: _Inputs, report: CommandReport, tasks_dir: Path, work: Path):
        self.inputs = inputs
        self.report = report
        self.tasks_dir = tasks_dir
        self.work = work
        self.log: list[str] = []

    @contextlib.contextmanager
    def _step(self, name: str, message: str = "") -> Iterator[None]:
        progress.emit("stage", name, message)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.report.timings[name] = round(time.perf_counter() - started, 3)

    def run(self, request: PipRequestBase) -> None:
        wheel = self._wheel()
        if wheel is None or not self._static_check(wheel):
            return
        result = self._collect(request, wheel)
        if result is None:
            return
        starts = self._help(result)
        self._freshness(result)
        if self.inputs.smoke:
            self._smoke(result)
        self._verdict(result, starts)

    def _wheel(self) -> Path | None:
        inputs, report = self.inputs, self.report
        if inputs.is_wheel:
            report.wheel = inputs.target.name
            return inputs.target
        with self._step("build"):
            try:
                wheel = build_project_wheel(inputs.target, self.work / "dist")
            except ProjectBuildError as error:
                report.fail("build", str(error))
                self.log.append(error.output)
                return None
        report.wheel = wheel.name
        report.headline = f"Built {wheel.name}."
        return wheel

    def _static_check(self, wheel: Path) -> bool:
        report = self.report
        with self._step("wheel"):
            static = check_wheel_collectable(wheel)
        report.warnings += static.warnings
        report.wheel_problems = list(static.problems)
        if not static.problems:
            return True
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
        self.log.append(static.summary())
        return False

    def _collect(self, request: PipRequestBase, wheel: Path) -> CollectionResult | None:
        inputs, report = self.inputs, self.report
        settings = collection_settings(
            self.tasks_dir,
            interpreters=inputs.python.interpreters,
            find_links=inputs.find_links,
            network=inputs.network,
            server_version=inputs.server_version,
            installer=inputs.installer,
        )
        started = time.perf_counter()
        result = None
        key = None
        if inputs.tasks_dir is not None:
            key = check_reuse.reuse_key(wheel, request, settings)
            result = check_reuse.load(self.tasks_dir, wheel.name, key)
            if result is not None:
                progress.emit("stage", "reuse", str(self.tasks_dir))
                self.log.append(
                    f"(The collection below was recorded in {self.tasks_dir} by an earlier "
                    "check of the same inputs, and reused.)"
                )
            else:
                check_reuse.forget(self.tasks_dir, wheel.name)
        if result is None:
            result = collect_pip(request, wheel=wheel, settings=settings)
            if result.ok and key is not None:
                check_reuse.save(self.tasks_dir, wheel.name, key, result)
        report.timings["collect"] = round(time.perf_counter() - started, 3)
        report.result = result
        report.package_root_parent = package_root_parent(result)
        report.warnings += result.warnings
        self.log.append(result.log)
        if not result.ok:
            python_version = result.task_group.python_version if result.task_group else None
            sentence = explain_failure(
                result,
                network=inputs.network,
                wheel=wheel,
                extras=inputs.extras,
                find_links=inputs.find_links,
                target=display_target(str(inputs.target)),
                python_version=python_version or inputs.python.version or "X.Y",
            )
            if result.stage == "python" or (
                result.stage == "request" and "python_version" in (result.error or "")
            ):
                sentence += " " + unsupported_version_hint(get_profile(inputs.server_version))
            report.fail(result.stage or "unknown", sentence)
            return None
        group = result.task_group
        assert group is not None
        report.headline = (
            f"{report.headline + ' ' if report.headline else ''}Collected {group.pkg_name} "
            f"{group.version} (Python {group.python_version}"
            f"{', extras: ' + group.pip_extras if group.pip_extras else ''}): "
            f"{task_count(result)}."
        )
        if inputs.smoke:
            unknown = sorted(set(inputs.smoke) - {task.name for task in result.tasks})
            if unknown:
                raise UsageError(
                    f"The smoke-args file names tasks the package does not have: {unknown}."
                )
        return result

    def _help(self, result: CollectionResult) -> list[TaskStart]:
        root = package_root_parent(result)
        count = sum(1 for _ in task_commands(result.tasks))

        def done(start: TaskStart) -> None:
            mark = "ok" if start.ok else "FAILED"
            progress.emit(
                "task", "help", f"{mark:6} {start.task} ({start.kind})  {start.seconds:.1f}s"
            )

        with self._step("help", f"{count} task command{'s' if count != 1 else ''}"):
            starts = check_tasks_start(result, on_done=done)
        for start in starts:
            command = getattr(_task(result, start.task), f"command_{start.kind}")
            self.report.checks.append(
                TaskCheck(
                    start.task,
                    start.type,
                    start.kind,
                    "help",
                    f"{display_command(command, root)} --help",
                    start.ok,
                    start.detail,
                    start.hint,
                    round(start.seconds, 3),
                )
            )
            self.log.append(
                _command_log(
                    f"{start.task} ({start.kind}) --help",
                    start.argv,
                    start.returncode,
                    start.stdout,
                    start.stderr,
                )
            )
        return starts

    def _freshness(self, result: CollectionResult) -> None:
        inputs = self.inputs
        if not inputs.manifest_check:
            return
        with self._step("freshness"):
            freshness = manifest_freshness_of(
                result,
                task_list_path=inputs.task_list_path,
                project_dir=None if inputs.is_wheel else inputs.target,
            )
        self.report.manifest = freshness
        self.log.append(f"=== manifest freshness: {freshness.status}\n{freshness.output}")
        if freshness.differences:
            self.log.append("\n".join(str(item) for item in freshness.differences))

    def _smoke(self, result: CollectionResult) -> None:
        smoke = self.inputs.smoke
        assert smoke is not None
        root = package_root_parent(result)
        workdir = self.work / "smoke"
        workdir.mkdir()
        with self._step("smoke"):
            for task, kind, command in task_commands(result.tasks):
                args = smoke.get(task.name, {})
                chosen = args.get(cast(TaskKind, kind), args.get(None))
                if chosen is None:
                    continue
                run = run_task(
                    task,
                    args=_with_workdir(chosen, str(workdir)),
                    kind=cast(TaskKind, kind),
                    workdir=workdir,
                    timeout=_SMOKE_TIMEOUT_S,
                )
                self.log.append(
                    _command_log(
                        f"{task.name} ({kind}) run",
                        run.argv,
                        run.returncode,
                        run.stdout,
                        run.stderr,
                    )
                )
                detail = None if run.ok else f"{run.error} {_last_line(run.stderr)}".strip()
                self.report.checks.append(
                    TaskCheck(
                        task.name,
                        task.type,
                        kind,
                        "smoke",
                        f"{display_command(command, root)} --args-json ...",
                        run.ok,
                        detail,
                        seconds=round(run.duration, 3),
                    )
                )

    def _verdict(self, result: CollectionResult, starts: list[TaskStart]) -> None:
        report, inputs = self.report, self.inputs
        group = result.task_group
        assert group is not None
        failed = [check for check in report.checks if not check.ok]
        for check in failed:
            report.notes.append(f"- {check.task} ({check.kind}, {check.check}): {check.detail}")
            if check.hint:
                report.notes.append(f"  {check.hint}")
        if failed and starts:
            if inputs.keep:
                failing = next((start for start in starts if not start.ok), None)
                if failing is not None:
                    report.notes.append(f"Reproduce: {shlex.join(failing.argv)}")
            else:
                report.notes.append("Rerun with --keep to keep the collected venv and inspect it.")
        freshness = report.manifest
        if freshness is not None:
            report.notes += ["", freshness.summary()] if report.notes else [freshness.summary()]
            for item in freshness.differences[:_SHOWN_DIFFERENCES]:
                report.notes.append(f"  {item}")
            hidden = len(freshness.differences) - _SHOWN_DIFFERENCES
            if hidden > 0:
                report.notes.append(f"  ... and {hidden} more (all in the log and in --json)")
        # Smoke runs that fail are problems too, beyond the verdict on --help and the manifest.
        if package_verdict(result, starts, freshness) is Verdict.COLLECTS and not failed:
            return
        collects = f"fractal-server collects {group.pkg_name} {group.version}"
        if not failed:
            assert freshness is not None
            summary = freshness.summary()
            report.fail(
                "manifest",
                f"{collects} and every task starts, but {summary[0].lower()}{summary[1:]}",
                status="problems",
            )
            return
        first = failed[0]
        what = "start" if first.check == "help" else "run with the smoke args"
        sentence = (
            f"{collects}, but {len(failed)} of {len(report.checks)} task commands do not "
            f"{what}; the first, {first.task!r} ({first.kind}): {first.detail}"
        )
        if first.hint:
            sentence += f" ({first.hint})"
        if freshness is not None and freshness.status == "stale":
            sentence += "; the committed manifest is not up to date either"
        elif freshness is not None and freshness.status == "error":
            sentence += "; the manifest cannot be rebuilt either"
        report.fail(first.check, sentence + ".", status="problems")


def _forget_removed_folder(report: CommandReport, tasks_dir: Path) -> None:
    """Messages must not point into the removed tasks dir: such paths (in an exception a task
    printed, in the server's message) become ``<removed tasks dir>``; ``--keep`` keeps it."""
    folder = str(tasks_dir)

    def scrub(text: str | None) -> str | None:
        return text.replace(folder, "<removed tasks dir>") if text else text

    report.error = scrub(report.error)
    report.notes = [scrub(note) or "" for note in report.notes]
    report.checks = [
        dataclasses.replace(check, detail=scrub(check.detail)) for check in report.checks
    ]


def _task(result: CollectionResult, name: str) -> TaskCreateBase:
    return next(task for task in result.tasks if task.name == name)


def run_check(args: argparse.Namespace) -> CommandReport:
    """``taskcollect check``: see the module docstring. The collection's log and every checked
    command's output go to the log file."""
    inputs = _Inputs.from_args(args)
    profile = get_profile(inputs.server_version)
    report = CommandReport(command="check", server_version=profile.version)
    try:
        request = profile.schemas.pip_request(
            python_version=inputs.python.version,
            package_extras=",".join(inputs.extras) or None,
            **inputs.pin_fields,
        )
    except ValidationError as error:
        sentence = describe_validation_error("request", error)
        if any(item["loc"] == ("python_version",) for item in error.errors()):
            sentence += " " + unsupported_version_hint(profile)
        return report.fail("request", sentence)
    assert isinstance(request, PipRequestBase)

    tasks_dir = inputs.tasks_dir or Path(tempfile.mkdtemp(prefix="taskcollect-check-"))
    work = Path(tempfile.mkdtemp(prefix="taskcollect-check-build-"))
    started = time.perf_counter()
    check = _Check(inputs, report, tasks_dir, work)
    try:
        with showing_progress(forced=args.progress, json_output=args.json):
            check.run(request)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not inputs.keep:
            shutil.rmtree(tasks_dir, ignore_errors=True)
    report.timings["total"] = round(time.perf_counter() - started, 3)
    report.tasks_dir = tasks_dir if inputs.keep else None
    if inputs.keep and report.result is not None:
        keep_venv_self_contained(report, report.result)
    if not inputs.keep:
        _forget_removed_folder(report, tasks_dir)
    name = report.wheel or inputs.target.name
    log = [part for part in check.log if part]
    report.log_path = write_log("check", name, "\n".join(log)) if log else None
    return report
