"""Command-line options and ini keys of the pytest plugin, read into one typed object.

Every option has an ini key of the same name without the leading dashes and with ``_`` for
``-`` (``--taskcollect-tasks-dir`` and ``taskcollect_tasks_dir``); the command line wins.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast, get_args

import pytest

from .collection.settings import Installer
from .profiles import DEFAULT_SERVER_VERSION, UnsupportedServerVersionError, get_profile

__all__ = ["TaskcollectOptions", "add_options", "parse_python_mapping", "read_options"]

_PYTHON_ITEM = re.compile(r"^(?P<version>3\.\d+)=(?P<path>.+)$")


@dataclass(frozen=True)
class TaskcollectOptions:
    """The plugin's configuration, as given on the command line or in the ini file."""

    python_interpreters: dict[str, Path]
    tasks_dir: Path | None
    find_links: tuple[Path, ...]
    network: bool
    keep: bool
    cache_dir: Path | None
    no_cache: bool
    project: Path | None
    server_version: str = DEFAULT_SERVER_VERSION
    installer: Installer = "pip"


def parse_python_mapping(items: list[str]) -> dict[str, Path]:
    """Parse ``VERSION=PATH`` items; a malformed item is a ``pytest.UsageError`` naming it."""
    mapping: dict[str, Path] = {}
    for item in items:
        match = _PYTHON_ITEM.match(item.strip())
        if match is None:
            raise pytest.UsageError(
                f"--taskcollect-python expects VERSION=PATH (e.g. 3.11=/usr/bin/python3.11), "
                f"got {item!r}."
            )
        path = Path(match["path"]).expanduser()
        if not path.is_absolute():
            raise pytest.UsageError(
                f"--taskcollect-python {item!r}: the interpreter path must be absolute "
                "(fractal-server requires absolute FRACTAL_TASKS_PYTHON_X_Y values)."
            )
        mapping[match["version"]] = path
    return mapping


def add_options(parser: pytest.Parser) -> None:
    """Register the ``--taskcollect-*`` options and their ini keys."""
    group = parser.getgroup("taskcollect", "fractal task collection (pytest-taskcollect)")

    def add(flag: str, ini_type: Any, help_text: str, **kwargs: Any) -> None:
        name = flag.removeprefix("--").replace("-", "_")
        group.addoption(flag, dest=name, help=help_text, **kwargs)
        parser.addini(name, help=help_text, type=ini_type)

    add(
        "--taskcollect-server-version",
        "string",
        f"The fractal-server release collections emulate, {DEFAULT_SERVER_VERSION} (the "
        "default) to 2.26.0; a test's taskcollect_server marker overrides it.",
        metavar="VERSION",
    )
    add(
        "--taskcollect-installer",
        "string",
        "What installs packages in fast mode: pip (default, as the server) or uv (several "
        "times faster on big packages; the venv is rewritten into pip's, the log's install "
        "lines are uv's and the result's warnings say so).",
        metavar="pip|uv",
    )
    add(
        "--taskcollect-python",
        "linelist",
        "Interpreter for a Python version, as VERSION=PATH (repeatable). Default: the running "
        "interpreter only, as fractal-server does when no default version is configured.",
        action="append",
        metavar="VERSION=PATH",
    )
    add(
        "--taskcollect-tasks-dir",
        "string",
        "Folder collections install into (fractal-server's FRACTAL_TASKS_DIR). "
        "Default: a session temporary folder.",
        metavar="PATH",
    )
    add(
        "--taskcollect-find-links",
        "linelist",
        "Extra folder of wheels pip may install from (repeatable).",
        action="append",
        metavar="PATH",
    )
    add(
        "--taskcollect-network",
        "bool",
        "Allow the package index (PyPI). Default: offline.",
        action="store_true",
        default=None,
    )
    add(
        "--taskcollect-keep",
        "bool",
        "Keep collected folders after the session for debugging, and print where they are.",
        action="store_true",
        default=None,
    )
    add(
        "--taskcollect-cache-dir",
        "string",
        "Where built wheels and reusable environments are cached. Default: pytest's cache.",
        metavar="PATH",
    )
    add(
        "--taskcollect-no-cache",
        "bool",
        "Do not reuse cached wheels or environments from earlier runs.",
        action="store_true",
        default=None,
    )
    add(
        "--taskcollect-project",
        "string",
        "The task-package project the project_wheel fixture builds. Default: the rootdir.",
        metavar="PATH",
    )


def _value(config: pytest.Config, name: str) -> Any:
    value = config.getoption(name)
    if value is None or value == []:
        value = config.getini(name)
    return value


def _resolve(config: pytest.Config, value: object) -> Path:
    """A path option's value: ``~`` and variables expanded, relative to the rootdir."""
    path = Path(os.path.expandvars(str(value))).expanduser()
    return path if path.is_absolute() else config.rootpath / path


def _path(config: pytest.Config, name: str) -> Path | None:
    value = _value(config, name)
    return _resolve(config, value) if value else None


def server_version(value: object) -> str:
    """The release named by ``--taskcollect-server-version`` (or its ini key), normalised; a
    ``pytest.UsageError`` with the supported range otherwise."""
    if not value:
        return DEFAULT_SERVER_VERSION
    try:
        return get_profile(str(value)).version
    except UnsupportedServerVersionError as error:
        raise pytest.UsageError(f"--taskcollect-server-version: {error}") from None


def installer(value: object) -> Installer:
    """The installer named by ``--taskcollect-installer`` (or its ini key); a
    ``pytest.UsageError`` naming the choices otherwise."""
    if not value:
        return "pip"
    choices = get_args(Installer)
    if value not in choices:
        expected = " or ".join(choices)
        raise pytest.UsageError(f"--taskcollect-installer: expected {expected}, got {value!r}.")
    return cast(Installer, value)


def read_options(config: pytest.Config) -> TaskcollectOptions:
    """Read the options (command line first, then ini) into a ``TaskcollectOptions``."""
    find_links = tuple(
        _resolve(config, item) for item in _value(config, "taskcollect_find_links") or []
    )
    return TaskcollectOptions(
        server_version=server_version(_value(config, "taskcollect_server_version")),
        installer=installer(_value(config, "taskcollect_installer")),
        python_interpreters=parse_python_mapping(list(_value(config, "taskcollect_python") or [])),
        tasks_dir=_path(config, "taskcollect_tasks_dir"),
        find_links=find_links,
        network=bool(_value(config, "taskcollect_network")),
        keep=bool(_value(config, "taskcollect_keep")),
        cache_dir=_path(config, "taskcollect_cache_dir"),
        no_cache=bool(_value(config, "taskcollect_no_cache")),
        project=_path(config, "taskcollect_project"),
    )
