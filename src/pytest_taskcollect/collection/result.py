"""What a collection returns: ``CollectionResult``, the task-group record and the stages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..schemas import TaskCreateV2, TaskGroupActivityStatusV2, TaskGroupV2OriginEnum

__all__ = ["CollectedTaskGroup", "CollectionError", "CollectionResult", "CollectionStage"]

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
]
"""Where a collection failed, in the order the server gets there.

``request`` (request rules, wheel filename), ``python`` (interpreter availability), ``version``
(version lookup), ``paths`` (task-group validation, existing folder) are the endpoint's 422s;
``venv`` (script 1), ``install`` (script 2 up to the package install), ``pins`` (script 2's
pinned versions), ``freeze`` (script 3), ``show`` (script 4 and the name check), ``size``
(script 5), ``manifest`` (load and ``ManifestV2``), ``tasks`` (``TaskCreateV2``) and ``files``
(``check_task_files_exist``) happen in the background task.
"""


class CollectedTaskGroup(BaseModel):
    """The task-group attributes fractal-server stores (``TaskGroupV2`` columns).

    A pip collection sets ``version``, ``python_version``, ``path`` and ``venv_path``; a custom
    collection leaves them ``None``, as 2.14.5 does.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

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
    * ``task_group``: the stored attributes. On failure the server deletes the row; we keep
      what it held at that point (``None`` when the failure came before the row existed).
    * ``tasks``: the ``TaskCreateV2`` records (empty on failure).
    * ``log``: the activity log (timestamped lines, each script's output).
    * ``stage`` and ``error``: where it failed and the server's message (``None`` when OK).
    * ``timings``: seconds per stage. ``warnings``: where fractal-server 2.14.5 itself would
      have behaved differently from this run (for example, failed on a path with spaces).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: TaskGroupActivityStatusV2
    task_group: CollectedTaskGroup | None = None
    tasks: list[TaskCreateV2] = Field(default_factory=list)
    log: str = ""
    stage: CollectionStage | None = None
    error: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    timestamp_started: datetime
    timestamp_ended: datetime

    @property
    def ok(self) -> bool:
        """True when the status is ``"OK"``."""
        return self.status == TaskGroupActivityStatusV2.OK

    def raise_for_status(self) -> CollectionResult:
        """Return ``self`` if the collection succeeded, else raise ``CollectionError``."""
        if not self.ok:
            raise CollectionError(self)
        return self
