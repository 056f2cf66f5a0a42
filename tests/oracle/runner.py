"""Run ``evaluate.py`` on a batch of cases and pair up both implementations' results."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .corpus import Case

EVALUATE = Path(__file__).with_name("evaluate.py")
EVALUATE_TIMEOUT_S = 600


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


def run_evaluate(python: list[str], impl: str, cases: list[Case]) -> list[Any]:
    """Run evaluate.py once for the whole batch (one subprocess) and return one result per case.

    ``python`` is the interpreter command line (argument list, never a shell string).
    """
    payload = json.dumps([{"target": c.target, "input": c.input} for c in cases])
    result = subprocess.run(
        [*python, str(EVALUATE), "--impl", impl],
        input=payload.encode("utf-8"),
        capture_output=True,
        timeout=EVALUATE_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace")[-5000:]
        pytest.fail(f"evaluate.py --impl {impl} exited {result.returncode}:\n{stderr}")
    results: list[Any] = json.loads(result.stdout.decode("utf-8"))
    if len(results) != len(cases):
        pytest.fail(f"evaluate.py --impl {impl}: {len(results)} results for {len(cases)} cases")
    return results
