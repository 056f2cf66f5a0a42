"""Task groups and their activities: the creation models and the enums fractal-server stores."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from ._not_none import AbsolutePathStrNotNone, NonEmptyStrNotNone
from ._types import AbsolutePathStr, DictStrStr, NonEmptyStr

__all__ = [
    "TaskGroupActivityActionV2",
    "TaskGroupActivityStatusV2",
    "TaskGroupCreateV2",
    "TaskGroupCreateV2Strict",
    "TaskGroupV2OriginEnum",
]


class TaskGroupV2OriginEnum(str, Enum):
    """Where a task group came from."""

    PYPI = "pypi"
    WHEELFILE = "wheel-file"
    OTHER = "other"


class TaskGroupActivityStatusV2(str, Enum):
    """Status of a collection activity (note the upper-case ``"OK"``)."""

    PENDING = "pending"
    ONGOING = "ongoing"
    FAILED = "failed"
    OK = "OK"


class TaskGroupActivityActionV2(str, Enum):
    """What a task-group activity does."""

    COLLECT = "collect"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"


class TaskGroupCreateV2(BaseModel):
    """The attributes of a new task group (several fields reject an explicit ``None``)."""

    model_config = ConfigDict(extra="forbid")

    user_id: int
    user_group_id: int | None = None
    active: bool = True
    origin: TaskGroupV2OriginEnum
    pkg_name: str
    version: str | None = None
    python_version: NonEmptyStrNotNone = None
    path: AbsolutePathStrNotNone = None
    venv_path: AbsolutePathStrNotNone = None
    wheel_path: AbsolutePathStrNotNone = None
    pip_extras: NonEmptyStrNotNone = None
    pip_freeze: str | None = None
    pinned_package_versions: DictStrStr = Field(default_factory=dict)


class TaskGroupCreateV2Strict(TaskGroupCreateV2):
    """``TaskGroupCreateV2`` with ``path``, ``venv_path``, ``version`` and ``python_version``
    required: the check the pip endpoint runs before it creates anything."""

    path: AbsolutePathStr
    venv_path: AbsolutePathStr
    version: NonEmptyStr
    python_version: NonEmptyStr
