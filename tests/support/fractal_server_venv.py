"""Cached venvs holding real fractal-server releases: the oracles our code is checked against.

``ensure_server_venv("2.26.0")`` returns the interpreter of a venv with ``fractal-server==2.26.0``
installed from the package index, built on first use and reused by later runs. Each release
gets the Python it needs (``server_python_version``): 2.14.5 to 2.18.5 run on 3.11, 2.18.6 to
2.25.x need 3.12, 2.26.0 needs 3.13. The venvs live in ``$TASKCOLLECT_ORACLE_DIR`` if set, else
in ``~/.cache/pytest-taskcollect/oracle/``, one folder per release and Python
(``fractal-server-<version>-py<X.Y>``).

Concurrency (pytest-xdist workers, parallel runs): building happens under a ``filelock`` next to
the venv, in place, and a marker file is written last. A venv without the marker (an interrupted
build) is deleted and rebuilt; a venv whose interpreter is gone is rebuilt as well.

Importing fractal-server >= 2.17 builds its settings at import time: ``server_import_env``
gives the variables that makes possible without a database.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import filelock
import pytest
from packaging.version import Version

from .interpreters import find_interpreter

__all__ = [
    "ensure_server_venv",
    "index_reachable",
    "server_import_env",
    "server_python_version",
    "server_venv_dir",
]

INDEX_HOST = ("pypi.org", 443)
MARKER_NAME = ".taskcollect-oracle-complete.json"
PIP_TIMEOUT_S = 1200
LOCK_TIMEOUT_S = 1800

# The newest Python each range of releases installs with, lowest range first.
_PYTHON_BY_RELEASE = (("2.14.5", "3.11"), ("2.18.6", "3.12"), ("2.26.0", "3.13"))


def server_python_version(version: str) -> str:
    """The ``X.Y`` the venv of fractal-server ``version`` is built with."""
    chosen = _PYTHON_BY_RELEASE[0][1]
    for first, python in _PYTHON_BY_RELEASE:
        if Version(version) >= Version(first):
            chosen = python
    return chosen


def server_venv_dir(version: str) -> Path:
    """Where the venv of fractal-server ``version`` lives."""
    configured = os.environ.get("TASKCOLLECT_ORACLE_DIR")
    root = (
        Path(configured).expanduser().resolve()
        if configured
        else Path.home() / ".cache" / "pytest-taskcollect" / "oracle"
    )
    return root / f"fractal-server-{version}-py{server_python_version(version)}"


def server_import_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment in which ``import fractal_server...`` works for every release.

    Releases from 2.17 build their settings at import time and need ``POSTGRES_DB`` and
    ``JWT_SECRET_KEY``; no database is contacted by importing.
    """
    env = dict(os.environ if base is None else base)
    env.setdefault("POSTGRES_DB", "fractal_oracle")
    env.setdefault("JWT_SECRET_KEY", "pytest-taskcollect-oracle")
    return env


def venv_python(venv: Path) -> Path:
    """The venv's interpreter path."""
    return venv / "bin" / "python"


def index_reachable(timeout_s: float = 3.0) -> bool:
    """Cheap check that the package index accepts TCP connections."""
    try:
        with socket.create_connection(INDEX_HOST, timeout=timeout_s):
            return True
    except OSError:
        return False


def _is_complete(venv: Path, version: str) -> bool:
    """True if a previous build of this release finished and its interpreter still runs."""
    marker = venv / MARKER_NAME
    if not marker.is_file():
        return False
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return info.get("version") == version and venv_python(venv).exists()


def _run(args: list[str], log: Path) -> subprocess.CompletedProcess[str]:
    """Run one build step, appending its output to the build log."""
    result = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT_S,
        check=False,
        env=server_import_env(),
    )
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"$ {args}\n{result.stdout}\n{result.stderr}\nexit {result.returncode}\n")
    return result


def _build(venv: Path, version: str, interpreter: Path) -> None:
    """Create the venv in place and install the server; skip or fail with the pip log."""
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    log = venv.parent / f"{venv.name}.build.log"
    log.write_text("", encoding="utf-8")
    created = _run([str(interpreter), "-m", "venv", str(venv)], log)
    if created.returncode != 0:
        pytest.fail(f"creating the oracle venv failed, see {log}:\n{created.stderr[-3000:]}")
    python = str(venv_python(venv))
    requirement = f"fractal-server=={version}"
    installed = _run([python, "-m", "pip", "install", requirement], log)
    if installed.returncode != 0:
        if not index_reachable():
            pytest.skip(f"package index unreachable while installing {requirement}")
        pytest.fail(f"installing {requirement} failed, see {log}:\n{installed.stderr[-3000:]}")
    probe = _run(
        [python, "-I", "-c", "import fractal_server, pydantic; print(pydantic.VERSION)"], log
    )
    if probe.returncode != 0:
        pytest.fail(f"the oracle venv cannot import fractal_server, see {log}")
    marker = {
        "version": version,
        "python": server_python_version(version),
        "pydantic": probe.stdout.strip(),
    }
    (venv / MARKER_NAME).write_text(json.dumps(marker), encoding="utf-8")


def ensure_server_venv(version: str) -> Path:
    """Return the interpreter of a complete venv of fractal-server ``version``, building it if
    needed.

    Skips the calling test when the release's Python is not installed here, or when the index
    is unreachable and no complete venv is cached.
    """
    venv = server_venv_dir(version)
    if _is_complete(venv, version):
        return venv_python(venv)
    python = server_python_version(version)
    interpreter = find_interpreter(python)
    if interpreter is None:
        pytest.skip(f"fractal-server {version} needs Python {python}, which is not installed here")
    venv.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(venv.parent / f"{venv.name}.lock"), timeout=LOCK_TIMEOUT_S)
    with lock:
        if not _is_complete(venv, version):
            if not index_reachable():
                pytest.skip(f"package index {INDEX_HOST[0]} unreachable: cannot install the oracle")
            _build(venv, version, interpreter)
    return venv_python(venv)
