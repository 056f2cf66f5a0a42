"""Enums per release: the task type and the task-group enums.

2.14.6 turned the task-group enums from ``str, Enum`` into ``StrEnum`` (so ``str(member)`` and
f-strings give the value, not ``ClassName.MEMBER``); 2.14.14 turned the task type from a
``Literal`` into a ``StrEnum``; 2.15.0 added the ``pixi`` origin, 2.16.0 and 2.22.10 the
``delete`` and ``reset`` actions. Builders are cached and return the 2.14.5 objects for
2.14.5's values.
"""

from __future__ import annotations

import sys
from enum import Enum
from functools import cache
from typing import Any, cast

from ..manifest import TaskType
from ..task_group import (
    TaskGroupActivityActionV2,
    TaskGroupActivityStatusV2,
    TaskGroupV2OriginEnum,
)

__all__ = ["StrEnum", "group_enum", "origins", "task_type"]

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10

    class StrEnum(str, Enum):
        """``enum.StrEnum`` for Python 3.10: members print as their value."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return format(str(self.value), spec)


_MODULE = __name__
_TASK_TYPES = (
    "compound",
    "converter_compound",
    "non_parallel",
    "converter_non_parallel",
    "parallel",
)
_BASELINE_ENUMS: tuple[type[Enum], ...] = (
    TaskGroupV2OriginEnum,
    TaskGroupActivityStatusV2,
    TaskGroupActivityActionV2,
)


def _member_name(value: str) -> str:
    """The server's member name for a value: ``"wheel-file"`` is ``WHEELFILE``."""
    return value.upper().replace("-", "")


@cache
def task_type(enum: bool) -> Any:
    """The task-type annotation: 2.14.5's Literal, or the ``TaskType`` enum (2.14.14 on), whose
    invalid value fails with error type ``enum`` instead of ``literal_error``."""
    if not enum:
        return TaskType
    members = [(_member_name(value), value) for value in _TASK_TYPES]
    return StrEnum("TaskType", members, module=_MODULE)  # type: ignore[call-overload]


def origins(pixi_collection: bool) -> tuple[str, ...]:
    """The task-group origins: ``pixi`` sits before ``other`` from 2.15.0."""
    if pixi_collection:
        return ("pypi", "wheel-file", "pixi", "other")
    return ("pypi", "wheel-file", "other")


@cache
def group_enum(name: str, values: tuple[str, ...], str_enums: bool) -> type[Enum]:
    """A task-group enum (origin, activity status or action) as the release defines it."""
    for baseline in _BASELINE_ENUMS:
        same_values = tuple(member.value for member in baseline) == values
        if (baseline.__name__, False) == (name, str_enums) and same_values:
            return baseline
    members = [(_member_name(value), value) for value in values]
    if str_enums:
        return StrEnum(name, members, module=_MODULE)  # type: ignore[call-overload,no-any-return]
    return cast(type[Enum], Enum(name, members, type=str, module=_MODULE))
