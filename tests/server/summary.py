"""The session's table of real-server comparisons (seconds and venv sizes per case).

A differential test records one row with ``record_property(SUMMARY_KEY, {...})``; the row
travels with the test report, so the table also works under pytest-xdist. Registered from
``tests/conftest.py`` so that the controlling process (which does not load this folder's
``conftest.py`` under xdist) prints it.
"""

from __future__ import annotations

import pytest

__all__ = ["SUMMARY_KEY", "pytest_terminal_summary"]

SUMMARY_KEY = "server_comparison"


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """One line per differential case: the server's and our runners' seconds and venv sizes."""
    rows = []
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    ):
        if report.when != "call":
            continue
        for key, value in getattr(report, "user_properties", []):
            if key == SUMMARY_KEY:
                rows.append(value)
    if not rows:
        return
    terminalreporter.write_sep("-", "real fractal-server vs collect_pip / collect_custom")
    terminalreporter.write_line(
        f"{'case':48} {'status':9} {'server s':>8} {'faith. s':>8} {'fast s':>7}  venv kB/files"
    )
    for row in sorted(rows, key=lambda row: str(row["case"])):
        terminalreporter.write_line(
            f"{str(row['case'])[:48]:48} {row['status']:9} {row['server_s']:8.1f} "
            f"{row.get('faithful_s', 0.0):8.1f} {row.get('fast_s', 0.0):7.1f}  {row['venv']}"
        )
    if not config.option.markexpr:
        terminalreporter.write_line(
            "(a plain run compares a subset; `python -m pytest -m server -n 2` runs the whole "
            "real-server matrix)"
        )
