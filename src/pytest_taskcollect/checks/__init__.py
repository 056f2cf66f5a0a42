"""Checks over wheels and collection results.

Modules: ``wheel_check`` (``check_wheel_collectable``: the static verdict on a wheel, without
installing it), ``task_start`` (do the collected tasks start?), ``manifest_freshness`` (is the
committed manifest what fractal-task-tools rebuilds?), ``verdict`` (the three verdicts of
``taskcollect check``), ``assertions`` (the ``assert_*`` helpers for tests) and ``assertrepr``
(the field-by-field diffs behind the plugin's ``pytest_assertrepr_compare``).

``assertions`` is not imported here: the package ``__init__`` imports it after registering it
for pytest's assertion rewriting.
"""

from .manifest_freshness import ManifestFreshness, check_manifest_freshness, manifest_freshness_of
from .task_start import TaskStart, check_tasks_start
from .verdict import Verdict, package_verdict
from .wheel_check import WheelCheckReport, WheelProblem, check_wheel_collectable

__all__ = [
    "ManifestFreshness",
    "TaskStart",
    "Verdict",
    "WheelCheckReport",
    "WheelProblem",
    "check_manifest_freshness",
    "check_tasks_start",
    "check_wheel_collectable",
    "manifest_freshness_of",
    "package_verdict",
]
