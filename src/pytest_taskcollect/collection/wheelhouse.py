"""A wheelhouse: every wheel a collection needs, downloaded once, so collections run offline.

``fill_wheelhouse(target, into, python_version=...)`` runs ``pip download`` (binary wheels only,
for the given Python version on this platform) for:

* the package with its extras: a project folder (its wheel is built first), a wheel file, or a
  requirement such as ``fractal-tasks-core==2.1.0``, whose own wheel is kept too;
* each pinned version, separately (the server installs pins after the package);
* what the server's install sequence installs first, ``pip<=<cap>`` and ``setuptools`` (from
  the index only: offline, collections already use the interpreter's bundled wheels).

Afterwards ``--find-links DIR`` (``CollectionSettings.find_links``) lets a collection install
from the folder alone. The sources are the package index unless ``network=False`` (then only
``find_links``). The machine's pip
configuration is ignored, as in every pip call of this package.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..factory.project import build_project_wheel
from .pip_download import PipDownloadError, pip_download

__all__ = ["WheelhouseError", "WheelhouseResult", "fill_wheelhouse"]


class WheelhouseError(PipDownloadError):
    """Downloading the wheelhouse failed; ``output`` holds what pip printed."""


@dataclass(frozen=True)
class WheelhouseResult:
    """The folder, the files it holds now, those this call added, and pip's output."""

    folder: Path
    files: tuple[str, ...]
    added: tuple[str, ...]
    requirements: tuple[str, ...]
    output: str


def _distributions(folder: Path) -> set[str]:
    return {entry.name for entry in folder.iterdir() if entry.suffix == ".whl"}


def _last_error(output: str) -> str:
    errors = [line.strip() for line in output.splitlines() if line.startswith("ERROR:")]
    if errors:
        return " ".join(line.removeprefix("ERROR: ") for line in errors[-2:])
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def fill_wheelhouse(
    target: str | os.PathLike[str],
    into: str | os.PathLike[str],
    *,
    python_version: str,
    extras: str | None = None,
    pins: Sequence[tuple[str, str]] = (),
    find_links: Sequence[str] = (),
    network: bool = True,
    max_pip_version: str | None = "24.0",
    timeout: float | None = 1800,
    upgrade_pip: bool = False,
) -> WheelhouseResult:
    """Download into ``into`` the wheels that collecting ``target`` needs (see the module
    docstring; ``upgrade_pip``: the newest pip and setuptools, as the install step of 2.16.0
    and later takes them, instead of ``pip<=max_pip_version``). Raises ``WheelhouseError``
    with pip's last error when a download fails and ``ProjectBuildError`` when a project's
    wheel cannot be built."""
    folder = Path(into).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    before = _distributions(folder)
    suffix = f"[{extras}]" if extras else ""
    with tempfile.TemporaryDirectory(prefix="taskcollect-wheelhouse-") as tmp:
        own_wheel: str | None = None
        path = Path(target)
        if path.is_dir():
            built = build_project_wheel(path, tmp)
            own_wheel, package = built.name, f"{built}{suffix}"
        elif path.is_file() or str(target).endswith(".whl"):
            own_wheel, package = path.name, f"{path.absolute()}{suffix}"
        else:
            package = f"{target}{suffix}" if extras and "[" not in str(target) else str(target)
        groups = [[package], *([f"{name}=={version}"] for name, version in pins)]
        if upgrade_pip and network:
            groups.append(["pip", "setuptools"])
        elif max_pip_version is not None and network:
            groups.append([f"pip<={max_pip_version}", "setuptools"])
        sources = [] if network else ["--no-index"]
        for link in find_links:
            sources += ["--find-links", link]
        output = ""
        for requirements in groups:
            arguments = ["--dest", str(folder), "--only-binary=:all:"]
            arguments += ["--python-version", python_version, *sources, *requirements]
            completed, transcript = pip_download(arguments, timeout=timeout)
            output += transcript
            if completed.returncode != 0:
                raise WheelhouseError(
                    f"pip download {' '.join(requirements)} failed: {_last_error(output)}", output
                )
    if own_wheel is not None and own_wheel not in before:
        # The project's own wheel changes with its code: the collection gets it directly.
        (folder / own_wheel).unlink(missing_ok=True)
    after = _distributions(folder)
    return WheelhouseResult(
        folder=folder,
        files=tuple(sorted(after)),
        added=tuple(sorted(after - before)),
        requirements=tuple(item for group in groups for item in group),
        output=output,
    )
