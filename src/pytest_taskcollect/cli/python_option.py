"""``--python VERSION[=PATH]``: which interpreter a command-line collection uses.

Checked before anything is printed or built. Without ``--python`` the running interpreter is
used, as the server does; if the emulated fractal-server release does not collect for its
version (3.13 before 2.15.7, for example), that is a usage error that names a supported
interpreter found on this machine. With
``--python 3.12`` the interpreter is found by ``find_python`` (running, pyenv, ``PATH``); when
none is usable, the error says why for each one tried. ``--python 3.12=PATH`` uses ``PATH``.
A version outside the server's list is left to the request validation, which rejects it with
the server's own message (the server would answer 422).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from ..collection.interpreter_discovery import find_python, parse_python_option
from ..collection.settings import running_interpreter, running_python_version
from ..profiles import DEFAULT_SERVER_VERSION, ServerProfile, get_profile
from .report import UsageError

__all__ = [
    "PythonChoice",
    "python_argument",
    "resolve_python",
    "supported_python_hint",
    "unsupported_version_hint",
]

_NEWER_PROFILES = (
    "newer fractal-server releases accept newer Pythons (3.13 from 2.15.7, 3.14 from 2.17.0): "
    "see --server-version"
)


def python_argument(value: str) -> tuple[str, Path | None]:
    """The ``argparse`` type of ``--python``."""
    try:
        return parse_python_option(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


@dataclass(frozen=True)
class PythonChoice:
    """The requested version (``None``: the server's default, the running one) and the
    interpreters the collection may use."""

    version: str | None
    interpreters: dict[str, Path]


def _default_profile() -> ServerProfile:
    return get_profile(DEFAULT_SERVER_VERSION)


def supported_python_hint(profile: ServerProfile | None = None) -> str:
    """``--python 3.12`` for the newest version the release supports that is found here, or
    how to get one."""
    versions = (profile or _default_profile()).python_versions
    for version in reversed(versions):
        lookup = find_python(version)
        if lookup.found:
            return f"--python {version} (found: {lookup.interpreter})"
    return f"--python {versions[-1]}=PATH with an interpreter you install"


def resolve_python(
    option: tuple[str, Path | None] | None, profile: ServerProfile | None = None
) -> PythonChoice:
    """The interpreters for ``--python`` (see the module docstring) under ``profile``'s
    release (default 2.14.5); ``UsageError`` when the requested interpreter is not usable or
    the running one is not supported."""
    profile = profile or _default_profile()
    versions = profile.python_versions
    running = {running_python_version(): running_interpreter()}
    if option is None:
        version = running_python_version()
        if version not in versions:
            supported = ", ".join(versions)
            raise UsageError(
                f"This is Python {version}, and fractal-server {profile.version} collects only "
                f"for Python {supported}: choose one with {supported_python_hint(profile)} "
                f"({_NEWER_PROFILES})."
            )
        return PythonChoice(None, running)
    version, path = option
    if version not in versions:
        return PythonChoice(version, running)
    lookup = find_python(version, path)
    if lookup.interpreter is None:
        how = (
            f"give a working interpreter: --python {version}=PATH"
            if path is not None
            else f"install it (e.g. pyenv install {version}) or give its path: "
            f"--python {version}=PATH"
        )
        raise UsageError(f"--python {version}: {lookup.reason()}; {how}.")
    return PythonChoice(version, {**running, version: lookup.interpreter})


def unsupported_version_hint(profile: ServerProfile | None = None) -> str:
    """What to do when ``--python`` names a version the release does not collect for."""
    return f"Choose a supported one with {supported_python_hint(profile)}; {_NEWER_PROFILES}."
