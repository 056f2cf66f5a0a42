"""Progress lines on stderr while a command works: one per stage, with the elapsed time.

``ProgressView`` listens to ``collection.progress`` events. A stage prints one line
(``[  3.2s] pip install``); pip's progress (``collecting numpy``, ``installing 12 packages``)
rewrites a single status line on a terminal and prints one line each otherwise; a finished task
check prints one line. ``progress_enabled`` decides whether to show anything: never under
``--json`` (unless ``--progress``), only on a terminal unless ``--progress``.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

from ..collection.progress import ProgressEvent, observe_progress

__all__ = ["STAGE_LABELS", "ProgressView", "progress_enabled", "showing_progress"]

STAGE_LABELS = {
    "build": "building the wheel",
    "wheel": "checking the wheel",
    "reuse": "reusing the collection kept in the tasks dir",
    "venv": "creating the venv",
    "install": "pip install",
    "pins": "installing the pinned versions",
    "freeze": "pip freeze",
    "show": "pip show",
    "manifest": "loading the manifest",
    "help": "starting each task with --help",
    "freshness": "rebuilding the manifest with the package's tooling",
    "smoke": "running tasks with the smoke args",
}
"""The stages worth a line; the others (request checks, paths, sizes) take milliseconds."""


def progress_enabled(*, forced: bool | None, json_output: bool, stream: TextIO) -> bool:
    """``--progress`` (``forced=True``) or ``--no-progress`` (``False``) decide; otherwise
    progress shows on a terminal, and never with ``--json``."""
    if forced is not None:
        return forced
    return not json_output and stream.isatty()


class ProgressView:
    """Prints progress events to ``stream`` (a terminal gets one rewritten status line)."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._status_shown = False
        self._last_label: str | None = None
        self._lock = threading.Lock()

    def _line(self, text: str) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def __call__(self, event: ProgressEvent) -> None:
        stamp = f"[{event.elapsed:6.1f}s]"
        with self._lock:
            if event.kind == "stage":
                label = STAGE_LABELS.get(event.stage)
                if label is not None and label != self._last_label:
                    self._last_label = label
                    self._line(f"{stamp} {label}{': ' + event.message if event.message else ''}")
            elif event.kind == "pip" and self.tty:
                self.stream.write(f"\r\x1b[K{stamp}   {event.message}")
                self.stream.flush()
                self._status_shown = True
            else:
                self._line(f"{stamp}   {event.message}")

    def close(self) -> None:
        """End a pending status line."""
        with self._lock:
            if self._status_shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self._status_shown = False


@contextlib.contextmanager
def showing_progress(*, forced: bool | None, json_output: bool) -> Iterator[None]:
    """Show the progress of what runs inside the block on stderr, when ``progress_enabled``."""
    if not progress_enabled(forced=forced, json_output=json_output, stream=sys.stderr):
        yield
        return
    view = ProgressView(sys.stderr)
    try:
        with observe_progress(view):
            yield
    finally:
        view.close()
