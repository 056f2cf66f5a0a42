"""Wheel-filename parsing and package-name helpers, as fractal-server 2.14.5 applies them.

The server parses an uploaded wheel's filename laxly (split on ``-``, take parts 0 and 1), so it
accepts names that are not wheels at all (``pkg-1.0.tar.gz``) and reads versions like ``1.0.whl``.
``parse_wheel_filename`` reproduces that; ``parse_wheel_filename_strict`` applies PEP 427 (via
``packaging``), and ``check_wheel_filename`` runs both so a caller can see where they disagree.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import NamedTuple

from packaging.utils import InvalidWheelFilename
from packaging.utils import parse_wheel_filename as _packaging_parse_wheel_filename

__all__ = [
    "LaxWheelName",
    "StrictWheelName",
    "WheelFilenameCheck",
    "check_wheel_filename",
    "compare_package_names",
    "normalize_package_name",
    "parse_wheel_filename",
    "parse_wheel_filename_strict",
]

logger = logging.getLogger(__name__)

_TAG_PART = re.compile(r"[A-Za-z0-9_.]+-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+")
"""One ``python-abi-platform`` tag triple, with PEP 425's character set."""


class LaxWheelName(NamedTuple):
    """What the server reads from a wheel filename: the raw distribution and version parts."""

    distribution: str
    version: str


class StrictWheelName(NamedTuple):
    """A PEP 427 wheel filename, parsed by ``packaging`` (name normalised, version parsed)."""

    name: str
    version: str
    build_tag: str | None
    tags: frozenset[str]


def parse_wheel_filename(wheel_filename: str) -> LaxWheelName:
    """Parse a wheel filename the way fractal-server 2.14.5 does, with its messages.

    Raises ``ValueError`` for a path (a ``/`` in the name) or a name with fewer than two
    ``-``-separated parts; nothing else is checked.
    """
    if "/" in wheel_filename:
        raise ValueError(
            "[_parse_wheel_filename] Input must be a filename, not a full path "
            f"(given: {wheel_filename})."
        )
    parts = wheel_filename.split("-")
    try:
        return LaxWheelName(distribution=parts[0], version=parts[1])
    except IndexError as error:
        raise ValueError(f"Invalid {wheel_filename=}. Original error: {error}.") from error


def parse_wheel_filename_strict(wheel_filename: str) -> StrictWheelName:
    """Parse a filename as a PEP 427 wheel; ``ValueError`` names the rule that fails."""
    try:
        name, version, build, tags = _packaging_parse_wheel_filename(wheel_filename)
    except InvalidWheelFilename as error:
        raise ValueError(
            f"{wheel_filename!r} is not a valid wheel filename (PEP 427): {error}"
        ) from error
    bad_tags = sorted(str(tag) for tag in tags if not _TAG_PART.fullmatch(str(tag)))
    if bad_tags:
        raise ValueError(
            f"{wheel_filename!r} is not a valid wheel filename (PEP 427): compatibility tag "
            f"{bad_tags[0]!r} may only hold letters, digits, '_' and '.' (pip rejects it)"
        )
    build_tag = "".join(str(part) for part in build) if build else None
    return StrictWheelName(
        name=str(name),
        version=str(version),
        build_tag=build_tag,
        tags=frozenset(str(tag) for tag in tags),
    )


@dataclass(frozen=True)
class WheelFilenameCheck:
    """Both readings of one filename: the server's lax one and PEP 427's."""

    filename: str
    lax: LaxWheelName | None
    lax_error: str | None
    strict: StrictWheelName | None
    strict_error: str | None

    @property
    def server_accepts_non_wheel(self) -> bool:
        """True when the server would accept a filename that is not a valid wheel name."""
        return self.lax is not None and self.strict is None

    @property
    def versions_disagree(self) -> bool:
        """True when both parse but the server's raw version is not the wheel's version."""
        if self.lax is None or self.strict is None:
            return False
        return self.lax.version != self.strict.version


def check_wheel_filename(wheel_filename: str) -> WheelFilenameCheck:
    """Parse ``wheel_filename`` both ways and report each result or error."""
    lax: LaxWheelName | None = None
    strict: StrictWheelName | None = None
    lax_error = strict_error = None
    try:
        lax = parse_wheel_filename(wheel_filename)
    except ValueError as error:
        lax_error = str(error)
    try:
        strict = parse_wheel_filename_strict(wheel_filename)
    except ValueError as error:
        strict_error = str(error)
    return WheelFilenameCheck(wheel_filename, lax, lax_error, strict, strict_error)


def normalize_package_name(name: str) -> str:
    """Replace each run of ``-``, ``_`` and ``.`` with ``-`` and lower-case (the server's rule)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def compare_package_names(
    pkg_name_pip_show: str,
    pkg_name_task_group: str,
    logger_name: str | None = None,
) -> str | None:
    """Compare the name ``pip show`` reports with the task group's, as the server does.

    Equal names return ``None``. Names that differ but normalise equally log (and return) the
    server's warning. Names that still differ after normalisation log an error and raise the
    server's ``ValueError``.
    """
    if pkg_name_pip_show == pkg_name_task_group:
        return None
    log = logging.getLogger(logger_name) if logger_name else logger
    warning = f"Package name mismatch: {pkg_name_task_group=}, {pkg_name_pip_show=}."
    log.warning(warning)
    if normalize_package_name(pkg_name_pip_show) != normalize_package_name(pkg_name_task_group):
        error = (
            "Package name mismatch persists, after normalization: "
            f"{pkg_name_task_group=}, {pkg_name_pip_show=}."
        )
        log.error(error)
        raise ValueError(error)
    return warning
