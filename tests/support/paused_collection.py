"""A task package and an interpreter that pause a collection at a chosen point, for real signals.

Nothing in the library knows about these pauses: they use what a collection really runs.

* ``venv``: the configured interpreter is a shell wrapper; while the collection probes it (the
  first step of script 1) it marks ``<hook dir>/venv`` and becomes ``sleep 60``.
* ``install``: the upload is an sdist whose in-tree build backend (``backend-path``, no build
  requirements, so pip builds it offline) marks ``<hook dir>/install`` and waits inside pip's
  build of the package (script 2) until pip is gone.
* ``show``: the wheel that backend builds ships a ``.pth`` file, run by every Python start in the
  venv; in a ``pip show`` (script 4, run as a subprocess in faithful mode) it marks
  ``<hook dir>/show`` and waits.

The environment variables ``TC_HOOK_DIR`` and ``TC_HOOK_POINT`` turn a pause on; every paused
process ends when its parent does (or after 60 s), so a killed collection leaves no process.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import time
from pathlib import Path

from pytest_taskcollect.collection.settings import running_interpreter
from pytest_taskcollect.factory.hostile import _Package

__all__ = [
    "HOOK_GROUP_VERSION",
    "HOOK_PKG_NAME",
    "hook_environment",
    "paused_interpreter",
    "paused_sdist",
    "wait_for_pause",
]

HOOK_PKG_NAME = "fractal-tasks-hostile-paused"
HOOK_GROUP_VERSION = "0.0.1.tar.gz"
"""The server reads the version of an uploaded sdist from its file name, extension included."""

_WAIT = """
def _wait_for_parent():
    import os, time
    parent, deadline = os.getppid(), time.monotonic() + 60
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(0.02)


def pause(point):
    import os, sys
    folder = os.environ.get("TC_HOOK_DIR")
    if folder and os.environ.get("TC_HOOK_POINT") == point:
        open(os.path.join(folder, point), "w").close()
        _wait_for_parent()
"""

_SHOW_HOOK = (
    _WAIT
    + """
import sys
if "show" in sys.argv:
    pause("show")
"""
)

_BACKEND = (
    _WAIT
    + """
import os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
WHEEL = "{wheel}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    pause("install")
    shutil.copy(os.path.join(HERE, WHEEL), wheel_directory)
    return WHEEL
"""
)


def _wheel() -> tuple[str, bytes]:
    package = _Package(
        "paused",
        extra={
            "zz_taskcollect_paused.pth": b"import _taskcollect_paused\n",
            "_taskcollect_paused.py": _SHOW_HOOK.encode(),
        },
    )
    return package.filename, package.wheel()


def paused_sdist(folder: Path) -> Path:
    """Write ``fractal_tasks_hostile_paused-0.0.1.tar.gz`` into ``folder``."""
    wheel_name, wheel = _wheel()
    root = "fractal_tasks_hostile_paused-0.0.1"
    files = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {HOOK_PKG_NAME}\nVersion: 0.0.1\n".encode(),
        "pyproject.toml": (
            b'[build-system]\nrequires = []\nbuild-backend = "paused_backend"\n'
            b'backend-path = ["."]\n'
        ),
        "paused_backend.py": _BACKEND.format(wheel=wheel_name).encode(),
        wheel_name: wheel,
    }
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{root}.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size, info.mtime, info.mode = len(data), 1_700_000_000, 0o644
            archive.addfile(info, io.BytesIO(data))
    return target


def paused_interpreter(folder: Path) -> Path:
    """A wrapper of the running interpreter that pauses (as ``sleep 60``) at point ``venv``."""
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "python-paused"
    wrapper.write_text(
        "#!/bin/sh\n"
        'if [ "$TC_HOOK_POINT" = venv ] && [ -n "$TC_HOOK_DIR" ]; then\n'
        '    : > "$TC_HOOK_DIR/venv"\n'
        "    exec sleep 60\n"
        "fi\n"
        f'exec {running_interpreter()} "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    return wrapper


def hook_environment(hook_dir: Path, point: str) -> dict[str, str]:
    """This process's environment with the pause at ``point`` turned on."""
    return {**os.environ, "TC_HOOK_DIR": str(hook_dir), "TC_HOOK_POINT": point}


def wait_for_pause(process: subprocess.Popen[str], mark: Path, timeout: float = 120) -> None:
    """Wait until ``mark`` exists (the collection is paused there); fail if ``process`` ends."""
    deadline = time.monotonic() + timeout
    while not mark.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the collection ended before {mark.name}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the collection never reached {mark.name}")
        time.sleep(0.02)
