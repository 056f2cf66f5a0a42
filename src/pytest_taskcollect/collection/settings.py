"""``CollectionSettings``: the fractal-server settings that matter for collection, plus ours.

The server's settings (``FRACTAL_TASKS_DIR``, ``FRACTAL_TASKS_PYTHON_*``,
``FRACTAL_PIP_CACHE_DIR``, ``FRACTAL_MAX_PIP_VERSION``) keep their meaning. Package-index access
is ours to configure, because the server always reaches PyPI while we run offline by default:
``no_index=True`` plus ``find_links`` is an offline "PyPI"; ``no_index=False`` uses
``index_url`` (or PyPI itself, with versions resolved through its JSON API, as the server does).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["CollectionMode", "CollectionSettings", "running_interpreter", "running_python_version"]

CollectionMode = Literal["fast", "faithful"]
"""``"faithful"`` runs every pip call the server's scripts run; ``"fast"`` skips the calls
whose outcome is provably known and reads installed metadata directly (see ``collect_pip``)."""


def running_python_version() -> str:
    """``"X.Y"`` of the running interpreter (the server's default when none is configured)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def running_interpreter() -> Path:
    """The running interpreter's real base executable (never a venv wrapper or pyenv shim).

    The server uses ``sys.executable``; creating a venv from the resolved base interpreter is
    equivalent and avoids the slow start of shims.
    """
    base = getattr(sys, "_base_executable", None) or sys.executable
    return Path(base).resolve()


def _default_interpreters() -> dict[str, Path]:
    return {running_python_version(): running_interpreter()}


class CollectionSettings(BaseModel):
    """Where and how ``collect_pip`` collects.

    * ``tasks_dir``: the server's ``FRACTAL_TASKS_DIR``; a relative path is made absolute
      against the current directory, as the server does.
    * ``python_interpreters``: ``{"3.11": "/path/to/python3.11", ...}``, the server's
      ``FRACTAL_TASKS_PYTHON_X_Y``. Default: only the running interpreter's version.
    * ``default_python_version``: the server's ``FRACTAL_TASKS_PYTHON_DEFAULT_VERSION``;
      default: the running interpreter's ``X.Y``, as the server does when none is set.
    * ``pip_cache_dir``: ``None`` gives ``--no-cache-dir``, as on the server.
    * ``max_pip_version``: the server's ``FRACTAL_MAX_PIP_VERSION``.
    * ``find_links``: directories, wheel/sdist files or URLs of pages listing them.
    * ``no_index``: offline (default). With ``False``, pip uses ``index_url`` (PyPI if
      ``None``) and versions are resolved on PyPI's JSON API at ``pypi_json_url`` (or on the
      simple index at ``index_url`` when one is given).
    * ``user_id``: the collecting user's id (a path component).
    * ``mode``: ``"fast"`` (default) or ``"faithful"``.
    * ``reuse_venvs``: in fast mode, reuse the venv of an earlier collection of the same
      inputs (in any process: see ``venv_store``) instead of running pip again.
    * ``venv_store``: the folder of the persistent venv store shared by processes (pytest-xdist
      workers, later runs); ``None``: ``venvs/`` in the user cache dir
      (``$TASKCOLLECT_CACHE_DIR``, else ``~/.cache/pytest-taskcollect``).
    * ``venv_store_max_bytes``: the store's size cap; the least recently used venvs go first.
    * ``pip_timeout``: seconds after which a pip subprocess is killed (``None``: no limit).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    tasks_dir: Path
    python_interpreters: dict[str, Path] = Field(default_factory=_default_interpreters)
    default_python_version: str = Field(default_factory=running_python_version)
    pip_cache_dir: Path | None = None
    max_pip_version: str = "24.0"
    find_links: tuple[str, ...] = ()
    no_index: bool = True
    index_url: str | None = None
    pypi_json_url: str = "https://pypi.org/pypi"
    user_id: int = 1
    mode: CollectionMode = "fast"
    reuse_venvs: bool = True
    venv_store: Path | None = None
    venv_store_max_bytes: int = Field(default=8 * 2**30, ge=0)
    pip_timeout: float | None = None

    @field_validator("tasks_dir", "venv_store")
    @classmethod
    def _absolute_folder(cls, value: Path | None) -> Path | None:
        return value if value is None or value.is_absolute() else value.absolute()

    @field_validator("find_links", mode="before")
    @classmethod
    def _find_links_as_strings(cls, value: object) -> object:
        if isinstance(value, (str, Path)):
            value = (value,)
        if isinstance(value, (list, tuple)):
            return tuple(str(item) for item in value)
        return value

    @property
    def uses_pypi(self) -> bool:
        """True when pip and the version lookup go to PyPI itself (the server's setup)."""
        return not self.no_index and self.index_url is None
