"""What a collection returns: ``CollectionResult``, the task-group record and the stages.

The task group carries the columns of the emulated release (``records``): ``CollectedTaskGroup``
for 2.14.5, a model built from ``profile.task_group_columns`` for the others; all of them are
``TaskGroupRecord`` subclasses, and the result serialises whichever it holds in full.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationInfo,
    field_validator,
)

from ..profiles import DEFAULT_SERVER_VERSION, get_profile
from ..schemas import TaskGroupActivityStatusV2, TaskGroupV2OriginEnum
from ..schemas.task import TaskCreateBase

__all__ = [
    "CollectedTaskGroup",
    "CollectionError",
    "CollectionResult",
    "CollectionStage",
    "TaskGroupRecord",
]

CollectionStage = Literal[
    "request",
    "python",
    "version",
    "paths",
    "venv",
    "install",
    "pins",
    "freeze",
    "show",
    "size",
    "manifest",
    "tasks",
    "files",
    "extract",
]
"""Where a collection failed, in the order the server gets there.

``request`` (request rules, wheel filename), ``python`` (interpreter availability), ``version``
(version lookup), ``paths`` (task-group validation, existing folder) are the endpoint's 422s;
``venv`` (script 1), ``install`` (script 2 up to the package install), ``pins`` (script 2's
pinned versions), ``freeze`` (script 3), ``show`` (script 4 and the name check), ``size``
(script 5), ``manifest`` (load and ``ManifestV2``), ``tasks`` (``TaskCreateV2``) and ``files``
(``check_task_files_exist``) happen in the background task. The pixi path adds ``extract``
(``pixi_1_extract.sh`` and the ``pyproject.toml`` edit); its ``pixi install`` is ``install``.
"""


class TaskGroupRecord(BaseModel):
    """What fractal-server stores for a collected task group: the ``TaskGroupV2`` columns of
    the emulated release, without the database's bookkeeping (row id, user group, row
    timestamps).

    Every release has ``user_id``, ``origin``, ``pkg_name``, ``version``, ``python_version``,
    ``path``, ``venv_path``, ``pip_extras`` and ``active``; the others come and go
    (``wheel_path`` is ``archive_path`` from 2.15.0, ``pip_freeze`` is ``env_info``, the pins
    are ``pinned_package_versions_pre``/``_post`` from 2.16.0, ``resource_id`` from 2.17.0,
    ``venv_size_in_kB``/``venv_file_number`` until 2.18.1): read them as attributes
    (``record.archive_path``). ``CollectedTaskGroup`` is 2.14.5's record.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    if TYPE_CHECKING:  # every release's subclass has these fields
        user_id: int
        origin: Any
        pkg_name: str
        version: str | None
        python_version: str | None
        path: str | None
        venv_path: str | None
        pip_extras: str | None
        active: bool


class CollectedTaskGroup(TaskGroupRecord):
    """The task-group attributes fractal-server 2.14.5 stores (``TaskGroupV2`` columns).

    A pip collection sets ``version``, ``python_version``, ``path`` and ``venv_path``; a custom
    collection leaves them ``None``, as 2.14.5 does.
    """

    user_id: int
    origin: TaskGroupV2OriginEnum
    pkg_name: str
    version: str | None = None
    python_version: str | None = None
    path: str | None = None
    venv_path: str | None = None
    wheel_path: str | None = None
    pip_extras: str | None = None
    pinned_package_versions: dict[str, str] = Field(default_factory=dict)
    pip_freeze: str | None = None
    venv_size_in_kB: int | None = None
    venv_file_number: int | None = None
    active: bool = True


class CollectionError(RuntimeError):
    """Raised by ``CollectionResult.raise_for_status`` for a failed collection."""

    def __init__(self, result: CollectionResult) -> None:
        self.result = result
        tail = "\n".join(result.log.splitlines()[-30:])
        super().__init__(
            f"Task collection failed at stage {result.stage!r}: {result.error}\n"
            f"--- last lines of the activity log ---\n{tail}"
        )


class CollectionResult(BaseModel):
    """The outcome of one collection, as the server's activity and task group would show it.

    * ``status``: ``"OK"`` or ``"failed"`` (``TaskGroupActivityStatusV2``).
    * ``server_version``: the fractal-server release that was emulated.
    * ``task_group``: the stored attributes, with that release's columns. On failure the
      server deletes the row; we keep what it held at that point (``None`` when the failure
      came before the row existed).
    * ``tasks``: the release's ``TaskCreate`` records (empty on failure).
    * ``log``: the activity log (timestamped lines, each script's output).
    * ``stage`` and ``error``: where it failed and the server's message (``None`` when OK).
    * ``timings``: seconds per stage. ``warnings``: where the emulated fractal-server itself would
      have behaved differently from this run (for example, failed on a path with spaces).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: TaskGroupActivityStatusV2
    server_version: str = DEFAULT_SERVER_VERSION
    task_group: SerializeAsAny[TaskGroupRecord] | None = None
    tasks: list[SerializeAsAny[TaskCreateBase]] = Field(default_factory=list)
    log: str = ""
    stage: CollectionStage | None = None
    error: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    timestamp_started: datetime
    timestamp_ended: datetime

    @field_validator("task_group", mode="before")
    @classmethod
    def _record_of_the_release(cls, value: Any, info: ValidationInfo) -> Any:
        """A mapping becomes the record model of ``server_version``'s release."""
        if isinstance(value, dict):
            from .records import task_group_record_model

            release = info.data.get("server_version", DEFAULT_SERVER_VERSION)
            return task_group_record_model(get_profile(release)).model_validate(value)
        return value

    @field_validator("tasks", mode="before")
    @classmethod
    def _tasks_of_the_release(cls, value: Any, info: ValidationInfo) -> Any:
        """Mappings become ``server_version``'s ``TaskCreate`` records."""
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            model = get_profile(info.data.get("server_version", DEFAULT_SERVER_VERSION))
            task_create = model.schemas.task_create
            return [
                task_create.model_validate(item) if isinstance(item, dict) else item
                for item in value
            ]
        return value

    @property
    def ok(self) -> bool:
        """True when the status is ``"OK"``."""
        return self.status == TaskGroupActivityStatusV2.OK

    def raise_for_status(self) -> CollectionResult:
        """Return ``self`` if the collection succeeded, else raise ``CollectionError``."""
        if not self.ok:
            raise CollectionError(self)
        return self
