"""Shared test configuration.

The test session gets its own persistent cache (``TASKCOLLECT_CACHE_DIR``, set before pytest-xdist
starts its workers, which inherit it): venvs stored by one test run are never reused by the
next, and the user's cache is left alone. ``$TASKCOLLECT_TEST_USER_CACHE`` names the user's,
where fetched pip wheels outlive the session (``tests/collection/conftest.py``).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile

import pytest

from pytest_taskcollect.collection.user_cache import ENV_VARIABLE, default_cache_dir

# server.summary prints the real-server comparisons (tests/server) at the end of a session.
pytest_plugins = ["pytester", "server.summary"]

USER_CACHE_VARIABLE = "TASKCOLLECT_TEST_USER_CACHE"
_SESSION_CACHE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    # The interrupt tests send SIGINT to child processes. Started under `nohup` or as `cmd &`
    # from a script, this process ignores SIGINT, and so would its children (an ignored signal
    # is inherited, a handler is not), whose Python then never raises KeyboardInterrupt.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        os.environ.setdefault(USER_CACHE_VARIABLE, str(default_cache_dir()))
        folder = tempfile.mkdtemp(prefix="taskcollect-test-cache-")
        config.stash[_SESSION_CACHE] = folder
        os.environ[ENV_VARIABLE] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_SESSION_CACHE, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
