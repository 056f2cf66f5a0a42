"""Finding the CPython interpreters on this machine: pyenv first, then ``pythonX.Y`` on PATH."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["find_interpreter"]


def _pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))


def find_interpreter(version: str) -> Path | None:
    """The real executable of a CPython ``X.Y`` on this machine, or ``None``.

    pyenv's installed versions come first (their real binaries, never the bash shims); then a
    ``pythonX.Y`` on ``PATH`` that is not a pyenv shim.
    """
    for candidate in sorted((_pyenv_root() / "versions").glob(f"{version}.*/bin/python{version}")):
        if candidate.is_file():
            return candidate
    found = shutil.which(f"python{version}")
    if found and "/shims/" not in found:
        return Path(os.path.realpath(found))
    return None
