"""The three verdicts on a task package, shared by ``taskcollect check``, its JSON and the
pytest assertions.

* ``DOES_NOT_COLLECT``: fractal-server would not collect it (the request, the install, the
  manifest or the tasks fail): exit status 1.
* ``COLLECTS_WITH_PROBLEMS``: the server collects it, but some task commands do not start, or
  the committed manifest is not what the package's own tooling makes today (or that tooling
  fails on it): users would see broken or outdated tasks. Exit status 3.
* ``COLLECTS``: collected, every task starts, and the manifest is up to date (or could not be
  checked, which is said separately): exit status 0.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from ..collection.result import CollectionResult
from .manifest_freshness import ManifestFreshness
from .task_start import TaskStart

__all__ = ["EXIT_STATUS", "Verdict", "package_verdict"]


class Verdict(str, enum.Enum):
    """What a check concluded (the value is what ``--json`` prints)."""

    COLLECTS = "collects"
    COLLECTS_WITH_PROBLEMS = "collects_with_problems"
    DOES_NOT_COLLECT = "does_not_collect"


EXIT_STATUS = {
    Verdict.COLLECTS: 0,
    Verdict.DOES_NOT_COLLECT: 1,
    Verdict.COLLECTS_WITH_PROBLEMS: 3,
}
"""``taskcollect check``'s exit status per verdict (2 is a usage error)."""


def package_verdict(
    result: CollectionResult,
    starts: Sequence[TaskStart] = (),
    freshness: ManifestFreshness | None = None,
) -> Verdict:
    """The verdict for a collection, its task-start checks and its manifest freshness."""
    if not result.ok:
        return Verdict.DOES_NOT_COLLECT
    stale = freshness is not None and freshness.status in ("stale", "error")
    if stale or not all(start.ok for start in starts):
        return Verdict.COLLECTS_WITH_PROBLEMS
    return Verdict.COLLECTS
