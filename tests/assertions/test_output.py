"""What a user sees: pytest runs (``pytester``) of test files using ``==`` on our models and
the assertion helpers."""

from __future__ import annotations

import pytest


def test_equality_of_tasks_shows_the_differing_fields(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_tasks="""
        from pytest_taskcollect import TaskCreateV2

        def test_task():
            actual = TaskCreateV2(name="t", command_parallel="python t.py", type="parallel")
            expected = TaskCreateV2(
                name="t", command_parallel="python t.py", type="parallel", category="Conversion"
            )
            assert actual == expected

        def test_task_list():
            t = TaskCreateV2(name="t", command_parallel="python t.py", type="parallel")
            assert [t] == [t, t.model_copy(update={"name": "u"})]
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: assert Comparing TaskCreateV2 instances:",
            "E           category: expected 'Conversion', got None",
            "*",
            "E       AssertionError: assert Comparing lists of TaskCreateV2 instances:",
            "E           missing tasks (expected, not found): 'u'",
        ]
    )


def test_helper_failures_read_like_a_review(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_helpers="""
        from datetime import datetime, timezone

        from pytest_taskcollect import (
            CollectionResult, TaskCreateV2, assert_collection_failed, assert_tasks_equal
        )

        NOW = datetime.now(timezone.utc)
        LOG = "\\n".join(f"log line {i}" for i in range(40))

        def test_stage():
            result = CollectionResult(
                status="failed", stage="show", error="Command bash 4_pip_show.sh failed.",
                log=LOG, timestamp_started=NOW, timestamp_ended=NOW,
            )
            assert_collection_failed(result, stage="manifest")

        def test_tasks():
            t = TaskCreateV2(name="t", command_parallel="python t.py", type="parallel")
            assert_tasks_equal([t], [{"name": "t", "type": "compound"}])
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            '>       assert_collection_failed(result, stage="manifest")',
            "E       AssertionError: expected the collection to fail at stage 'manifest', "
            "but it failed at stage 'show':",
            "E           stage: show",
            "E           error:",
            "E             Command bash 4_pip_show.sh failed.",
            "E           activity log (last 30 lines):",
            "E             | log line 10",
            "*",
            "E             | log line 39",
            "test_helpers.py:15: AssertionError",
            "*",
            '>       assert_tasks_equal([[]t[]], [[]{"name": "t", "type": "compound"}[]])',
            "E       AssertionError: the tasks differ (matched by name):",
            "E           task 't':",
            "E             type: expected 'compound', got 'parallel'",
            "test_helpers.py:19: AssertionError",
        ]
    )
    # the helpers' own frames are hidden: the traceback ends at the test's line
    assert "assertions.py" not in result.stdout.str()
