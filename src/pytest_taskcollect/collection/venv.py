"""Creating the task group's venv, its offline bootstrap wheels, and measuring it.

The server runs ``python -m venv <venv> --copies``: ``ensurepip`` installs the pip (and, up to
Python 3.11, the setuptools) bundled with that interpreter, taking about 4 s here. We create
the venv with ``virtualenv`` instead, seeded with **the same wheels** (``--pip <ensurepip's
version>``, ``--setuptools <ensurepip's version>`` or none) and ``--symlink-app-data``: the
seeded packages are symlinks into virtualenv's shared, byte-compiled app-data image, which makes
creation take tens of milliseconds and every later pip call start fast. The installed packages,
and so ``pip freeze``, are those of the server's venv; the venv's files are not (symlinks instead
of copies), so ``venv_size_in_kB`` and ``venv_file_number`` are smaller than the server's.

When fast mode knows that the release's upgrade command (``pip install "pip<=<cap>" --upgrade``,
or ``pip install pip setuptools --upgrade``) would install a newer pip (or setuptools) from the
sources (``pip_seed``), the venv is seeded with those instead.

Offline, the ``ensurepip`` wheels also stand in for PyPI in the server's
``pip install "pip<=24.0" --upgrade`` (the bundled pips of 3.9 to 3.12, 23.0.1 to 23.2.1,
satisfy the cap; a ``pip-24.0`` wheel in ``find_links`` makes the upgrade real), and
virtualenv's embedded setuptools stands in for PyPI's in ``pip install setuptools`` on Python
3.12+, whose venvs have none.
"""

from __future__ import annotations

import math
import os
import stat
import threading
from pathlib import Path

import virtualenv
from virtualenv.seed.wheels.embed import get_embed_wheel

from .interpreters import InterpreterInfo

__all__ = ["bootstrap_wheels", "create_venv", "venv_size_and_file_number"]

_virtualenv_lock = threading.Lock()


def bootstrap_wheels(info: InterpreterInfo) -> list[Path]:
    """Wheels added to the offline sources: ensurepip's pip/setuptools, virtualenv's setuptools."""
    wheels = []
    for project in ("pip", "setuptools"):
        bundled = info.bundled(project)
        if bundled is not None:
            wheels.append(bundled[1])
    embedded = get_embed_wheel("setuptools", info.major_minor)
    if embedded is not None:
        wheels.append(Path(embedded.path))
    return wheels


def virtualenv_arguments(
    venv_path: str,
    info: InterpreterInfo,
    pip: tuple[str, Path] | None = None,
    setuptools: tuple[str, Path] | None = None,
) -> list[str]:
    """virtualenv's command line for a venv seeded like ``python -m venv`` would be, or with
    ``pip`` and ``setuptools`` (``(version, wheel)``) instead of the bundled ones (``pip_seed``)."""
    args = [venv_path, "--symlink-app-data", "--no-periodic-update", "-p", info.path]
    pip = pip or info.bundled("pip")
    setuptools = setuptools or info.bundled("setuptools")
    search_dirs = sorted({str(wheel.parent) for _, wheel in filter(None, (pip, setuptools))})
    for folder in search_dirs:
        args += ["--extra-search-dir", folder]
    args += ["--pip", pip[0] if pip is not None else "embed"]
    args += ["--setuptools", setuptools[0]] if setuptools is not None else ["--no-setuptools"]
    return args


def create_venv(
    venv_path: str,
    info: InterpreterInfo,
    env: dict[str, str],
    pip: tuple[str, Path] | None = None,
    setuptools: tuple[str, Path] | None = None,
) -> list[str]:
    """Create the venv in-process (seeded with ``pip`` and ``setuptools``, ``(version,
    wheel)``, where given); return the virtualenv arguments used.

    Serialised within the process: virtualenv's app-data handling is not meant for threads.
    Raises whatever virtualenv raises.
    """
    args = virtualenv_arguments(venv_path, info, pip, setuptools)
    clean_env = {key: value for key, value in env.items() if not key.startswith("VIRTUALENV_")}
    with _virtualenv_lock:
        virtualenv.cli_run(args, setup_logging=False, env=clean_env)
    return args


def venv_size_and_file_number(venv_path: str | Path) -> tuple[int, int]:
    """``(du -sk <venv>, find <venv> -type f | wc -l)``, computed without subprocesses.

    Like ``du``: allocated blocks of every entry (directories and symlinks included, symlinks
    not followed, a hard-linked inode counted once), rounded up to kB. Like ``find -type f``:
    regular files, hard links each counted.
    """
    root = Path(venv_path)
    root_stat = root.lstat()
    blocks = root_stat.st_blocks
    files = 0
    linked: set[tuple[int, int]] = set()
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                entry_stat = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(entry_stat.st_mode):
                    stack.append(entry.path)
                elif stat.S_ISREG(entry_stat.st_mode):
                    files += 1
                    if entry_stat.st_nlink > 1:
                        inode = (entry_stat.st_dev, entry_stat.st_ino)
                        if inode in linked:
                            continue
                        linked.add(inode)
                blocks += entry_stat.st_blocks
    return math.ceil(blocks * 512 / 1024), files
