"""Creating the task group's venv, its offline bootstrap wheels, and measuring it.

The server runs ``python -m venv <venv> --copies`` (``1_create_venv.sh``): ``ensurepip``
installs, and byte-compiles, the pip (and, up to Python 3.11, the setuptools) bundled with that
interpreter, which takes about 4 s here. What the venv holds decides the task group's
``venv_size_in_kB`` and ``venv_file_number`` (``du -sk`` and ``find -type f | wc -l``), so:

* faithful mode runs exactly that command (``server_venv_command``): the numbers are the
  server's (checked against a running fractal-server by ``tests/server``);
* fast mode creates the venv with ``virtualenv`` instead (``create_venv``), seeded with **the
  same wheels** (``--pip <ensurepip's version>``, ``--setuptools <ensurepip's version>`` or
  none) and ``--symlink-app-data``: the seeded packages are symlinks into virtualenv's shared,
  byte-compiled app-data image, which makes creation take tens of milliseconds and every later
  pip call start fast. When fast mode knows that the release's upgrade command (``pip install
  "pip<=<cap>" --upgrade``, or ``pip install pip setuptools --upgrade``) would install a newer
  pip (or setuptools) from the sources (``pip_seed``), the venv is seeded with those instead.
  The installed packages, and so ``pip freeze``, are those of the server's venv; the venv's
  files are not (symlinks instead of copies, other activation scripts), so its
  ``venv_size_in_kB`` and ``venv_file_number`` are smaller than the server's, and the result
  says so (``FAST_VENV_SIZE_WARNING``) where the release stores them.

Offline, a project that none of the configured sources offers is taken from this machine
(``bootstrap_wheels``): ``ensurepip``'s pip (the bundled pips of 3.9 to 3.12, 23.0.1 to 23.2.1,
satisfy the server's ``pip<=24.0``), ``ensurepip``'s setuptools and virtualenv's embedded
setuptools (which stands in for PyPI's in ``pip install setuptools`` on Python 3.12+, whose
venvs have none). A source that offers them (a ``pip-24.0`` wheel makes the upgrade real) is
used alone, so pip's ``Looking in links:`` line is the one the server would print.
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
from .versions import archive_name_and_version, filenames_at

__all__ = [
    "FAST_VENV_SIZE_WARNING",
    "bootstrap_wheels",
    "create_venv",
    "offered_projects",
    "server_venv_command",
    "venv_size_and_file_number",
]

FAST_VENV_SIZE_WARNING = (
    "venv_size_in_kB and venv_file_number differ from fractal-server's: fast mode creates the "
    "venv with virtualenv, its seed packages (pip, setuptools) linked from a shared cache (a "
    "reused venv's files from the venv store), where the server runs `python -m venv "
    "--copies`, which copies them; the numbers here are those of this smaller venv. Use "
    'CollectionSettings(mode="faithful") for the server\'s numbers.'
)
"""The note a fast-mode result carries in ``warnings`` (every other field is the server's)."""

_virtualenv_lock = threading.Lock()


def server_venv_command(interpreter: str, venv_path: str) -> list[str]:
    """``1_create_venv.sh``'s command: ``<python> -m venv <venv> --copies``."""
    return [interpreter, "-m", "venv", venv_path, "--copies"]


def offered_projects(links: list[str]) -> set[str] | None:
    """Canonical names of the projects local find-links entries offer (``None`` when an entry
    is a remote URL, whose content we do not fetch for this)."""
    projects = set()
    for link in links:
        if "://" in link and not link.startswith("file://"):
            return None
        for filename in filenames_at(link):
            parsed = archive_name_and_version(filename)
            if parsed is not None:
                projects.add(parsed[0])
    return projects


def bootstrap_wheels(info: InterpreterInfo, links: list[str] | None = None) -> list[Path]:
    """Wheels added to the offline sources for pip and setuptools, unless ``links`` (the
    configured find-links) already offer that project: ensurepip's pip/setuptools and
    virtualenv's embedded setuptools."""
    offered = offered_projects(links or []) or set()
    wheels = []
    for project in ("pip", "setuptools"):
        if project in offered:
            continue
        bundled = info.bundled(project)
        if bundled is not None:
            wheels.append(bundled[1])
    embedded = get_embed_wheel("setuptools", info.major_minor)
    if embedded is not None and "setuptools" not in offered:
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
