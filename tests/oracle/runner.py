"""Run ``evaluate.py`` on a batch of cases and pair up both implementations' results."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pytest_taskcollect import get_profile

from .corpus import Case
from .evaluate import TARGETS

EVALUATE = Path(__file__).with_name("evaluate.py")
EVALUATE_TIMEOUT_S = 600

TARGET_ROLES = {
    "TaskManifestV2": "task_manifest",
    "ManifestV2": "manifest",
    "TaskCollectPipV2": "pip_request",
    "TaskCollectCustomV2": "custom_request",
    "WheelFile": "uploaded_file",
    "TaskCreateV2": "task_create",
    "TaskGroupCreateV2": "task_group_create",
    "TaskGroupCreateV2Strict": "task_group_create_strict",
    "TaskGroupV2OriginEnum": "origin_enum",
    "TaskGroupActivityStatusV2": "activity_status_enum",
    "TaskGroupActivityActionV2": "activity_action_enum",
}
"""Targets whose name changes between releases, and their role in ``ReleaseSchemas``."""


@dataclass(frozen=True)
class Comparison:
    """One case with both implementations' results."""

    case: Case
    server: Any
    ours: Any

    @property
    def agrees(self) -> bool:
        """Exact agreement, dict key order included (hence JSON text, not dict equality)."""
        return json.dumps(self.server) == json.dumps(self.ours)


def release_names(release: str) -> dict[str, str]:
    """Each target's name in ``release``, as our profile says (a wrong name shows up as a
    target the server lacks)."""
    schemas = get_profile(release).schemas
    return {
        target: getattr(schemas, TARGET_ROLES[target]).__name__
        if target in TARGET_ROLES
        else target
        for target in TARGETS
    }


def run_evaluate(
    python: list[str],
    impl: str,
    release: str,
    cases: list[Case],
    env: dict[str, str] | None = None,
) -> list[Any]:
    """Run evaluate.py once for the whole batch (one subprocess) and return one result per case.

    ``python`` is the interpreter command line (argument list, never a shell string).
    """
    payload = json.dumps(
        {
            "names": release_names(release),
            "cases": [{"target": c.target, "input": c.input} for c in cases],
        }
    )
    result = subprocess.run(
        [*python, str(EVALUATE), "--impl", impl, "--release", release],
        input=payload.encode("utf-8"),
        capture_output=True,
        timeout=EVALUATE_TIMEOUT_S,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace")[-5000:]
        pytest.fail(f"evaluate.py --impl {impl} exited {result.returncode}:\n{stderr}")
    results: list[Any] = json.loads(result.stdout.decode("utf-8"))
    if len(results) != len(cases):
        pytest.fail(f"evaluate.py --impl {impl}: {len(results)} results for {len(cases)} cases")
    return results
