"""Telling an unfinished collection's folder from a collected task group.

A collection that is killed outright (SIGKILL, a power cut) cannot remove its task-group folder,
and fractal-server's rule, which we keep, refuses to collect into an existing folder ("<path>
already exists."). So that the refusal can say what the folder is and how to clear it, a
collection writes ``MARKER_NAME`` (its process id, host and start time) into the folder it has
just created and deletes it when it succeeds; a failed or interrupted collection removes the
whole folder. A folder that still holds the marker is one whose collection did not finish.

A folder without the marker that holds a ``venv`` and a ``scripts`` folder is a collected task
group. The server would refuse a second collection of it earlier, from its database ("User
'<email>' already owns a task group ..."); we keep no database, so the refusal is the folder's,
and the result says what the server would answer (``explain_collected_folder``).
"""

from __future__ import annotations

import json
import os
import shlex
import socket
from datetime import datetime, timezone
from pathlib import Path

__all__ = [
    "MARKER_NAME",
    "explain_collected_folder",
    "explain_existing_folder",
    "mark_unfinished",
    "unmark",
]

MARKER_NAME = ".taskcollect-unfinished.json"


def mark_unfinished(folder: str | Path) -> None:
    """Record in ``folder`` that this process is collecting into it."""
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    (Path(folder) / MARKER_NAME).write_text(json.dumps(record), encoding="utf-8")


def unmark(folder: str | Path) -> None:
    """The collection into ``folder`` finished: remove the marker."""
    (Path(folder) / MARKER_NAME).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def explain_existing_folder(folder: str | Path) -> str | None:
    """Why ``folder`` exists and what to do, when it holds an unfinished collection's marker
    (``None`` for any other folder: a collected task group, or someone else's)."""
    marker = Path(folder) / MARKER_NAME
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
        pid, host, started = int(record["pid"]), str(record["host"]), str(record["started"])
    except (OSError, ValueError, TypeError, KeyError):
        return None
    remove = f"rm -rf {shlex.quote(str(folder))}"
    if host == socket.gethostname() and _alive(pid):
        return (
            f"{folder} belongs to a collection that is still running (process {pid}, started "
            f"{started}); fractal-server refuses a second collection into it. Wait for it to "
            f"end, or stop it and remove the folder ({remove})."
        )
    where = f"process {pid}, started {started}" + (
        f", on host {host}" if host != socket.gethostname() else ", which no longer runs"
    )
    return (
        f"{folder} is left over from a collection that did not finish ({where}: it was "
        "killed before it could clean up). fractal-server keeps such a folder too and refuses "
        f"to collect into it: remove it ({remove}) and collect again."
    )


def explain_collected_folder(
    folder: str | Path, *, pkg_name: str, version: str, release: str
) -> str | None:
    """What fractal-server ``release`` answers instead, when ``folder`` holds a collected task
    group (``None`` for any other folder)."""
    path = Path(folder)
    if (path / MARKER_NAME).exists() or not all(
        (path / name).is_dir() for name in ("venv", "scripts")
    ):
        return None
    return (
        f"{folder} holds a collected task group. fractal-server {release} refuses this "
        "collection before it looks at the folder, for the task group its database holds: "
        f"\"User '<your email>' already owns a task group with name='{pkg_name}' and "
        f"version='{version}'.\" (with a note on that collection's status). pytest-taskcollect "
        "keeps no database, so it reports the folder, as the server does for a folder without "
        "a task group."
    )
