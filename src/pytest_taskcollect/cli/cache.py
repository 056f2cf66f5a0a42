"""``taskcollect cache info|clear|fetch-pip``: the persistent cache (``collection.user_cache``).

* ``info``: where the venv store, the bytecode cache (``installer="uv"``) and the fetched pip
  wheels are, what they hold and their size;
* ``clear``: empty the venv store and the bytecode cache (``--pip-wheels`` removes the fetched
  wheels too);
* ``fetch-pip``: download, with network, the pip a release installs (``--server-version``: its
  cap's pip, or the newest pip for a release without a cap) and the newest setuptools; without
  ``--server-version``, the pip of every release's cap as well. Offline collections then use
  them by themselves (``pip_wheels``).

``--store DIR`` names another venv store (``CollectionSettings.venv_store``, or the pytest
plugin's, which lives in pytest's cache dir: ``.pytest_cache/d/taskcollect-venvs``).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from ..collection import bytecode_cache, venv_cache
from ..collection.pip_wheels import PipFetchError, fetch_pip_wheels, stored_wheels
from ..collection.user_cache import default_venv_store, pip_wheels_dir
from .report import CommandReport, write_log

__all__ = ["run_cache"]


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def _store(args: argparse.Namespace) -> Path:
    return Path(args.store).absolute() if args.store else default_venv_store()


def run_cache(args: argparse.Namespace) -> CommandReport:
    """Run one ``cache`` action; the headline says what the cache holds (or held)."""
    report = CommandReport(command="cache")
    if args.action == "fetch-pip":
        return _fetch(report, args)
    store = _store(args)
    bytecode = bytecode_cache.default_bytecode_cache()
    if args.action == "clear":
        info = venv_cache.clear(store)
        report.headline = (
            f"Venv store {store}: removed {len(info.entries)} venvs "
            f"({_megabytes(info.size)}) and {len(info.leftovers)} leftovers."
        )
        modules, size = bytecode_cache.clear(bytecode)
        removed = f"removed {modules} modules ({_megabytes(size)})"
        report.notes = [f"Bytecode cache {bytecode}: {removed}."]
        if args.pip_wheels:
            wheels = stored_wheels()
            shutil.rmtree(pip_wheels_dir(), ignore_errors=True)
            report.notes.append(f"Fetched pip wheels {pip_wheels_dir()}: removed {len(wheels)}.")
        return report
    info = venv_cache.store_info(store)
    report.headline = f"Venv store {store}: {len(info.entries)} venvs, {_megabytes(info.size)}" + (
        f", {len(info.leftovers)} leftovers of interrupted runs" if info.leftovers else ""
    )
    now = time.time()
    report.notes = [
        f"  {key[:16]}  {_megabytes(size):>10}  used {int((now - used) // 60)} min ago"
        for key, size, used in info.entries
    ]
    modules, size = bytecode_cache.cache_size(bytecode)
    report.notes.append(f"Bytecode cache {bytecode}: {modules} modules, {_megabytes(size)}")
    wheels = stored_wheels()
    listed = ", ".join(path.name for path in wheels) if wheels else "none"
    report.notes.append(f"Fetched pip wheels {pip_wheels_dir()}: {listed}")
    return report


def _fetch(report: CommandReport, args: argparse.Namespace) -> CommandReport:
    try:
        result = fetch_pip_wheels(server_version=args.server_version, index_url=args.index_url)
    except PipFetchError as error:
        report.log_path = write_log("cache", "fetch-pip", error.output)
        return report.fail("download", f"{error} (this command needs the package index).")
    report.log_path = write_log("cache", "fetch-pip", result.output)
    release = f"fractal-server {args.server_version}'s" if args.server_version else "the server's"
    report.headline = (
        f"{result.folder}: {len(result.wheels)} wheels ({len(result.added)} new); offline "
        f"collections now install {release} pip from here."
    )
    report.notes = [f"+ {name}" for name in result.added]
    return report
