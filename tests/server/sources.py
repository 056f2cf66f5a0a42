"""The package sources both sides of a differential test install from.

The server's pip and our runner get exactly one find-links folder and no index. So that the
server's record is the one a real deployment makes (up to 2.15.7 it upgrades to ``pip<=24.0``,
from 2.16.0 to the newest pip, and it installs setuptools from PyPI), the folder offers
``pip 24.0``, the newest pip when this was written (26.3: newer than every interpreter's bundled
pip, 24.2 on Python 3.13 included) and a ``setuptools`` wheel, downloaded once from the package
index into a persistent cache (``<oracle dir>/wheels``, next to the server venvs) and copied from
there afterwards. Without the cache and without the index the real-server tests are skipped,
with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import filelock
import pytest

from support.fractal_server_venv import index_reachable, server_venv_dir

__all__ = ["SOURCE_WHEELS", "bootstrap_wheel_cache", "fill_find_links"]

SOURCE_WHEELS = {
    "pip-24.0-py3-none-any.whl": "pip==24.0",
    "pip-26.3-py3-none-any.whl": "pip==26.3",
    "setuptools-80.9.0-py3-none-any.whl": "setuptools==80.9.0",
}
"""The wheels of the shared find-links folder and the requirement that downloads each."""

DOWNLOAD_TIMEOUT_S = 300


def bootstrap_wheel_cache() -> Path:
    """The persistent folder holding ``SOURCE_WHEELS`` (downloaded on first use)."""
    return server_venv_dir("2.14.5").parent / "wheels"


def _download(cache: Path, missing: list[str]) -> None:
    log = cache / "download.log"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--index-url",
            "https://pypi.org/simple",
            "-d",
            str(cache),
            *(SOURCE_WHEELS[name] for name in missing),
        ],
        capture_output=True,
        text=True,
        timeout=DOWNLOAD_TIMEOUT_S,
        check=False,
        env={
            **{key: value for key, value in os.environ.items() if not key.startswith("PIP_")},
            "PIP_CONFIG_FILE": os.devnull,
        },
    )
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    still_missing = [name for name in missing if not (cache / name).is_file()]
    if still_missing:
        pytest.fail(
            f"downloading {still_missing} from pypi.org failed (exit status "
            f"{done.returncode}); last lines of {log}:\n"
            + "\n".join((done.stdout + done.stderr).splitlines()[-10:]),
            pytrace=False,
        )


def fill_find_links(folder: Path) -> Path:
    """Copy ``SOURCE_WHEELS`` into ``folder`` (created), downloading them first if needed."""
    cache = bootstrap_wheel_cache()
    cache.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(cache / ".lock"), timeout=DOWNLOAD_TIMEOUT_S * 2):
        missing = [name for name in SOURCE_WHEELS if not (cache / name).is_file()]
        if missing:
            if not index_reachable():
                pytest.skip(
                    f"the real-server tests need {missing} (pip and setuptools as a real "
                    f"server finds them on PyPI); they are not cached in {cache} and pypi.org "
                    "is unreachable"
                )
            _download(cache, missing)
    folder.mkdir(parents=True, exist_ok=True)
    for name in SOURCE_WHEELS:
        shutil.copyfile(cache / name, folder / name)
    return folder
