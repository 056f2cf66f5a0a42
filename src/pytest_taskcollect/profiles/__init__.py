"""Server-version profiles: how each fractal-server release from 2.14.5 to 2.26.0 collects.

``get_profile("2.26.0")`` returns a frozen ``ServerProfile``: one attribute per behaviour
switch, evaluated from the switch-point table in ``switches`` (each switch lists its values
and the release where each starts), plus ``profile.schemas``, that release's models. Modules:
``releases`` (the supported releases, the default, the error), ``switches`` (the table and the
value enums), ``profile`` (``ServerProfile``, ``get_profile``).
"""

from .profile import ServerProfile, get_profile
from .releases import (
    DEFAULT_SERVER_VERSION,
    RELEASES,
    YANKED_RELEASES,
    UnsupportedServerVersionError,
    supported_server_versions,
)
from .switches import SWITCHES, Switch

__all__ = [
    "DEFAULT_SERVER_VERSION",
    "RELEASES",
    "SWITCHES",
    "YANKED_RELEASES",
    "ServerProfile",
    "Switch",
    "UnsupportedServerVersionError",
    "get_profile",
    "supported_server_versions",
]
