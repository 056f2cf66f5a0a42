"""Progress of a long-running collection, for whoever waits on it: a small event API.

A collection emits a ``ProgressEvent`` when it enters a stage (``"venv"``, ``"install"``,
``"show"``, ...) and, while pip runs, for each line of pip's output that says how far it got
(``Collecting numpy``, ``Downloading ...``, ``Installing collected packages: ...``). Nothing is
emitted unless someone listens::

    with observe_progress(print):
        collect_pip(request, settings=settings)

The listener is held in a context variable, so the collection's signature does not change and
only the code running inside ``observe_progress`` (in the same thread or task) reports to it.
Listening changes how pip runs in one way only: its output is read line by line as it comes
instead of at the end; what the collection records is the same.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ProgressEvent",
    "ProgressKind",
    "ProgressListener",
    "emit",
    "listening",
    "observe_progress",
    "pip_line_listener",
]

ProgressKind = Literal["stage", "pip", "task", "note"]
"""``stage``: a new stage began; ``pip``: pip got further; ``task``: a task check finished;
``note``: anything else worth a line (a reused venv, a skipped step)."""


@dataclass(frozen=True)
class ProgressEvent:
    """One step forward. ``elapsed`` counts seconds since ``observe_progress`` began;
    ``done``/``total`` are set when the step is one of a known number (packages, tasks)."""

    kind: ProgressKind
    stage: str
    message: str
    elapsed: float
    done: int | None = None
    total: int | None = None


ProgressListener = Callable[[ProgressEvent], None]


@dataclass
class _Observation:
    listener: ProgressListener
    started: float
    stage: str = ""


_current: ContextVar[_Observation | None] = ContextVar("taskcollect_progress", default=None)


@contextmanager
def observe_progress(listener: ProgressListener) -> Iterator[None]:
    """Send the progress of collections run inside the ``with`` block to ``listener``."""
    token = _current.set(_Observation(listener, time.perf_counter()))
    try:
        yield
    finally:
        _current.reset(token)


def listening() -> bool:
    """True inside ``observe_progress`` (so that callers can skip work nobody will see)."""
    return _current.get() is not None


def emit(
    kind: ProgressKind,
    stage: str,
    message: str = "",
    *,
    done: int | None = None,
    total: int | None = None,
) -> None:
    """Report one event to the current listener, if any. A ``stage`` event for the stage
    already running is dropped (stages are entered more than once by the runners)."""
    observation = _current.get()
    if observation is None:
        return
    if kind == "stage":
        if stage == observation.stage:
            return
        observation.stage = stage
    elapsed = time.perf_counter() - observation.started
    observation.listener(ProgressEvent(kind, stage, message, elapsed, done, total))


_COLLECTING = re.compile(r"^(?:Collecting|Processing) (\S+)")
_DOWNLOADING = re.compile(r"^\s*Downloading (\S+)(?: \((.+)\))?")
_INSTALLING = re.compile(r"^Installing collected packages: (.+)$")
_INSTALLED = re.compile(r"^Successfully installed (.+)$")


def _distribution(requirement: str) -> str:
    """``numpy>=1`` as is; a file (``.../pydantic_core-2.50.0-cp311-...whl``) as ``name
    version``."""
    name = requirement.rsplit("/", 1)[-1]
    if name.endswith((".whl", ".tar.gz", ".zip")):
        parts = name.split("-")
        return " ".join(parts[:2]) if len(parts) > 1 else name
    return name


class _PipLines:
    """Turns pip's output lines into ``pip`` events for the current stage."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.found = 0

    def __call__(self, line: str) -> None:
        line = line.rstrip("\n")
        if match := _COLLECTING.match(line):
            self.found += 1
            emit("pip", self.stage, f"collecting {_distribution(match[1])}", done=self.found)
        elif match := _DOWNLOADING.match(line):
            size = f" ({match[2]})" if match[2] else ""
            name = match[1].rsplit("/", 1)[-1].split("-", 1)[0]
            emit("pip", self.stage, f"downloading {name}{size}")
        elif match := _INSTALLING.match(line):
            names = [name.strip() for name in match[1].split(",") if name.strip()]
            emit(
                "pip",
                self.stage,
                f"installing {len(names)} package{'s' if len(names) != 1 else ''}",
                done=0,
                total=len(names),
            )
        elif match := _INSTALLED.match(line):
            count = len(match[1].split())
            emit(
                "pip",
                self.stage,
                f"installed {count} package{'s' if count != 1 else ''}",
                done=count,
                total=count,
            )


def pip_line_listener() -> Callable[[str], None] | None:
    """A handler for pip's output lines that reports them as ``pip`` events in the current
    stage, or ``None`` when nobody listens (then pip's output need not be streamed)."""
    observation = _current.get()
    if observation is None:
        return None
    return _PipLines(observation.stage)
