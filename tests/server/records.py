"""Both sides of a differential test in one comparable shape, and their differences.

The server's side is what it stored (activity, task-group and task rows) or its 422; ours is a
``CollectionResult``. Before comparing, values that cannot be equal are normalised the same way
on both sides: the tasks folder (``<TASKS>``), the scripts' numeric prefixes
(``<TS>_collect_``), timestamps in log lines, the elapsed seconds of the scripts, the
activity id in the logger name and the pydantic version in its error links (the server's venv
has its own pydantic). Database bookkeeping (row ids, group ownership, row timestamps)
has no counterpart in a ``CollectionResult`` and is listed, so a new column in a later release
is noticed rather than ignored.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pytest_taskcollect import CollectionResult, get_profile

from .fractal_server import ServerCollection

__all__ = [
    "GROUP_BOOKKEEPING",
    "TASK_BOOKKEEPING",
    "Comparable",
    "Normaliser",
    "differences",
    "from_result",
    "from_server",
    "without_venv_numbers",
]

GROUP_BOOKKEEPING = frozenset({"id", "user_group_id", "timestamp_created", "timestamp_last_used"})
"""``taskgroupv2`` columns that are database bookkeeping, not collection results."""

TASK_BOOKKEEPING = frozenset({"id", "taskgroupv2_id"})
"""``taskv2`` columns that are database bookkeeping."""

TASK_STORAGE_DEFAULTS = {"meta_non_parallel": {}, "meta_parallel": {}, "is_core": False}
"""How a ``TaskCreate`` lands in a ``taskv2`` row: ``meta_*`` columns default to ``{}`` when
the model has ``None``; ``is_core`` (from 2.23.4) is ``false`` unless an administrator sets
it; any other column the model leaves unset (``source``, up to 2.18.x) is ``NULL``."""

REJECTION_STAGES = ("request", "python", "version", "paths")
"""``CollectionResult.stage`` values that are the endpoint's 422 (nothing was created)."""

_LOG_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - (?P<logger>\S+) - (?P<level>[A-Z]+) - "
)
_COLLECT_LOGGER = re.compile(r"fractal_server\.tasks\.v2\.local\.collect\.ID\d+")
_SCRIPT_STAMP = re.compile(r"\[collect-task, \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\]")
_ELAPSED = re.compile(r"Elapsed: \d+ seconds")
_SCRIPT_PREFIX = re.compile(r"/scripts/\d+_collect_")
_PYDANTIC_DOCS = re.compile(r"(https://errors\.pydantic\.dev/)\d+\.\d+/")
_OUR_NOTE = "[pytest-taskcollect] "
_VENV_NUMBERS = re.compile(r"^((?:DEBUG - )?)\d+ \d+$")
_GROUP_DUMP = re.compile(r"^task_group\.(?P<key>\w+): ")
_FAILURE = "Task collect failed. Original error: "


@dataclass(frozen=True)
class Normaliser:
    """Replaces what legitimately differs between two runs of the same collection."""

    tasks_dir: str

    def text(self, value: str) -> str:
        value = value.replace(self.tasks_dir, "<TASKS>")
        value = _SCRIPT_PREFIX.sub("/scripts/<TS>_collect_", value)
        value = _SCRIPT_STAMP.sub("[collect-task, <T>]", value)
        value = _PYDANTIC_DOCS.sub(r"\1<pydantic>/", value)
        return _ELAPSED.sub("Elapsed: <N> seconds", value)

    def value(self, value: Any) -> Any:
        """Normalise every string inside a JSON-like value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value

    def log_lines(self, log: str) -> list[str]:
        """The log's content: one entry per line, ``LEVEL - message`` for a record's first
        line (timestamp and logger name dropped), continuation lines as they are; our own
        notes (``[pytest-taskcollect] ...``) left out. The ``task_group.<column>: <value>``
        dump at the start is the database row: its order is SQLAlchemy's and its bookkeeping
        columns are not ours, so those lines are compared sorted, without bookkeeping."""
        lines: list[str] = []
        dump: list[str] = []
        for line in self.text(log).splitlines():
            match = _LOG_RECORD.match(line)
            if match is not None:
                message = line[match.end() :]
                if message.startswith(_OUR_NOTE):
                    continue
                dumped = _GROUP_DUMP.match(message)
                if dumped is not None:
                    if dumped["key"] not in GROUP_BOOKKEEPING:
                        dump.append(f"{match['level']} - {message}")
                    continue
                line = f"{match['level']} - {message}"
            lines += sorted(dump)
            dump = []
            lines.append(line)
        return lines + sorted(dump)


@dataclass
class Comparable:
    """One side of a comparison (see the module docstring)."""

    status: str
    message: str | None
    task_group: dict[str, Any] | None
    tasks: list[dict[str, Any]]
    log: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)


def _failure_message(log: str) -> str | None:
    """The exception text the server logs last on a failure (up to the end of the log; the
    log cannot tell its trailing newlines from the record's, so both sides drop them)."""
    index = log.rfind(_FAILURE)
    return None if index < 0 else log[index + len(_FAILURE) :].rstrip("\n")


def from_server(collection: ServerCollection, normaliser: Normaliser) -> Comparable:
    """The server's side: 422 detail, or the activity's status, message and stored rows."""
    if collection.status.startswith("HTTP"):
        return Comparable(collection.status, str(collection.response.body), None, [])
    if not collection.accepted:
        detail = collection.response.detail
        if isinstance(detail, list) and len(detail) == 1 and isinstance(detail[0], str):
            detail = detail[0]  # the wheel-file name's one-element list (a tuple in the code)
        message = detail if isinstance(detail, str) else json.dumps(detail)
        return Comparable("rejected", normaliser.text(message), None, [])
    log = ""
    message = None
    if collection.activity is not None:
        log = collection.activity.get("log") or ""
        if collection.activity["status"] == "failed":
            message = _failure_message(log)
    group = None
    extra: list[str] = []
    if collection.task_group is not None:
        group = {
            key: value
            for key, value in collection.task_group.items()
            if key not in GROUP_BOOKKEEPING
        }
    tasks = []
    for row in collection.tasks:
        tasks.append({key: value for key, value in row.items() if key not in TASK_BOOKKEEPING})
    return Comparable(
        status=collection.status,
        message=None if message is None else normaliser.text(message),
        task_group=normaliser.value(group),
        tasks=normaliser.value(tasks),
        log=normaliser.log_lines(log),
        extra_columns=extra,
    )


def stored_task(task: dict[str, Any], release: str) -> dict[str, Any]:
    """A dumped ``TaskCreate`` as the ``taskv2`` row of ``release`` holds it: its columns
    (``profile.task_columns``) without bookkeeping, in that order."""
    row = {}
    for column in get_profile(release).task_columns:
        if column in TASK_BOOKKEEPING:
            continue
        value = task.get(column)
        row[column] = TASK_STORAGE_DEFAULTS.get(column) if value is None else value
    unknown = set(task) - set(row)
    assert not unknown, f"TaskCreate fields without a {release} column: {unknown}"
    return row


def from_result(result: CollectionResult, normaliser: Normaliser) -> Comparable:
    """Our side, in the server's shape."""
    if result.stage in REJECTION_STAGES:
        return Comparable("rejected", normaliser.text(result.error or ""), None, [])
    group = None
    if result.ok and result.task_group is not None:
        group = result.task_group.model_dump(mode="json")
    tasks = [
        stored_task(task.model_dump(mode="json"), result.server_version) for task in result.tasks
    ]
    return Comparable(
        status=str(result.status.value),
        message=None if result.error is None else normaliser.text(result.error).rstrip("\n"),
        task_group=normaliser.value(group),
        tasks=normaliser.value(tasks),
        log=normaliser.log_lines(result.log),
    )


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 400 else f"{text[:400]}... ({len(text)} chars)"


def _dict_differences(where: str, server: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    found = []
    for key in sorted(set(server) | set(ours)):
        if key not in ours:
            found.append(f"{where}.{key}: only the server has it ({_show(server[key])})")
        elif key not in server:
            found.append(f"{where}.{key}: only ours has it ({_show(ours[key])})")
        elif server[key] != ours[key]:
            found.append(f"{where}.{key}: server {_show(server[key])} != ours {_show(ours[key])}")
    return found


def _log_differences(server: list[str], ours: list[str], limit: int = 40) -> list[str]:
    """The log lines that differ, as a unified diff (``-`` server, ``+`` ours), cut at
    ``limit`` lines."""
    if server == ours:
        return []
    diff = list(difflib.unified_diff(server, ours, "server", "ours", lineterm="", n=1))[2:]
    shown = diff[:limit]
    if len(diff) > limit:
        shown.append(f"... ({len(diff) - limit} more diff lines)")
    return ["log: content lines differ (- server, + ours):", *(f"    {line}" for line in shown)]


def _text_differences(where: str, server: str | None, ours: str | None) -> list[str]:
    """Two texts: both in full when short, around the first difference when they are one
    long line each, else the lines that differ."""
    if server is None or ours is None or len(server + ours) <= 400:
        return [f"{where}: server {server!r} != ours {ours!r}"]
    if "\n" not in server + ours:
        at = next(
            (i for i, (a, b) in enumerate(zip(server, ours, strict=False)) if a != b),
            min(len(server), len(ours)),
        )
        start = max(0, at - 100)
        return [
            f"{where}: differs at character {at}: server ...{server[start : at + 150]!r} "
            f"!= ours ...{ours[start : at + 150]!r}"
        ]
    diff = list(difflib.unified_diff(server.splitlines(), ours.splitlines(), lineterm="", n=1))[2:]
    return [f"{where}: differs (- server, + ours):", *(f"    {line}" for line in diff[:40])]


def without_venv_numbers(side: Comparable) -> Comparable:
    """``side`` with the venv size and file count left out (the task-group columns and the
    ``du``/``find`` output line of ``5_get_venv_size_and_file_number.sh`` in the log)."""
    group = side.task_group
    if group is not None:
        group = {
            key: value
            for key, value in group.items()
            if key not in ("venv_size_in_kB", "venv_file_number")
        }
    log = [_VENV_NUMBERS.sub(r"\1<venv kB> <venv files>", line) for line in side.log]
    return dataclasses.replace(side, task_group=group, log=log)


def differences(server: Comparable, ours: Comparable) -> list[str]:
    """Every difference between the two sides, one readable line each."""
    found = []
    if server.status != ours.status:
        found.append(f"status: server {server.status!r} != ours {ours.status!r}")
    if server.message != ours.message:
        found += _text_differences("message", server.message, ours.message)
    if (server.task_group is None) != (ours.task_group is None):
        found.append(
            f"task_group: server {_show(server.task_group)} != ours {_show(ours.task_group)}"
        )
    elif server.task_group is not None and ours.task_group is not None:
        found += _dict_differences("task_group", server.task_group, ours.task_group)
    if len(server.tasks) != len(ours.tasks):
        found.append(f"tasks: server has {len(server.tasks)}, ours {len(ours.tasks)}")
    else:
        for index, (left, right) in enumerate(zip(server.tasks, ours.tasks, strict=True)):
            found += _dict_differences(f"tasks[{index}]", left, right)
    found += _log_differences(server.log, ours.log)
    return found
