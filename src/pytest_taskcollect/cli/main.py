"""The ``taskcollect`` command: collect Fractal task packages the way fractal-server does.

* ``taskcollect pip (PACKAGE | WHEEL)``: the pip path (``POST /api/v2/task/collect/pip/``);
* ``taskcollect custom --manifest FILE ...``: the custom path (``.../collect/custom/``);
* ``taskcollect check [PROJECT_DIR | WHEEL]``: build a project's wheel, collect it, start each
  task and check that the manifest is up to date;
* ``taskcollect wheelhouse PROJECT_OR_WHEEL --python X.Y --into DIR``: download the wheels a
  collection needs, once, for offline checks;
* ``taskcollect cache info|clear|fetch-pip``: the persistent cache (reused venvs, the server's
  pip wheels for offline collections).

Human output by default, ``--json`` for a stable JSON document; progress lines on stderr.
Exit status: 0 OK, 1 the collection failed (or the system refused a file operation), 2 usage
error (argparse's own errors included), 3 (``check``) collected, but some task does not start
or the manifest is stale, 130 interrupted by Ctrl-C (SIGINT), 143 terminated (SIGTERM). A user
error or an interrupt is told in one line, never with a traceback; an interrupted collection
removes what it created first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import get_args

from .. import __version__
from ..checks.manifest_freshness import DEFAULT_TASK_LIST_PATH
from ..collection.interrupts import Terminated, sigterm_raises
from ..collection.settings import Installer
from .cache import run_cache
from .check import run_check
from .collect import parse_pin, run_custom, run_pip
from .python_option import python_argument
from .report import CommandReport, UsageError, render_human, render_json, shorten
from .server_option import add_server_option, server_version_argument
from .wheelhouse import run_wheelhouse

__all__ = ["build_parser", "main"]

_PYTHON_HELP = (
    "Python X.Y of the collection venv, found in pyenv or as pythonX.Y on PATH, or X.Y=PATH "
    "(default: the running interpreter)"
)
_OFFLINE = (
    "Offline by default: pip gets --no-index plus the --find-links sources; --network lets pip "
    "and the version lookup use PyPI, as the server does."
)


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON document instead of text")


def _add_sources(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--python", metavar="X.Y[=PATH]", type=python_argument, help=_PYTHON_HELP)
    parser.add_argument(
        "--find-links",
        metavar="D",
        action="append",
        default=[],
        help="a folder, file or URL with distributions for pip (repeatable)",
    )
    parser.add_argument(
        "--network", action="store_true", help="allow the package index (PyPI); default offline"
    )


def _add_installer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--installer",
        choices=get_args(Installer),
        default="pip",
        help="what installs the package and its dependencies: pip (default, as the server) or "
        "uv (several times faster on big packages; the venv is rewritten into pip's, the log's "
        "install lines are uv's; needs uv on PATH or `pip install uv`, else pip installs and a "
        "warning says why)",
    )


def _add_request(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--extras", help="package extras, comma-separated without brackets")
    parser.add_argument(
        "--pin",
        metavar="NAME=VER",
        type=parse_pin,
        action="append",
        default=[],
        help="a pinned package version, installed after the package (repeatable; from "
        "fractal-server 2.16.0 the same as --pin-post)",
    )
    for when, where in (("pre", "before"), ("post", "after")):
        parser.add_argument(
            f"--pin-{when}",
            metavar="NAME=VER",
            type=parse_pin,
            action="append",
            default=[],
            help=f"a pinned version installed {where} the package (repeatable; fractal-server "
            "2.16.0 on)",
        )


def _add_pip(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "pip",
        help="collect a wheel file or a package by name (the server's pip path)",
        description=(
            "Collect a package as fractal-server's pip endpoint does (2.14.5 unless "
            "--server-version). An argument ending "
            f"in .whl, or an existing file, is uploaded as a wheel; otherwise it is a package "
            f"name. {_OFFLINE} The tasks dir is temporary unless --tasks-dir is given."
        ),
    )
    parser.add_argument("target", metavar="PACKAGE | WHEEL", help="package name or wheel file")
    parser.add_argument("--version", help="package version (a prefix, as on the server)")
    _add_request(parser)
    parser.add_argument(
        "--tasks-dir", metavar="D", help="collect into this folder and keep it (FRACTAL_TASKS_DIR)"
    )
    _add_sources(parser)
    parser.add_argument(
        "--no-index",
        action="store_true",
        help="do not use the package index (the default; overrides --network)",
    )
    _add_installer(parser)
    add_server_option(parser)
    _add_json(parser)
    _add_progress(parser)
    parser.set_defaults(run=run_pip)


def _add_custom(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "custom",
        help="collect the tasks of an installed package (the server's custom path)",
        description=(
            "Collect tasks from a manifest and an existing interpreter and package, as "
            "fractal-server's custom endpoint does (2.14.5 unless --server-version; from "
            "2.23.1 --version is required). Nothing is installed."
        ),
    )
    parser.add_argument("--manifest", metavar="FILE", required=True, help="the manifest JSON")
    parser.add_argument(
        "--python-interpreter", metavar="PATH", required=True, help="the tasks' interpreter"
    )
    root = parser.add_mutually_exclusive_group(required=True)
    root.add_argument("--package-root", metavar="P", help="folder of the task executables")
    root.add_argument(
        "--package-name", metavar="N", help="import name the interpreter resolves to a folder"
    )
    parser.add_argument("--label", metavar="L", required=True, help="the task group's name")
    parser.add_argument("--version", metavar="V", help="version recorded on the tasks")
    add_server_option(parser)
    _add_json(parser)
    parser.set_defaults(run=run_custom)


def _add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="build a project's wheel, collect it, start each task, check the manifest",
        description=(
            "Build the project's wheel (or take a wheel), check it statically, collect it "
            "through the pip path as the server would with these extras, pins and Python, run "
            "each task executable with --help in the collected venv, rebuild the manifest with "
            "the package's own tooling (fractal-task-tools) to see whether the committed one "
            "is up to date and, with --smoke-args, run tasks for real. The project's own "
            f"dependencies must be in --find-links unless --network is given. {_OFFLINE}"
        ),
        epilog=(
            "Exit status: 0 fractal-server collects it and every task starts; 1 it would not "
            "collect it; 2 usage error; 3 it collects, but some task does not start or the "
            "committed manifest is stale."
        ),
    )
    parser.add_argument(
        "project_dir",
        metavar="PROJECT_DIR | WHEEL",
        nargs="?",
        default=".",
        help="a project folder or a wheel file (default: .)",
    )
    _add_request(parser)
    parser.add_argument(
        "--smoke-args",
        metavar="FILE",
        help=(
            'JSON: {"task name": {args}} or {"task name": {"non_parallel": {args}, '
            '"parallel": {args}}}; "{workdir}" in strings is the run folder'
        ),
    )
    parser.add_argument(
        "--tasks-dir",
        metavar="D",
        help="collect into this folder and keep it; the next check with the same inputs and "
        "the same D reuses that collection",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the tasks dir (a new temporary one by default)"
    )
    parser.add_argument(
        "--task-list-path",
        metavar="MODULE",
        default=DEFAULT_TASK_LIST_PATH,
        help="fractal-task-tools' task-list module, relative to the package "
        f"(default: {DEFAULT_TASK_LIST_PATH})",
    )
    parser.add_argument(
        "--no-manifest-check",
        action="store_true",
        help="do not rebuild the manifest to check that it is up to date",
    )
    _add_sources(parser)
    _add_installer(parser)
    add_server_option(parser)
    _add_json(parser)
    _add_progress(parser)
    parser.set_defaults(run=run_check)


def _add_progress(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--progress",
        dest="progress",
        action="store_const",
        const=True,
        default=None,
        help="show progress on stderr even when it is not a terminal or with --json",
    )
    group.add_argument(
        "--no-progress",
        dest="progress",
        action="store_const",
        const=False,
        help="show no progress (default when stderr is not a terminal)",
    )


def _add_wheelhouse(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "wheelhouse",
        help="download a package's dependency wheels once, for offline checks",
        description=(
            "Download into DIR (pip download, binary wheels for Python X.Y on this platform) "
            "every wheel that collecting PROJECT_OR_WHEEL needs: its dependencies with the "
            "given extras, the pinned versions, and the pip and setuptools the server installs "
            "first. Afterwards `taskcollect check PROJECT --find-links DIR` runs offline. Uses "
            "the package index unless --no-index (then only --find-links)."
        ),
    )
    parser.add_argument(
        "target",
        metavar="PROJECT_OR_WHEEL",
        help="a project folder, a wheel file, or a requirement such as fractal-tasks-core==2.1.0",
    )
    parser.add_argument(
        "--python", metavar="X.Y", type=python_argument, required=True, help="the target Python"
    )
    parser.add_argument("--into", metavar="DIR", required=True, help="the wheelhouse folder")
    _add_request(parser)
    parser.add_argument(
        "--find-links",
        metavar="D",
        action="append",
        default=[],
        help="more sources of distributions (repeatable)",
    )
    parser.add_argument(
        "--no-index", action="store_true", help="do not use the package index (only --find-links)"
    )
    add_server_option(parser)
    _add_json(parser)
    parser.set_defaults(run=run_wheelhouse, network=True)


def _add_cache(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "cache",
        help="show or empty the persistent cache; fetch the server's pip for offline use",
        description=(
            "The persistent cache ($TASKCOLLECT_CACHE_DIR, else ~/.cache/pytest-taskcollect): "
            "the venv store, which lets a collection of the same inputs reuse an earlier "
            "collection's venv in any process, and the pip wheels fractal-server installs, "
            "which offline collections add to their sources. `info` shows them, `clear` "
            "empties the venv store, `fetch-pip` downloads the pip a release installs (with "
            "--server-version: its cap's pip, or the newest pip where it has no cap; without: "
            "the pip of every release's cap, 24.0 and 25.2, and the newest pip) and the newest "
            "setuptools (needs the package index)."
        ),
    )
    parser.add_argument("action", choices=("info", "clear", "fetch-pip"))
    parser.add_argument(
        "--store", metavar="DIR", help="another venv store (e.g. .pytest_cache/d/taskcollect-venvs)"
    )
    parser.add_argument(
        "--pip-wheels", action="store_true", help="clear: remove the fetched pip wheels too"
    )
    parser.add_argument("--index-url", metavar="URL", help="fetch-pip: the index (default PyPI)")
    parser.add_argument(
        "--server-version",
        metavar="VERSION",
        type=server_version_argument,
        help="fetch-pip: only what this fractal-server release installs (default: every release)",
    )
    parser.set_defaults(run=run_cache, json=False)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``taskcollect`` and its sub-commands."""
    parser = argparse.ArgumentParser(
        prog="taskcollect",
        description=(
            "Check that fractal-server (2.14.5 by default, any release to 2.26.0 with "
            "--server-version) would collect a Fractal task package, without running the "
            "server."
        ),
        epilog=(
            "Exit status: 0 OK, 1 the collection failed (the server would not collect it), "
            "2 usage error, 3 (check) it collects but some task does not start or the manifest "
            "is stale, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM)."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__} (fractal-server 2.14.5 to 2.26.0; default 2.14.5)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_pip(commands)
    _add_custom(commands)
    _add_check(commands)
    _add_wheelhouse(commands)
    _add_cache(commands)
    return parser


def _interrupted(command: str, signal_name: str) -> None:
    print(
        f"taskcollect {command}: interrupted by {signal_name}; what it had created was removed.",
        file=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``taskcollect`` and return its exit status."""
    args = build_parser().parse_args(argv)
    if getattr(args, "no_index", False):
        args.network = False
    command: Callable[[argparse.Namespace], CommandReport] = args.run
    try:
        with sigterm_raises(redeliver=False):
            report = command(args)
    except UsageError as error:
        report = CommandReport(command=args.command, status="error", stage="usage")
        report.server_version = getattr(args, "server_version", report.server_version)
        report.error = str(error)
        if not args.json:
            print(f"taskcollect {args.command}: error: {error}", file=sys.stderr)
            return report.exit_status
    except OSError as error:  # the system refused a file operation (a full disk, permissions)
        where = f" ({shorten(str(error.filename))})" if error.filename else ""
        report = CommandReport(command=args.command).fail(
            "system", f"{error.strerror or error}{where}."
        )
        if not args.json:
            print(f"taskcollect {args.command}: error: {report.error}", file=sys.stderr)
            return report.exit_status
    except KeyboardInterrupt:
        _interrupted(args.command, "Ctrl-C (SIGINT)")
        return 130
    except Terminated:
        _interrupted(args.command, "SIGTERM")
        return 143
    print(render_json(report) if args.json else render_human(report))
    return report.exit_status
