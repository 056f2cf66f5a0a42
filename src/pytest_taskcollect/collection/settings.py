"""``CollectionSettings``: the fractal-server settings that matter for collection, plus ours.

One structure for every release: the tasks dir, the Python interpreters and the default
version, the pip cache dir, the pip cap and the pixi versions, plus ``server_version``, the
fractal-server release whose behaviour the runners follow (default 2.14.5). Releases up to
2.16.x read those settings from environment variables (``FRACTAL_TASKS_DIR``,
``FRACTAL_TASKS_PYTHON_*``...), later ones from a ``Resource`` (``tasks_local_dir``,
``tasks_python_config``...): ``CollectionSettings.from_env`` and ``.from_resource`` take either
shape, with that release's validation messages (see ``configuration``); keyword construction
works for every release.

Package-index access is ours to configure, because the server always reaches PyPI while we run
offline by default: ``no_index=True`` plus ``find_links`` is an offline "PyPI";
``no_index=False`` uses ``index_url`` (or PyPI itself, with versions resolved through the API
that release uses, as the server does).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..profiles import DEFAULT_SERVER_VERSION, ServerProfile, get_profile
from .bytecode_cache import DEFAULT_MAX_BYTES as BYTECODE_CACHE_MAX_BYTES
from .pixi_settings import PixiSettings

__all__ = [
    "CollectionMode",
    "CollectionSettings",
    "Installer",
    "PixiSettings",
    "running_interpreter",
    "running_python_version",
]

CollectionMode = Literal["fast", "faithful"]
Installer = Literal["pip", "uv"]
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
    """Where and how ``collect_pip``, ``collect_custom`` and ``collect_pixi`` collect.

    * ``server_version``: the fractal-server release to emulate (default ``"2.14.5"``); any
      release from 2.14.5 to 2.26.0 (``supported_server_versions()``), else a validation error
      naming the range. ``profile`` is its ``ServerProfile``.
    * ``tasks_dir``: the server's ``FRACTAL_TASKS_DIR`` (up to 2.16.x) or the resource's
      ``tasks_local_dir``; a relative path is made absolute against the current directory.
    * ``python_interpreters``: ``{"3.11": "/path/to/python3.11", ...}``, the server's
      ``FRACTAL_TASKS_PYTHON_X_Y`` or ``tasks_python_config["versions"]``. Default: only the
      running interpreter's version.
    * ``default_python_version``: ``FRACTAL_TASKS_PYTHON_DEFAULT_VERSION`` or
      ``tasks_python_config["default_version"]``; default: the running interpreter's ``X.Y``.
    * ``pip_cache_dir``: ``None`` gives ``--no-cache-dir``, as on the server.
    * ``max_pip_version``: ``FRACTAL_MAX_PIP_VERSION``; ``None`` means the release's default
      (24.0, 25.2 from 2.15.8). From 2.16.0 the setting does not exist (pip is upgraded without
      a cap): giving one is an error. ``pip_cap`` is the cap in force.
    * ``pixi``: the pixi versions (``FRACTAL_PIXI_CONFIG_FILE`` or ``tasks_pixi_config``);
      ``None``: "Pixi task collection is not available."
    * ``task_group_id``: the id written into ``fractal_task_group_id.txt`` (from 2.22.9). The
      server writes its database row's id; a fresh database gives the first group id 1.
    * ``resource_id``: the ``resource_id`` stored on task groups (from 2.17.0; default 1, the
      first resource of a fresh database).
    * ``find_links``: directories, wheel/sdist files or URLs of pages listing them.
    * ``no_index``: offline (default). With ``False``, pip uses ``index_url`` (PyPI if
      ``None``) and versions are resolved on PyPI (``pypi_json_url`` for releases that use the
      JSON API, ``pypi_simple_url`` from 2.16.4) or on the simple index at ``index_url``.
    * ``user_id``: the collecting user's id (a path component).
    * ``mode``: ``"fast"`` (default) or ``"faithful"``.
    * ``reuse_venvs``: in fast mode, reuse the venv of an earlier collection of the same
      inputs (in any process: see ``venv_store``) instead of running pip again.
    * ``venv_store``: the folder of the persistent venv store shared by processes (pytest-xdist
      workers, later runs); ``None``: ``venvs/`` in the user cache dir
      (``$TASKCOLLECT_CACHE_DIR``, else ``~/.cache/pytest-taskcollect``).
    * ``venv_store_max_bytes``: the store's size cap; the least recently used venvs go first.
    * ``bytecode_cache_max_bytes``: the size cap of the compiled modules kept for
      ``installer="uv"`` (``bytecode/`` in the user cache dir); the oldest go first.
    * ``installer``: in fast mode, what installs the package and its pins: ``"pip"`` (default)
      or ``"uv"`` (``uv pip install --python <venv python>`` with the same sources, several
      times faster on packages with many dependencies; the venv is then rewritten into the one
      pip leaves, see ``uv_installer``; the log's install lines are uv's and ``warnings`` says
      so). uv is found on ``PATH`` or as the ``uv`` package; without it, pip installs and
      ``warnings`` says why. Faithful mode always runs pip: ``installer="uv"`` is an error there.
    * ``pip_timeout``: seconds after which a pip subprocess is killed (``None``: no limit).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    tasks_dir: Path
    server_version: str = DEFAULT_SERVER_VERSION
    python_interpreters: dict[str, Path] = Field(default_factory=_default_interpreters)
    default_python_version: str = Field(default_factory=running_python_version)
    pip_cache_dir: Path | None = None
    max_pip_version: str | None = None
    pixi: PixiSettings | None = None
    task_group_id: int = 1
    resource_id: int = 1
    find_links: tuple[str, ...] = ()
    no_index: bool = True
    index_url: str | None = None
    pypi_json_url: str = "https://pypi.org/pypi"
    pypi_simple_url: str = "https://pypi.org/simple"
    user_id: int = 1
    mode: CollectionMode = "fast"
    reuse_venvs: bool = True
    venv_store: Path | None = None
    venv_store_max_bytes: int = Field(default=8 * 2**30, ge=0)
    bytecode_cache_max_bytes: int = Field(default=BYTECODE_CACHE_MAX_BYTES, ge=0)
    pip_timeout: float | None = None
    installer: Installer = "pip"

    @field_validator("server_version")
    @classmethod
    def _known_release(cls, value: str) -> str:
        return get_profile(value).version

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

    @model_validator(mode="after")
    def _pip_cap_exists(self) -> CollectionSettings:
        if self.max_pip_version is not None and self.profile.pip_cap is None:
            raise ValueError(
                f"max_pip_version={self.max_pip_version!r}: fractal-server "
                f"{self.server_version} has no FRACTAL_MAX_PIP_VERSION (it was removed in "
                "2.16.0); its install script runs `pip install pip setuptools --upgrade` "
                "without a cap. Leave max_pip_version unset."
            )
        if self.installer == "uv" and self.mode == "faithful":
            raise ValueError(
                "installer='uv': faithful mode runs every pip command of the server's scripts; "
                "uv is an option of fast mode only (mode='fast')."
            )
        return self

    @property
    def profile(self) -> ServerProfile:
        """The ``ServerProfile`` of ``server_version``."""
        return get_profile(self.server_version)

    @property
    def pip_cap(self) -> str | None:
        """The upper bound of the pip upgrade: ``max_pip_version`` or the release's default;
        ``None`` from 2.16.0 (no cap)."""
        return self.max_pip_version or self.profile.pip_cap

    @property
    def uses_pypi(self) -> bool:
        """True when pip and the version lookup go to PyPI itself (the server's setup)."""
        return not self.no_index and self.index_url is None

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        server_version: str = DEFAULT_SERVER_VERSION,
        **ours: Any,
    ) -> CollectionSettings:
        """Settings from fractal-server's environment variables (releases up to 2.16.x).

        ``env`` defaults to ``os.environ``. Read as that release reads them:
        ``FRACTAL_TASKS_DIR`` (required), ``FRACTAL_TASKS_PYTHON_DEFAULT_VERSION`` and
        ``FRACTAL_TASKS_PYTHON_X_Y`` (without a default version, only the running interpreter
        is available and the other ``X_Y`` values are dropped, as on the server),
        ``FRACTAL_PIP_CACHE_DIR``, ``FRACTAL_MAX_PIP_VERSION`` (up to 2.15.9) and
        ``FRACTAL_PIXI_CONFIG_FILE`` (2.15.0 to 2.16.x). Invalid values raise
        ``ConfigurationError`` with the server's message. ``ours`` are our own settings
        (``find_links``, ``mode``...).
        """
        from .configuration import settings_from_env

        values = settings_from_env(env, get_profile(server_version))
        return cls(server_version=server_version, **values, **ours)

    @classmethod
    def from_resource(
        cls,
        resource: Mapping[str, Any],
        *,
        server_version: str,
        **ours: Any,
    ) -> CollectionSettings:
        """Settings from a fractal-server ``Resource`` (releases from 2.17.0).

        ``resource`` is shaped like the resource's JSON: ``tasks_local_dir``,
        ``tasks_python_config`` (``{"default_version", "versions", "pip_cache_dir"}``) and
        optionally ``tasks_pixi_config`` (``{}``: no pixi). Other keys (``name``, ``jobs_*``)
        are ignored; ``type``, if given, must be ``"local"``. Validated with that release's
        rules and messages, for example ``"The default Python version ('3.13') is not
        available in ['3.11']."``. ``ours`` are our own settings.
        """
        from .configuration import settings_from_resource

        values = settings_from_resource(resource, get_profile(server_version))
        return cls(server_version=server_version, **values, **ours)
