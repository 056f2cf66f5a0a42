"""The activity log: lines formatted like fractal-server's collection log file.

The server logs through a logger named ``fractal_server.tasks.v2.local.collect.ID<activity>``
into a DEBUG-level file, one ``"<asctime> - <logger name> - <LEVEL> - <message>"`` line per
record; the activity's ``log`` is the whole file. ``ActivityLog`` does the same with a private,
non-propagating logger writing into memory, so helpers that log by logger name (such as
``compare_package_names``) land in it too.
"""

from __future__ import annotations

import io
import itertools
import logging
import threading

__all__ = ["ActivityLog"]

_LOGGER_PREFIX = "fractal_server.tasks.v2.local.collect.ID"
_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
_activity_ids = itertools.count(1)
_ids_lock = threading.Lock()


class ActivityLog:
    """A collection's log, with a fresh activity id per instance."""

    def __init__(self) -> None:
        with _ids_lock:
            self.activity_id = next(_activity_ids)
        self.logger_name = f"{_LOGGER_PREFIX}{self.activity_id}"
        self._buffer = io.StringIO()
        self._handler = logging.StreamHandler(self._buffer)
        self._handler.setFormatter(logging.Formatter(_FORMAT))
        self._handler.setLevel(logging.DEBUG)
        self.logger = logging.getLogger(self.logger_name)
        self.logger.setLevel(logging.DEBUG)
        self.logger.propagate = False
        self.logger.addHandler(self._handler)

    def debug(self, message: str) -> None:
        """Log at DEBUG."""
        self.logger.debug(message)

    def info(self, message: str) -> None:
        """Log at INFO."""
        self.logger.info(message)

    def warning(self, message: str) -> None:
        """Log at WARNING."""
        self.logger.warning(message)

    def error(self, message: str) -> None:
        """Log at ERROR."""
        self.logger.error(message)

    def note(self, message: str) -> None:
        """Log what this runner did differently from the server's bash (marked as ours)."""
        self.logger.debug(f"[pytest-taskcollect] {message}")

    def text(self) -> str:
        """The log so far."""
        return self._buffer.getvalue()

    def close(self) -> str:
        """Detach the handler (the logger object stays registered) and return the text."""
        self.logger.removeHandler(self._handler)
        self._handler.close()
        return self._buffer.getvalue()
