"""Do the collected tasks start? Each task command, run with ``--help`` in the collected venv.

Fractal tasks parse their arguments with argparse (``run_fractal_task``), so ``<venv python>
<package_root>/<executable> --help`` imports the task module and everything it imports, then
exits 0, without running the task. A task whose imports fail (a missing dependency, an extra
that was not requested, an unpinned dependency whose new release removed a name) exits non-zero
here exactly as it would when Fractal runs it. The commands run in parallel, a few at a time.

When a task fails with ``No module named 'X'`` and ``X`` belongs to an extra of the package
(``Requires-Dist: X; extra == "E"`` in its installed metadata), ``TaskStart.hint`` says so.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..collection.result import CollectionResult
from ..collection.scripts import pip_environment
from ..schemas.task import TaskCreateBase

__all__ = [
    "DEFAULT_HELP_TIMEOUT_S",
    "DEFAULT_HELP_WORKERS",
    "TaskStart",
    "check_tasks_start",
    "extra_providing",
    "installed_metadata",
    "task_commands",
]

DEFAULT_HELP_TIMEOUT_S = 120.0
DEFAULT_HELP_WORKERS = 4
"""At most this many ``--help`` runs at a time: imports of scientific stacks are CPU-bound."""

_MISSING_MODULE = re.compile(r"No module named '([^']+)'")


@dataclass(frozen=True)
class TaskStart:
    """The ``--help`` run of one task command. ``detail`` (the last line the task printed,
    usually its exception) and ``hint`` (what to do) are set when it did not start."""

    task: str
    type: str | None
    kind: str
    argv: tuple[str, ...]
    ok: bool
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    detail: str | None = None
    hint: str | None = None


def task_commands(
    tasks: Sequence[TaskCreateBase],
) -> Iterator[tuple[TaskCreateBase, str, str]]:
    """``(task, kind, command)`` for every command of every task, in task order."""
    for task in tasks:
        for kind in ("non_parallel", "parallel"):
            command = getattr(task, f"command_{kind}")
            if command is not None:
                yield task, kind, command


def _last_line(*texts: str) -> str:
    for text in texts:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return ""


def installed_metadata(site_packages: Path, pkg_name: str) -> str | None:
    """The METADATA text of ``pkg_name`` installed in ``site_packages``."""
    if not site_packages.is_dir():
        return None
    wanted = canonicalize_name(pkg_name)
    for entry in os.listdir(site_packages):
        if entry.endswith(".dist-info"):
            name = entry[: -len(".dist-info")].rsplit("-", 1)[0]
            if canonicalize_name(name) == wanted:
                metadata = site_packages / entry / "METADATA"
                if metadata.is_file():
                    return metadata.read_text(encoding="utf-8", errors="replace")
    return None


def extra_providing(module: str, metadata: str) -> str | None:
    """The extra of a package (given its METADATA text) whose requirements include a
    distribution importable as ``module`` (compared by normalised name), or ``None``."""
    top = canonicalize_name(module.split(".")[0])
    for value in HeaderParser().parsestr(metadata).get_all("Requires-Dist") or []:
        try:
            requirement = Requirement(value)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != top or requirement.marker is None:
            continue
        extras = re.findall(r"extra\s*==\s*['\"]([^'\"]+)['\"]", str(requirement.marker))
        if extras:
            return str(extras[0])
    return None


class _Runner:
    def __init__(self, metadata: str | None, timeout: float) -> None:
        self.metadata = metadata
        self.timeout = timeout
        self.env = pip_environment()

    def __call__(self, task: TaskCreateBase, kind: str, command: str) -> TaskStart:
        argv = (*shlex.split(command), "--help")
        started = time.perf_counter()
        try:
            completed = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=self.timeout,
                env=self.env,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            seconds = time.perf_counter() - started
            return TaskStart(
                task.name, task.type, kind, argv, False, None, "", str(error), seconds, str(error)
            )
        seconds = time.perf_counter() - started
        if completed.returncode == 0:
            return TaskStart(
                task.name,
                task.type,
                kind,
                argv,
                True,
                0,
                completed.stdout,
                completed.stderr,
                seconds,
            )
        detail = f"exit {completed.returncode}: {_last_line(completed.stderr, completed.stdout)}"
        return TaskStart(
            task.name,
            task.type,
            kind,
            argv,
            False,
            completed.returncode,
            completed.stdout,
            completed.stderr,
            seconds,
            detail,
            self._hint(detail),
        )

    def _hint(self, detail: str) -> str | None:
        match = _MISSING_MODULE.search(detail)
        if match is None or self.metadata is None:
            return None
        extra = extra_providing(match[1], self.metadata)
        if extra is None:
            return None
        return (
            f"{match[1].split('.')[0]} comes with the package's extra {extra!r}: collect it "
            f"with that extra (--extras {extra}), as Fractal users must"
        )


def check_tasks_start(
    result: CollectionResult,
    *,
    timeout: float = DEFAULT_HELP_TIMEOUT_S,
    max_workers: int = DEFAULT_HELP_WORKERS,
    on_done: Callable[[TaskStart], None] | None = None,
) -> list[TaskStart]:
    """Run every task command of a successful collection with ``--help``, at most
    ``max_workers`` at a time; ``on_done`` is called (in the calling thread) as each one
    finishes. Returns the outcomes in task order."""
    if not result.ok:
        raise ValueError(f"The collection failed at stage {result.stage!r}: no task to start.")
    group = result.task_group
    metadata = None
    if group is not None and group.venv_path and group.python_version:
        site = Path(group.venv_path) / "lib" / f"python{group.python_version}" / "site-packages"
        metadata = installed_metadata(site, group.pkg_name)
    runner = _Runner(metadata, timeout)
    jobs = list(task_commands(result.tasks))
    outcomes: dict[int, TaskStart] = {}
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        futures = {pool.submit(runner, *job): index for index, job in enumerate(jobs)}
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[futures[future]] = outcome
            if on_done is not None:
                on_done(outcome)
    return [outcomes[index] for index in range(len(jobs))]
