"""Field-by-field explanations of ``==`` failures between pytest-taskcollect's models.

pytest's own explanation of ``assert a == b`` for two pydantic models is a pair of huge reprs.
``explain_comparison`` (called by the plugin's
``pytest_assertrepr_compare`` hook) instead lists what differs, one line per value, with the
JSON path of nested values::

    Comparing TaskCreateV2 instances:
      type: expected 'parallel', got 'non_parallel'
      args_schema_non_parallel.properties.zarr_url.type: expected 'string', got 'integer'

It handles two models of the same class from this package (``TaskCreateV2``, ``ManifestV2``,
``TaskManifestV2``, ``CollectionResult``, ``CollectedTaskGroup``, ``TaskOutput``,
``InitTaskOutput``, ...) and two lists of ``TaskCreateV2`` (matched by task name). Following
pytest's convention ``assert actual == expected``, the right operand is the expected value.

``diff_values`` and ``diff_task_lists`` are the same engine, used by
``pytest_taskcollect.checks.assertions``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ..schemas.task import TaskCreateBase

__all__ = [
    "ABSENT",
    "diff_task_lists",
    "diff_values",
    "explain_comparison",
    "show_value",
]

_PACKAGE = __name__.partition(".")[0]
_MAX_REPR = 300


class _Absent:
    """The value of a key that one side does not have."""

    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()
"""Stands for a missing key in a diff line (``expected 'x', got <absent>``)."""


def show_value(value: Any) -> str:
    """A short, readable repr: enum values and datetimes plainly, long reprs cut in the middle."""
    if isinstance(value, enum.Enum):
        value = value.value
    text = value.isoformat() if isinstance(value, datetime) else repr(value)
    if len(text) > _MAX_REPR:
        half = _MAX_REPR // 2
        text = f"{text[:half]}...{text[-half:]}"
    return text


def _child(path: str, key: Any) -> str:
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


def _ignored(path: str, ignore: Iterable[str]) -> bool:
    return any(path == item or path.startswith((f"{item}.", f"{item}[")) for item in ignore)


def _named_items(items: Sequence[Any]) -> dict[str, Any] | None:
    """``{name: item}`` when every item is a mapping with a distinct string ``name``."""
    named: dict[str, Any] = {}
    for item in items:
        name = item.get("name") if isinstance(item, Mapping) else None
        if not isinstance(name, str) or name in named:
            return None
        named[name] = item
    return named


def diff_values(
    expected: Any, actual: Any, path: str = "", ignore: Iterable[str] = ()
) -> list[str]:
    """One ``path: expected X, got Y`` line per differing leaf value (none when equal).

    Mappings are compared key by key (a key on one side only shows as ``<absent>``); lists of
    the same length item by item; lists of mappings with distinct ``name`` keys by name (as
    ``task_list[name='x']``); anything else as a whole. Paths in ``ignore`` (and below them)
    are skipped.
    """
    ignore = tuple(ignore)
    if _ignored(path, ignore) or expected == actual:
        return []
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        lines = []
        for key in [*expected, *(key for key in actual if key not in expected)]:
            lines += diff_values(
                expected.get(key, ABSENT), actual.get(key, ABSENT), _child(path, key), ignore
            )
        return lines
    if isinstance(expected, list) and isinstance(actual, list):
        expected_named, actual_named = _named_items(expected), _named_items(actual)
        if expected_named is not None and actual_named is not None:
            return _diff_named(expected_named, actual_named, path, ignore)
        if len(expected) == len(actual):
            lines = []
            for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
                lines += diff_values(left, right, f"{path}[{index}]", ignore)
            return lines
        return [
            f"{path or 'value'}: expected {len(expected)} item(s) {show_value(expected)}, "
            f"got {len(actual)} {show_value(actual)}"
        ]
    return [f"{path or 'value'}: expected {show_value(expected)}, got {show_value(actual)}"]


def _diff_named(
    expected: dict[str, Any], actual: dict[str, Any], path: str, ignore: tuple[str, ...]
) -> list[str]:
    lines = []
    missing = [name for name in expected if name not in actual]
    extra = [name for name in actual if name not in expected]
    if missing:
        lines.append(f"{path or 'value'}: missing item(s) named {', '.join(map(repr, missing))}")
    if extra:
        lines.append(f"{path or 'value'}: unexpected item(s) named {', '.join(map(repr, extra))}")
    for name, item in expected.items():
        if name in actual:
            lines += diff_values(item, actual[name], f"{path}[name={name!r}]", ignore)
    common = [name for name in expected if name in actual]
    if not lines and common != [name for name in actual if name in expected]:
        lines.append(f"{path or 'value'}: same items in another order: expected {common}")
    return lines


def diff_task_lists(
    actual: Sequence[TaskCreateBase | Mapping[str, Any]],
    expected: Sequence[TaskCreateBase | Mapping[str, Any]],
    ignore: Iterable[str] = (),
) -> list[str]:
    """Differences between two task lists, matched by name (order is not compared).

    First the missing and unexpected task names, then, per task, one line per differing field.
    A ``TaskCreateV2`` stands for all its fields; a dict for the keys it has, so an expected
    ``{"name": "t", "type": "parallel"}`` only checks the type. ``ignore`` holds field paths
    within a task (``"command_parallel"``, ``"args_schema_parallel.title"``).
    """
    ignore = tuple(ignore)
    lines: list[str] = []
    sides = {}
    for label, tasks in (("expected", expected), ("actual", actual)):
        by_name: dict[Any, tuple[bool, dict[str, Any]]] = {}
        for task in tasks:
            is_model = isinstance(task, TaskCreateBase)
            fields = task.model_dump() if isinstance(task, TaskCreateBase) else dict(task)
            name = fields.get("name")
            if name in by_name:
                lines.append(f"the {label} tasks hold {name!r} twice")
            by_name[name] = (is_model, fields)
        sides[label] = by_name
    expected_tasks, actual_tasks = sides["expected"], sides["actual"]
    missing = [name for name in expected_tasks if name not in actual_tasks]
    extra = [name for name in actual_tasks if name not in expected_tasks]
    if missing:
        lines.append(f"missing tasks (expected, not found): {', '.join(map(repr, missing))}")
    if extra:
        lines.append(f"unexpected tasks (found, not expected): {', '.join(map(repr, extra))}")
    for name, (wanted_is_model, wanted) in expected_tasks.items():
        if name not in actual_tasks:
            continue
        got_is_model, got = actual_tasks[name]
        if not (wanted_is_model and got_is_model):  # a dict stands for the keys it has
            keys = {*({} if wanted_is_model else wanted), *({} if got_is_model else got)}
            wanted = {key: value for key, value in wanted.items() if key in keys}
            got = {key: value for key, value in got.items() if key in keys}
        differences = diff_values(wanted, got, ignore=ignore)
        if differences:
            lines.append(f"task {name!r}:")
            lines += [f"  {line}" for line in differences]
    return lines


def _is_ours(value: Any) -> bool:
    return isinstance(value, BaseModel) and type(value).__module__.startswith(f"{_PACKAGE}.")


def _is_task_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, TaskCreateBase) for item in value)


def explain_comparison(op: str, left: Any, right: Any) -> list[str] | None:
    """The explanation of ``left == right`` for our models, or ``None`` to let pytest explain.

    ``left`` is the actual value and ``right`` the expected one (``assert actual == expected``).
    The plugin's ``pytest_assertrepr_compare`` hook calls it.
    """
    if op != "==":
        return None
    if _is_ours(left) and type(left) is type(right):
        lines = diff_values(right.model_dump(), left.model_dump())
        if not lines:
            lines = ["no field differs in model_dump() (private attributes differ)"]
        return [f"Comparing {type(left).__name__} instances:", *(f"  {line}" for line in lines)]
    if _is_task_list(left) and _is_task_list(right) and (left or right):
        lines = diff_task_lists(left, right)
        if not lines:
            order = [task.name for task in right]
            lines = [f"same tasks in another order: expected {order}"]
        return ["Comparing lists of TaskCreateV2 instances:", *(f"  {line}" for line in lines)]
    return None
