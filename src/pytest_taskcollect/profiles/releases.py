"""The fractal-server releases pytest-taskcollect emulates: 2.14.5 (the default) to 2.26.0.

The list is every final release on the package index in that range (pre-releases are not
releases here). Two of them are yanked: 2.15.0 (every JSON column became JSONB, reordering
keys) and 2.22.1 (a release error); they stay supported, since servers may still run them.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

__all__ = [
    "DEFAULT_SERVER_VERSION",
    "RELEASES",
    "YANKED_RELEASES",
    "UnsupportedServerVersionError",
    "normalise_release",
    "supported_server_versions",
]

DEFAULT_SERVER_VERSION = "2.14.5"
"""The release emulated when none is chosen."""


def _series(minor: str, first: int, last: int) -> tuple[str, ...]:
    return tuple(f"{minor}.{patch}" for patch in range(first, last + 1))


RELEASES: tuple[str, ...] = (
    *_series("2.14", 5, 16),
    *_series("2.15", 0, 9),
    *_series("2.16", 0, 6),
    *_series("2.17", 0, 2),
    *_series("2.18", 0, 6),
    *_series("2.19", 0, 4),
    *_series("2.20", 0, 5),
    "2.21.0",
    *_series("2.22", 0, 14),
    *_series("2.23", 0, 7),
    *_series("2.24", 0, 4),
    *_series("2.25", 0, 4),
    "2.26.0",
)
"""Every supported release, oldest first."""

YANKED_RELEASES = frozenset({"2.15.0", "2.22.1"})
"""Releases the index marks as yanked (installable only by exact version)."""


class UnsupportedServerVersionError(ValueError):
    """A fractal-server version that is not a release between 2.14.5 and 2.26.0."""


def supported_server_versions() -> tuple[str, ...]:
    """Every fractal-server release that can be emulated, oldest first."""
    return RELEASES


def normalise_release(version: str) -> str:
    """``version`` as listed in ``RELEASES`` (``"v2.26.0"`` and ``" 2.26.0 "`` are accepted);
    ``UnsupportedServerVersionError`` naming the supported range otherwise."""
    supported = f"supported releases are {RELEASES[0]} to {RELEASES[-1]}"
    if not isinstance(version, str):
        raise UnsupportedServerVersionError(
            f"A fractal-server version must be a string such as {DEFAULT_SERVER_VERSION!r}, "
            f"not {version!r}; {supported}."
        )
    try:
        parsed = Version(version.strip())
    except InvalidVersion:
        raise UnsupportedServerVersionError(
            f"{version!r} is not a fractal-server version; {supported}."
        ) from None
    if str(parsed) in RELEASES:
        return str(parsed)
    if not Version(RELEASES[0]) <= parsed <= Version(RELEASES[-1]):
        reason = "is outside the supported range"
    elif parsed.is_prerelease or parsed.is_devrelease or parsed.is_postrelease:
        reason = "is a pre-, post- or development release"
    else:
        reason = "is not a fractal-server release"
    raise UnsupportedServerVersionError(
        f"fractal-server {version!r} {reason}: {supported} "
        "(see pytest_taskcollect.supported_server_versions())."
    )
