"""A record of the collections made during a test session, and its terminal-summary table.

The plugin's collection fixtures add one ``CollectionRecord`` per collection, with the
fractal-server release it emulated. Under pytest-xdist each worker sends its records to the
controller (as plain dicts), which prints one table for the whole session.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .collection import CollectionResult
from .profiles import DEFAULT_SERVER_VERSION

__all__ = ["CollectionRecord", "SessionReport"]


@dataclass(frozen=True)
class CollectionRecord:
    """One collection: what was collected, how it ended, and how long it took."""

    package: str
    version: str
    origin: str
    status: str
    tasks: int
    seconds: float
    path: str | None = None
    stage: str | None = None
    server_version: str = DEFAULT_SERVER_VERSION

    @classmethod
    def from_result(cls, result: CollectionResult, *, package: str) -> CollectionRecord:
        """Summarise ``result``; ``package`` names it when the collection failed early."""
        group = result.task_group
        seconds = (result.timestamp_ended - result.timestamp_started).total_seconds()
        return cls(
            package=group.pkg_name if group else package,
            version=(group.version if group else None) or "-",
            origin=group.origin.value if group else "-",
            status=result.status.value,
            tasks=len(result.tasks),
            seconds=seconds,
            path=group.path if group else None,
            stage=result.stage,
            server_version=result.server_version,
        )


@dataclass
class SessionReport:
    """The collections of one session (or of one xdist worker, before they are merged)."""

    records: list[CollectionRecord] = field(default_factory=list)

    def add(self, record: CollectionRecord) -> None:
        """Record one collection."""
        self.records.append(record)

    def to_wire(self) -> list[dict[str, Any]]:
        """The records as plain dicts, to cross the xdist worker boundary."""
        return [asdict(record) for record in self.records]

    def extend_from_wire(self, records: list[dict[str, Any]]) -> None:
        """Add records sent by a worker."""
        self.records.extend(CollectionRecord(**record) for record in records)

    def table(self) -> list[str]:
        """The summary table, one line per collection (no line when nothing was collected)."""
        if not self.records:
            return []
        header = ("fractal-server", "package", "version", "origin", "status", "tasks", "seconds")
        rows = [
            (
                r.server_version,
                r.package,
                r.version,
                r.origin,
                r.status if r.stage is None else f"{r.status} ({r.stage})",
                str(r.tasks),
                f"{r.seconds:.2f}",
            )
            for r in self.records
        ]
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
        return [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in (header, *rows)
        ]
