"""``pip download`` as ``taskcollect cache fetch-pip`` and ``taskcollect wheelhouse`` run it.

The running interpreter's pip, with the machine's pip configuration hidden
(``pip_environment``), never asking about its own version; what it printed is kept, after the
command line, as a transcript for the command's log.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from .scripts import pip_environment

__all__ = ["PipDownloadError", "pip_download"]


class PipDownloadError(RuntimeError):
    """``pip download`` failed; ``output`` holds what pip printed."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


def pip_download(
    arguments: Sequence[str], *, timeout: float | None
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run ``python -m pip download --disable-pip-version-check <arguments>``; returns the
    finished process and its transcript (``$ <command line>``, then pip's output)."""
    argv = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", *arguments]
    completed = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        errors="replace",
        env=pip_environment(),
        timeout=timeout,
        check=False,
    )
    return completed, f"$ {' '.join(argv)}\n{completed.stdout}{completed.stderr}\n"
