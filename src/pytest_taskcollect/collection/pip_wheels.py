"""The pip (and setuptools) wheels the server installs, fetched once so offline collections match.

fractal-server's script 2 upgrades the venv's pip from PyPI: to ``pip<=24.0`` up to 2.15.7, to
``pip<=25.2`` from 2.15.8, to the newest pip (with the newest setuptools) from 2.16.0; and
``pip install setuptools`` (up to 2.15.9) takes the newest setuptools where the venv has none
(Python 3.12+). Offline, a collection can only end with the server's pip if a wheel of it is in
its sources. ``fetch_pip_wheels`` (``taskcollect cache fetch-pip [--server-version V]``)
downloads, once and with network, what a release installs (without a release: the pip of every
cap the profiles know plus the newest pip and setuptools) into ``pip-wheels/`` in the user cache
dir (``user_cache``); offline collections then add to their sources by themselves the fetched
wheels their release wants (``server_wheels``), unless the configured sources already offer them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from ..profiles import get_profile, supported_server_versions
from .pip_download import PipDownloadError, pip_download
from .user_cache import pip_wheels_dir
from .versions import archive_name_and_version, filenames_at

__all__ = [
    "FetchResult",
    "PipFetchError",
    "fetch_pip_wheels",
    "fetch_requirements",
    "server_pip_caps",
    "server_wheels",
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


def _offered(links: list[str], project: str) -> list[Version]:
    """The versions of ``project`` that ``links`` offer."""
    versions = []
    for link in links:
        for filename in filenames_at(link):
            parsed = archive_name_and_version(filename)
            if parsed is not None and parsed[0] == project:
                versions.append(parsed[1])
    return versions


def _newest_fetched(project: str, folder: Path | None, links: list[str]) -> Path | None:
    """The newest fetched final wheel of ``project``, unless ``links`` offer one as new."""
    fetched = [
        (version, wheel)
        for wheel in stored_wheels(folder)
        if (version := _wheel_version(wheel, project)) is not None and not version.is_prerelease
    ]
    if not fetched:
        return None
    version, wheel = max(fetched)
    if any(offered >= version for offered in _offered(links, project)):
        return None
    return wheel


def server_wheels(cap: str | None, links: list[str], folder: Path | None = None) -> list[Path]:
    """The fetched wheels to add to ``links`` for a release with pip cap ``cap`` (``None``: no
    cap): pip ``cap`` itself, or the newest fetched pip, unless ``links`` offer it already; and
    the newest fetched setuptools, unless ``links`` offer one as new."""
    wheels = []
    if cap is None:
        pip = _newest_fetched("pip", folder, links)
        wheels += [pip] if pip is not None else []
    else:
        try:
            wanted = Version(cap)
        except InvalidVersion:
            wanted = None
        if wanted is not None and wanted not in _offered(links, "pip"):
            for wheel in stored_wheels(folder):
                if _wheel_version(wheel, "pip") == wanted:
                    wheels.append(wheel)
                    break
    setuptools = _newest_fetched("setuptools", folder, links)
    wheels += [setuptools] if setuptools is not None else []
    return wheels


def fetch_requirements(server_version: str | None = None) -> list[str]:
    """What ``fetch_pip_wheels`` downloads: a release's pip (its cap, or the newest) and the
    newest setuptools; without a release, every cap's pip as well."""
    if server_version is None:
        return [*(f"pip=={cap}" for cap in server_pip_caps()), "pip", "setuptools"]
    cap = get_profile(server_version).pip_cap
    return [f"pip=={cap}" if cap is not None else "pip", "setuptools"]


class PipFetchError(PipDownloadError):
    """Downloading a pip or setuptools wheel failed; ``output`` holds what pip printed."""


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
    server_version: str | None = None,
    index_url: str | None = None,
    timeout: float | None = 600,
) -> FetchResult:
    """Download what ``fetch_requirements(server_version)`` names (pure wheels, no
    dependencies) into ``folder`` (default: the user cache dir's). Raises ``PipFetchError``."""
    folder = folder if folder is not None else pip_wheels_dir()
    folder.mkdir(parents=True, exist_ok=True)
    before = {path.name for path in stored_wheels(folder)}
    requirements = fetch_requirements(server_version)
    index = ["--index-url", index_url] if index_url else []
    output = ""
    for requirement in requirements:
        arguments = ["--no-deps", "--only-binary=:all:", "--dest", str(folder), *index]
        completed, transcript = pip_download([*arguments, requirement], timeout=timeout)
        output += transcript
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
