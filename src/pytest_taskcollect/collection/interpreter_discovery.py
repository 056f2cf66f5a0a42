"""Finding a CPython ``X.Y`` on this machine, and saying why one that was found cannot be used.

``find_python("3.12")`` tries, in order: the running interpreter (when it is 3.12), pyenv's
installed versions (``$PYENV_ROOT/versions/3.12.*/bin/python3.12``, the real binaries, so a
version that is installed but not active in pyenv is found), then every ``python3.12`` on
``PATH``. Each candidate is run once: it must exit 0 and report the requested version. A pyenv
shim for a version that is not active exits 127 ("pyenv: python3.12: command not found"): that
is "not usable", with pyenv's own words as the reason, never "available".
``find_python("3.12", Path(...))`` checks only the given interpreter (``--python 3.12=PATH``).

The interpreter returned is the base executable (``sys._base_executable`` resolved), never a
shim or a venv's wrapper, because venvs are created from it.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .settings import running_interpreter, running_python_version

__all__ = [
    "PythonCandidate",
    "PythonLookup",
    "find_python",
    "parse_python_option",
    "pyenv_root",
]

_VERSION = re.compile(r"^3\.\d{1,2}$")
_PROBE = (
    "import os, sys; "
    "print('%d.%d' % sys.version_info[:2]); "
    "print(os.path.realpath(getattr(sys, '_base_executable', '') or sys.executable))"
)


def parse_python_option(value: str) -> tuple[str, Path | None]:
    """``"3.12"`` or ``"3.12=/path/to/python"`` -> ``(version, path or None)``.

    Raises ``ValueError`` with the expected form when ``value`` is neither.
    """
    version, sep, path = value.partition("=")
    version = version.strip()
    if not _VERSION.match(version) or (sep and not path.strip()):
        raise ValueError(
            f"expected X.Y or X.Y=PATH (e.g. 3.12 or 3.12=/usr/bin/python3.12), got {value!r}"
        )
    return version, Path(path.strip()).expanduser().absolute() if sep else None


def pyenv_root() -> Path:
    """``$PYENV_ROOT``, else ``~/.pyenv``."""
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


@dataclass(frozen=True)
class PythonCandidate:
    """One interpreter that was tried: where it came from, its path, and either the base
    executable it resolves to (usable) or the reason it is not usable."""

    source: str
    path: Path
    base_executable: Path | None = None
    reason: str | None = None

    @property
    def usable(self) -> bool:
        return self.base_executable is not None


@dataclass(frozen=True)
class PythonLookup:
    """The outcome of ``find_python``: the interpreter found (or ``None``) and every
    candidate tried, in order."""

    version: str
    interpreter: Path | None
    candidates: tuple[PythonCandidate, ...] = field(default_factory=tuple)

    @property
    def found(self) -> bool:
        return self.interpreter is not None

    def reason(self) -> str:
        """Why no interpreter was found, in one sentence."""
        if self.found:
            return ""
        if not self.candidates:
            return (
                f"no Python {self.version} here: none in pyenv ({pyenv_root()}/versions) and "
                f"no python{self.version} on PATH"
            )
        tried = "; ".join(f"{item.source} {item.path} {item.reason}" for item in self.candidates)
        return f"no usable Python {self.version}: {tried}"


def _probe(source: str, path: Path, version: str) -> PythonCandidate:
    """Run ``path`` once: it must exit 0 and be Python ``version``."""
    try:
        completed = subprocess.run(
            [str(path), "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return PythonCandidate(source, path, reason=f"cannot be run ({error})")
    if completed.returncode != 0:
        said = " ".join((completed.stderr or completed.stdout).split())[:200]
        return PythonCandidate(
            source, path, reason=f"exits {completed.returncode}" + (f": {said}" if said else "")
        )
    lines = completed.stdout.splitlines()
    if len(lines) < 2:
        return PythonCandidate(source, path, reason="does not report its version")
    if lines[0] != version:
        return PythonCandidate(source, path, reason=f"is Python {lines[0]}, not {version}")
    return PythonCandidate(source, path, base_executable=Path(lines[1]))


def _patch_number(folder: Path) -> tuple[int, ...]:
    parts = folder.name.split(".")
    return tuple(int(part) if part.isdigit() else -1 for part in parts)


def _pyenv_candidates(version: str) -> list[Path]:
    """pyenv's installed ``X.Y.*`` versions, newest patch first (real binaries, no shims)."""
    versions = pyenv_root() / "versions"
    if not versions.is_dir():
        return []
    folders = sorted(versions.glob(f"{version}.*"), key=_patch_number, reverse=True)
    return [
        folder / "bin" / f"python{version}"
        for folder in folders
        if (folder / "bin" / f"python{version}").is_file()
    ]


def _path_candidates(version: str) -> list[Path]:
    """Every ``pythonX.Y`` on ``PATH``, in ``PATH`` order."""
    found = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(folder or ".") / f"python{version}"
        if candidate.is_file() and os.access(candidate, os.X_OK) and candidate not in found:
            found.append(candidate)
    return found


def find_python(version: str, path: Path | None = None) -> PythonLookup:
    """Find a usable CPython ``version`` (``"X.Y"``); with ``path``, check only that one."""
    if path is not None:
        candidate = _probe("--python", path, version)
        return PythonLookup(version, candidate.base_executable, (candidate,))
    if version == running_python_version():
        running = PythonCandidate("running", running_interpreter(), running_interpreter())
        return PythonLookup(version, running.base_executable, (running,))
    tried: list[PythonCandidate] = []
    seen: set[str] = set()
    sources = [("pyenv", item) for item in _pyenv_candidates(version)]
    sources += [("PATH", item) for item in _path_candidates(version)]
    for source, item in sources:
        real = os.path.realpath(item)
        if real in seen:
            continue
        seen.add(real)
        candidate = _probe(source, item, version)
        tried.append(candidate)
        if candidate.usable:
            return PythonLookup(version, candidate.base_executable, tuple(tried))
    return PythonLookup(version, None, tuple(tried))
