"""``--server-version`` and the pin options: which fractal-server release a command emulates,
and the pins as that release's request names them.

``--pin NAME=VER`` is the one pin list of 2.14.5 to 2.15.9 (``pinned_package_versions``). From
2.16.0 the request has ``--pin-pre`` (installed before the package) and ``--pin-post`` (after
it); there ``--pin`` is an alias of ``--pin-post``, which installs where ``--pin`` did in
2.14.12 to 2.15.9, so a command line keeps working when the server is upgraded. ``--pin-pre``
and ``--pin-post`` under an older release are a usage error: that server has no such fields.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..profiles import DEFAULT_SERVER_VERSION, ServerProfile, get_profile
from ..profiles import UnsupportedServerVersionError as _Unsupported
from ..schemas.releases import PinFields
from .report import UsageError

__all__ = ["add_server_option", "pin_fields", "server_version_argument"]


def server_version_argument(value: str) -> str:
    """An ``argparse`` type: a supported fractal-server release, normalised."""
    try:
        return get_profile(value).version
    except _Unsupported as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_server_option(parser: argparse.ArgumentParser) -> None:
    """``--server-version VERSION`` (default 2.14.5)."""
    parser.add_argument(
        "--server-version",
        metavar="VERSION",
        type=server_version_argument,
        default=DEFAULT_SERVER_VERSION,
        help=f"the fractal-server release to emulate, {DEFAULT_SERVER_VERSION} (default) to 2.26.0",
    )


def pin_fields(args: argparse.Namespace, profile: ServerProfile) -> dict[str, Any]:
    """The request's pin fields from ``--pin``/``--pin-pre``/``--pin-post`` (see the module
    docstring); ``UsageError`` for pre/post pins under a release without them."""
    pins = dict(getattr(args, "pin", None) or [])
    pre = dict(getattr(args, "pin_pre", None) or [])
    post = dict(getattr(args, "pin_post", None) or [])
    if profile.pin_fields is PinFields.SINGLE:
        if pre or post:
            raise UsageError(
                f"--pin-pre/--pin-post: fractal-server {profile.version} has one list of pinned "
                "versions, installed after the package (--pin); pre- and post-pins come in "
                "2.16.0."
            )
        return {"pinned_package_versions": pins or None}
    return {
        "pinned_package_versions_pre": pre or None,
        "pinned_package_versions_post": (pins | post) or None,
    }
