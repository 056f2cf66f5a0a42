"""Where pytest-taskcollect keeps what outlives a process: reusable venvs and fetched pip wheels.

The root is ``$TASKCOLLECT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/pytest-taskcollect``, else
``~/.cache/pytest-taskcollect``. Under it:

* ``venvs/``: the venv store (``venv_cache``), unless ``CollectionSettings.venv_store`` (or the
  pytest plugin: pytest's cache dir) puts it elsewhere;
* ``pip-wheels/``: the pip and setuptools wheels ``taskcollect cache fetch-pip`` downloaded, which
  offline collections add to their sources (``pip_wheels``);
* ``uv/`` and ``bytecode/``: uv's own cache and the modules compiled after uv installs
  (``uv_installer``, ``bytecode_cache``), for ``installer="uv"``.

``taskcollect cache info`` shows them; ``taskcollect cache clear`` empties the venv store and
the bytecode cache (with ``--pip-wheels``, the fetched wheels too).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV_VARIABLE", "default_cache_dir", "default_venv_store", "pip_wheels_dir"]

ENV_VARIABLE = "TASKCOLLECT_CACHE_DIR"


def default_cache_dir() -> Path:
    """The persistent cache's root (see the module docstring)."""
    configured = os.environ.get(ENV_VARIABLE)
    if configured:
        return Path(configured).expanduser().absolute()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "pytest-taskcollect"


def default_venv_store() -> Path:
    """The venv store used when the settings name none."""
    return default_cache_dir() / "venvs"


def pip_wheels_dir() -> Path:
    """Where fetched pip and setuptools wheels live."""
    return default_cache_dir() / "pip-wheels"
