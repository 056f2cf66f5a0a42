"""A cached venv holding the real fractal-server 2.14.5, the oracle our schemas are checked against.

The venv is built once (``python -m venv`` with the resolved interpreter running the tests, then
``pip install fractal-server==2.14.5`` from the package index) and reused by later runs. It lives
in ``$TASKCOLLECT_ORACLE_DIR`` if set (that directory *is* the venv), else in
``~/.cache/pytest-taskcollect/oracle/fractal-server-2.14.5-py<major.minor>``.

Concurrency (pytest-xdist workers, parallel runs): building happens under a ``filelock`` next to
the venv, in place, and a marker file is written last. A venv without the marker (an interrupted
build) is deleted and rebuilt; a venv whose marker names another Python version or whose
interpreter is gone is rebuilt as well.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import filelock
import pytest

SERVER_REQUIREMENT = "fractal-server==2.14.5"
INDEX_HOST = ("pypi.org", 443)
MARKER_NAME = ".taskcollect-oracle-complete.json"
PIP_TIMEOUT_S = 1200
LOCK_TIMEOUT_S = 1800


def python_tag() -> str:
    """``major.minor`` of the interpreter running the tests (the venv uses the same one)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def oracle_dir() -> Path:
    """Where the server venv lives: ``$TASKCOLLECT_ORACLE_DIR`` or the per-user cache."""
    configured = os.environ.get("TASKCOLLECT_ORACLE_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    name = f"fractal-server-2.14.5-py{python_tag()}"
    return Path.home() / ".cache" / "pytest-taskcollect" / "oracle" / name


def venv_python(venv: Path) -> Path:
    """The venv's interpreter path."""
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def base_interpreter() -> Path:
    """The real interpreter behind ``sys.executable`` (not a venv link or a pyenv shim)."""
    return Path(os.path.realpath(sys.executable))


def index_reachable(timeout_s: float = 3.0) -> bool:
    """Cheap check that the package index accepts TCP connections."""
    try:
        with socket.create_connection(INDEX_HOST, timeout=timeout_s):
            return True
    except OSError:
        return False


def _is_complete(venv: Path) -> bool:
    """True if a previous build finished for this Python version and its interpreter still runs."""
    marker = venv / MARKER_NAME
    if not marker.is_file():
        return False
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return info.get("python") == python_tag() and venv_python(venv).exists()


def _run(args: list[str], log: Path) -> subprocess.CompletedProcess[str]:
    """Run one build step, appending its output to the build log."""
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
    )
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"$ {args}\n{result.stdout}\n{result.stderr}\nexit {result.returncode}\n")
    return result


def _build(venv: Path) -> None:
    """Create the venv in place and install the server; skip or fail with the pip log."""
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    log = venv.parent / f"{venv.name}.build.log"
    log.write_text("", encoding="utf-8")
    created = _run([str(base_interpreter()), "-m", "venv", str(venv)], log)
    if created.returncode != 0:
        pytest.fail(f"creating the oracle venv failed, see {log}:\n{created.stderr[-3000:]}")
    python = str(venv_python(venv))
    installed = _run([python, "-m", "pip", "install", SERVER_REQUIREMENT], log)
    if installed.returncode != 0:
        if not index_reachable():
            pytest.skip(f"package index unreachable while installing {SERVER_REQUIREMENT}")
        pytest.fail(
            f"installing {SERVER_REQUIREMENT} failed, see {log}:\n{installed.stderr[-3000:]}"
        )
    probe = _run(
        [python, "-I", "-c", "import fractal_server, pydantic; print(pydantic.VERSION)"], log
    )
    if probe.returncode != 0:
        pytest.fail(f"the oracle venv cannot import fractal_server, see {log}")
    marker = {
        "python": python_tag(),
        "requirement": SERVER_REQUIREMENT,
        "pydantic": probe.stdout.strip(),
    }
    (venv / MARKER_NAME).write_text(json.dumps(marker), encoding="utf-8")


def ensure_server_python() -> Path:
    """Return the interpreter of a complete server venv, building it if needed.

    Skips the calling test when the index is unreachable and no complete venv is cached.
    """
    venv = oracle_dir()
    if _is_complete(venv):
        return venv_python(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(venv.parent / f"{venv.name}.lock"), timeout=LOCK_TIMEOUT_S)
    with lock:
        if not _is_complete(venv):
            if not index_reachable():
                pytest.skip(f"package index {INDEX_HOST[0]} unreachable: cannot install the oracle")
            _build(venv)
    return venv_python(venv)
