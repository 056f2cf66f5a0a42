"""``taskcollect pip`` and ``taskcollect custom``: one collection, as fractal-server runs it.

The command-line arguments become the request of the release chosen with ``--server-version``
(``TaskCollectPipV2`` or ``TaskCollectCustomV2`` for 2.14.5, ``TaskCollectPip``... later) and
``CollectionSettings``; the library does the collection. A request the server would reject with
a 422 (``ValidationError``) is reported as a failure at stage ``"request"``, naming the field and
the rule. Local paths given on the command line are made
absolute, because pip runs in the task group's folder and the server requires absolute paths.
With ``--tasks-dir`` the collected venv is kept, so it is made self-contained
(``make_venv_self_contained``): it keeps working when virtualenv's app-data folder is cleaned.
JSON input files must be UTF-8 and nest at most ``MAX_JSON_DEPTH`` levels.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..collection import (
    CollectionResult,
    CollectionSettings,
    collect_pip,
    make_venv_self_contained,
)
from ..collection.custom_path import collect_custom
from ..collection.settings import Installer
from ..profiles import DEFAULT_SERVER_VERSION, get_profile
from ..schemas.task_collection import CustomRequestBase, PipRequestBase
from .progress_view import showing_progress
from .python_option import resolve_python
from .report import (
    CommandReport,
    UsageError,
    describe_validation_error,
    progress,
    shorten,
    task_count,
    write_log,
)
from .server_option import pin_fields

__all__ = [
    "MAX_JSON_DEPTH",
    "collection_settings",
    "find_link",
    "keep_venv_self_contained",
    "package_root_parent",
    "parse_pin",
    "read_json_file",
    "run_custom",
    "run_pip",
]


MAX_JSON_DEPTH = 200
"""How deeply a JSON input file may nest (a real manifest nests about ten levels)."""


def parse_pin(value: str) -> tuple[str, str]:
    """``NAME=VERSION`` (an ``argparse`` type for ``--pin``)."""
    name, sep, version = value.partition("=")
    if not sep or not name.strip() or not version.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VERSION, got {value!r}")
    return name.strip(), version.strip()


def find_link(value: str) -> str:
    """A ``--find-links`` entry: a URL as is, a local path made absolute (it must exist)."""
    if "://" in value:
        return value
    path = Path(value)
    if not path.exists():
        raise UsageError(f"--find-links {value}: no such file or directory.")
    return str(path.absolute())


def collection_settings(
    tasks_dir: Path,
    *,
    interpreters: dict[str, Path],
    find_links: Sequence[str],
    network: bool,
    server_version: str = DEFAULT_SERVER_VERSION,
    installer: Installer = "pip",
) -> CollectionSettings:
    """Settings for one command-line collection: offline (``--no-index`` plus the given
    ``--find-links``) unless ``network``, in which case pip and the version lookup use PyPI."""
    return CollectionSettings(
        tasks_dir=tasks_dir,
        server_version=server_version,
        installer=installer,
        python_interpreters=interpreters,
        find_links=tuple(find_link(link) for link in find_links),
        no_index=not network,
    )


def package_root_parent(result: CollectionResult) -> str | None:
    """The site-packages folder of a pip-collected group (the package root's parent)."""
    group = result.task_group
    if group is None or group.venv_path is None or group.python_version is None:
        return None
    return f"{group.venv_path}/lib/python{group.python_version}/site-packages"


def _finish(report: CommandReport, result: CollectionResult, name: str) -> CommandReport:
    """Fill ``report`` from a collection result and write the activity log to a file."""
    report.result = result
    report.warnings = [*result.warnings, *report.warnings]
    report.log_path = write_log(report.command, name, result.log)
    if not result.ok:
        return report.fail(result.stage or "unknown", result.error or "")
    return report


def run_pip(args: argparse.Namespace) -> CommandReport:
    """``taskcollect pip``: collect a wheel file or a package by name."""
    profile = get_profile(args.server_version)
    report = CommandReport(command="pip", server_version=profile.version)
    target: str = args.target
    is_wheel = target.endswith(".whl") or _is_file(target)
    if is_wheel and not _is_file(target):
        raise UsageError(f"Wheel file {shorten(target)} does not exist.")
    python = resolve_python(args.python, profile)
    links = [find_link(link) for link in args.find_links]
    pins = pin_fields(args, profile)
    try:
        request = profile.schemas.pip_request(
            package=None if is_wheel else target,
            package_version=args.version,
            package_extras=args.extras,
            python_version=python.version,
            **pins,
        )
    except ValidationError as error:
        return report.fail("request", describe_validation_error("request", error))
    assert isinstance(request, PipRequestBase)

    keep = args.tasks_dir is not None
    tasks_dir = Path(args.tasks_dir).absolute() if keep else Path(tempfile.mkdtemp(prefix="tc-"))
    try:
        settings = collection_settings(
            tasks_dir,
            interpreters=python.interpreters,
            find_links=links,
            network=args.network,
            server_version=profile.version,
            installer=args.installer,
        )
        with showing_progress(forced=args.progress, json_output=args.json):
            result = collect_pip(
                request, wheel=Path(target) if is_wheel else None, settings=settings
            )
    finally:
        if not keep:
            shutil.rmtree(tasks_dir, ignore_errors=True)
    report.tasks_dir = tasks_dir if keep else None
    if keep:
        keep_venv_self_contained(report, result)
    report.wheel = Path(target).name if is_wheel else None
    report.package_root_parent = package_root_parent(result)
    group = result.task_group
    if result.ok and group is not None:
        report.headline = (
            f"Collected {group.pkg_name} {group.version} (origin: {group.origin.value}, "
            f"Python {group.python_version}): {task_count(result)}."
        )
    return _finish(report, result, Path(target).name if is_wheel else target)


def keep_venv_self_contained(report: CommandReport, result: CollectionResult) -> None:
    """Make the venv of a successful collection that the command keeps self-contained; when a
    copy fails (a full disk), say so in a warning: the venv still works, with its links."""
    group = result.task_group
    if not result.ok or group is None or group.venv_path is None:
        return
    try:
        make_venv_self_contained(group.venv_path)
    except OSError as error:
        report.warnings.append(
            f"The kept venv could not be made self-contained ({error.strerror or error}); "
            "it still links to virtualenv's app-data folder for pip and setuptools."
        )


def _is_file(path: str) -> bool:
    """``Path(path).is_file()``, false for a name the file system refuses (too long, NUL)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def _json_depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests (without recursion), counting only up to ``limit + 1``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def read_json_file(path: str, what: str) -> Any:
    """The JSON content of ``path``. A missing or unreadable file, text that is not UTF-8,
    invalid JSON or JSON nested deeper than ``MAX_JSON_DEPTH`` is a ``UsageError``."""
    shown = shorten(path)
    try:
        data = Path(path).read_bytes()
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise UsageError(f"Cannot read the {what} {shown}: {reason}.") from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"The {what} {shown} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start})."
        ) from error
    too_deep = f"The {what} {shown} nests JSON more than {MAX_JSON_DEPTH} levels deep."
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"The {what} {shown} is not valid JSON: {error}.") from error
    except RecursionError as error:
        raise UsageError(too_deep) from error
    if _json_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise UsageError(too_deep)
    return value


def run_custom(args: argparse.Namespace) -> CommandReport:
    """``taskcollect custom``: collect the tasks of an already-installed package."""
    profile = get_profile(args.server_version)
    report = CommandReport(command="custom", server_version=profile.version)
    manifest = read_json_file(args.manifest, "manifest")
    try:
        request = profile.schemas.custom_request(
            manifest=manifest,
            python_interpreter=os.path.abspath(args.python_interpreter),
            label=args.label,
            package_root=os.path.abspath(args.package_root) if args.package_root else None,
            package_name=args.package_name,
            # not sent when not given, as a client omits it (a missing version is required
            # from 2.23.1: "Field required")
            **({"version": args.version} if args.version is not None else {}),
        )
    except ValidationError as error:
        return report.fail("request", describe_validation_error("request", error))
    assert isinstance(request, CustomRequestBase)
    # A custom collection writes nothing: the tasks dir is required by the settings only.
    settings = CollectionSettings(
        tasks_dir=Path(tempfile.gettempdir()), server_version=profile.version
    )
    progress(f"Collecting the tasks of {args.manifest} (custom path)...")
    result = collect_custom(request, settings=settings)
    if request.package_root is not None:
        report.package_root_parent = str(Path(request.package_root).parent)
    if result.ok:
        report.headline = (
            f"Collected task group {request.label!r} (origin: other, interpreter "
            f"{request.python_interpreter}): {task_count(result)}."
        )
    return _finish(report, result, request.label)
