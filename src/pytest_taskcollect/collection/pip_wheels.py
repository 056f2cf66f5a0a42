"""The pip (and setuptools) wheels the server installs, fetched once so offline collections match.

fractal-server's script 2 upgrades the venv's pip from PyPI: to ``pip<=24.0`` up to 2.15.7, to
``pip<=25.2`` from 2.15.8, to the newest pip (with the newest setuptools) from 2.16.0. Offline, a
collection can only end with the server's pip if a wheel of it is in its sources.
``fetch_pip_wheels`` (``taskcollect cache fetch-pip``) downloads, once and with network, the pip
of every cap the profiles know plus the newest pip and setuptools into ``pip-wheels/`` in the user
cache dir (``user_cache``); offline collections then add the wheel of their cap to their sources
by themselves (``server_pip_wheel``), unless the configured sources already offer that version.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from ..profiles import get_profile, supported_server_versions
from .scripts import pip_environment
from .user_cache import pip_wheels_dir
from .versions import archive_name_and_version, filenames_at

__all__ = [
    "FetchResult",
    "PipFetchError",
    "fetch_pip_wheels",
    "server_pip_caps",
    "server_pip_wheel",
    "stored_wheels",
]


def server_pip_caps() -> tuple[str, ...]:
    """Every pip cap of the supported releases (``"24.0"``, ``"25.2"``)."""
    caps = {get_profile(release).pip_cap for release in supported_server_versions()}
    return tuple(sorted((cap for cap in caps if cap is not None), key=Version))


def stored_wheels(folder: Path | None = None) -> list[Path]:
    """The wheels in the fetched-wheels folder (default: the user cache dir's)."""
    folder = folder if folder is not None else pip_wheels_dir()
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix == ".whl")


def _wheel_version(path: Path, project: str) -> Version | None:
    try:
        name, version, _, _ = parse_wheel_filename(path.name)
    except (InvalidWheelFilename, InvalidVersion):
        return None
    return version if name == project else None


def _offers(links: list[str], project: str, version: Version) -> bool:
    for link in links:
        for filename in filenames_at(link):
            parsed = archive_name_and_version(filename)
            if parsed == (project, version):
                return True
    return False


def server_pip_wheel(cap: str, links: list[str], folder: Path | None = None) -> Path | None:
    """The fetched wheel of pip ``cap`` when ``links`` do not offer that version already."""
    try:
        wanted = Version(cap)
    except InvalidVersion:
        return None
    if _offers(links, "pip", wanted):
        return None
    for wheel in stored_wheels(folder):
        if _wheel_version(wheel, "pip") == wanted:
            return wheel
    return None


class PipFetchError(RuntimeError):
    """``pip download`` failed; ``output`` holds what pip printed."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


@dataclass(frozen=True)
class FetchResult:
    """The folder, the wheels it holds now, those this call added, and pip's output."""

    folder: Path
    wheels: tuple[str, ...]
    added: tuple[str, ...]
    output: str


def fetch_pip_wheels(
    folder: Path | None = None,
    *,
    index_url: str | None = None,
    timeout: float | None = 600,
) -> FetchResult:
    """Download pip of every cap, the newest pip and the newest setuptools (pure wheels, no
    dependencies) into ``folder`` (default: the user cache dir's). Raises ``PipFetchError``."""
    folder = folder if folder is not None else pip_wheels_dir()
    folder.mkdir(parents=True, exist_ok=True)
    before = {path.name for path in stored_wheels(folder)}
    requirements = [*(f"pip=={cap}" for cap in server_pip_caps()), "pip", "setuptools"]
    index = ["--index-url", index_url] if index_url else []
    output = ""
    for requirement in requirements:
        argv = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(folder),
            *index,
            requirement,
        ]
        completed = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            errors="replace",
            env=pip_environment(),
            timeout=timeout,
            check=False,
        )
        output += f"$ {' '.join(argv)}\n{completed.stdout}{completed.stderr}\n"
        if completed.returncode != 0:
            errors = [line for line in completed.stderr.splitlines() if line.startswith("ERROR")]
            said = errors[-1] if errors else f"exit status {completed.returncode}"
            raise PipFetchError(f"pip download {requirement} failed: {said}", output)
    after = {path.name for path in stored_wheels(folder)}
    return FetchResult(
        folder=folder,
        wheels=tuple(sorted(after)),
        added=tuple(sorted(after - before)),
        output=output,
    )
