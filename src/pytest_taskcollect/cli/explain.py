"""One sentence for a failed collection: what failed, and what to do about it.

The server's own message for a failed script is long (``Command bash .../2_pip_install.sh
failed.`` followed by the script's whole output); the full text stays in the log file. Here it
becomes one sentence: for an install that failed because pip found no distribution, the missing
distributions by name and, offline, the three ways out (``--network``, ``--find-links DIR``,
``taskcollect wheelhouse``); otherwise the stage and the most telling line (pip's last
``ERROR:`` line, or the first line of the server's message).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Sequence
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..collection import CollectionResult
from ..collection.versions import archive_name_and_version, filenames_at

__all__ = ["display_target", "explain_failure", "missing_offline", "pip_missing_distributions"]

_NO_MATCH = re.compile(r"No matching distribution found for ([^\s;]+)")


def pip_missing_distributions(log: str) -> list[str]:
    """The requirements pip reported as unavailable ("No matching distribution found for X")."""
    found: list[str] = []
    for match in _NO_MATCH.finditer(log):
        if match[1] not in found:
            found.append(match[1])
    return found


def _wheel_requirements(wheel: Path, extras: Sequence[str]) -> list[Requirement]:
    """The wheel's ``Requires-Dist`` that apply with ``extras`` on this platform."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            name = next(item for item in archive.namelist() if item.endswith(".dist-info/METADATA"))
            metadata = archive.read(name).decode("utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile, StopIteration):
        return []
    requirements = []
    for value in HeaderParser().parsestr(metadata).get_all("Requires-Dist") or []:
        try:
            requirement = Requirement(value)
        except InvalidRequirement:
            continue
        marker = requirement.marker
        applies = marker is None or any(
            marker.evaluate({"extra": extra}) for extra in ("", *extras)
        )
        if applies:
            requirements.append(requirement)
    return requirements


def missing_offline(wheel: Path, extras: Sequence[str], find_links: Sequence[str]) -> list[str]:
    """The wheel's direct requirements of which no distribution is in ``find_links`` (only
    the direct ones: their own dependencies are pip's to report)."""
    available: set[str] = set()
    for link in find_links:
        if "://" in link and not link.startswith("file://"):
            return []  # a remote page: cannot tell
        for filename in filenames_at(link):
            parsed = archive_name_and_version(filename)
            if parsed is not None:
                available.add(canonicalize_name(parsed[0]))
    return [
        str(requirement)
        for requirement in _wheel_requirements(wheel, extras)
        if canonicalize_name(requirement.name) not in available
    ]


def _telling_line(result: CollectionResult) -> str:
    """pip's (or a script's) last ``ERROR:`` line, else the first line of the message."""
    errors = [
        line.split("ERROR: ", 1)[1].strip()
        for line in (result.error or "").splitlines()
        if "ERROR: " in line
    ]
    if errors:
        return errors[-1]
    first = (result.error or "").strip().splitlines()
    return first[0] if first else "no message"


def explain_failure(
    result: CollectionResult,
    *,
    network: bool,
    wheel: Path | None,
    extras: Sequence[str],
    find_links: Sequence[str],
    target: str,
    python_version: str,
) -> str:
    """One sentence about a failed collection (see the module docstring)."""
    stage = result.stage or "unknown"
    if stage in ("install", "pins"):
        missing = pip_missing_distributions(result.error or result.log)
        if missing and not network:
            static = missing_offline(wheel, extras, find_links) if wheel is not None else []
            names = list(dict.fromkeys([*static, *missing]))
            where = (
                "in the --find-links sources" if find_links else "offline (no --find-links sources)"
            )
            return (
                f"pip found no distribution of {', '.join(names)} {where}: add --network to "
                "install from PyPI as the server does, or --find-links DIR with their wheels "
                f"(fill DIR once with: taskcollect wheelhouse {target} --python "
                f"{python_version}{' --extras ' + ','.join(extras) if extras else ''} "
                "--into DIR)."
            )
        if missing:
            return (
                f"pip found no distribution of {', '.join(missing)} on the package index: "
                "fractal-server would fail the same way; check the requirement's name, "
                "version and Python version."
            )
    return f"fractal-server would not collect it: at stage {stage!r}, {_telling_line(result)}."


def display_target(target: str) -> str:
    """A project or wheel path as the user would type it (relative to the working directory
    when inside it)."""
    path = Path(target).absolute()
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)
