"""``taskcollect wheelhouse PROJECT_OR_WHEEL --python X.Y --into DIR``: fill a wheelhouse once
(``collection.wheelhouse``), so that ``taskcollect check --find-links DIR`` runs offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..collection.wheelhouse import WheelhouseError, fill_wheelhouse
from ..factory.project import ProjectBuildError
from ..profiles import get_profile
from .collect import find_link
from .report import CommandReport, UsageError, write_log

__all__ = ["run_wheelhouse"]


def run_wheelhouse(args: argparse.Namespace) -> CommandReport:
    """Download the wheels; the report's headline says how many are in the folder now."""
    profile = get_profile(args.server_version)
    report = CommandReport(command="wheelhouse", server_version=profile.version)
    version, path = args.python
    if path is not None:
        raise UsageError("wheelhouse --python takes a version only (X.Y): wheels are per version.")
    links = [find_link(link) for link in args.find_links]
    target = args.target
    if Path(target).suffix == ".whl" and not Path(target).is_file():
        raise UsageError(f"Wheel file {target} does not exist.")
    try:
        result = fill_wheelhouse(
            target,
            args.into,
            python_version=version,
            extras=args.extras,
            pins=[*args.pin, *args.pin_pre, *args.pin_post],
            find_links=links,
            network=args.network,
            max_pip_version=profile.pip_cap,
            upgrade_pip=profile.pip_cap is None,
        )
    except WheelhouseError as error:
        report.log_path = write_log("wheelhouse", Path(target).name, error.output)
        hint = "" if args.network else " (offline: only --find-links were searched)"
        return report.fail("download", f"{error}{hint}.")
    except ProjectBuildError as error:
        report.log_path = write_log("wheelhouse", Path(target).name, error.output)
        return report.fail("build", str(error))
    report.log_path = write_log("wheelhouse", Path(target).name, result.output)
    report.headline = (
        f"{result.folder}: {len(result.files)} wheels for Python {version} "
        f"({len(result.added)} new). Collect offline with --find-links {args.into}"
    )
    report.notes = [f"+ {name}" for name in result.added]
    return report
