"""``explain_comparison`` and its diff engine."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_taskcollect import CollectedTaskGroup, ManifestV2, TaskCreateV2
from pytest_taskcollect.checks.assertrepr import (
    diff_task_lists,
    diff_values,
    explain_comparison,
    show_value,
)
from pytest_taskcollect.schemas import InitTaskOutput, TaskGroupActivityStatusV2, TaskOutput

from .conftest import collection_result, task


def explain(left: Any, right: Any, op: str = "==") -> list[str] | None:
    return explain_comparison(op, left, right)


def test_tasks_differ_field_by_field_with_json_paths() -> None:
    schema = {"properties": {"zarr_url": {"type": "string"}}}
    expected = TaskCreateV2(
        name="t", type="parallel", command_parallel="/p t.py", args_schema_parallel=schema
    )
    actual = task("t", args_schema_non_parallel={"properties": {"zarr_url": {"type": "integer"}}})
    assert explain(actual, expected) == [
        "Comparing TaskCreateV2 instances:",
        "  command_non_parallel: expected None, got '/venv/bin/python /venv/site/t.py'",
        "  command_parallel: expected '/p t.py', got None",
        "  args_schema_non_parallel: expected None, got {'properties': {'zarr_url': {'type': "
        "'integer'}}}",
        "  args_schema_parallel: expected {'properties': {'zarr_url': {'type': 'string'}}}, "
        "got None",
        "  type: expected 'parallel', got 'non_parallel'",
    ]
    nested = task("t", args_schema_non_parallel=schema)
    assert explain(actual, nested) == [
        "Comparing TaskCreateV2 instances:",
        "  args_schema_non_parallel.properties.zarr_url.type: expected 'string', got 'integer'",
    ]


def test_manifest_tasks_are_matched_by_name() -> None:
    def manifest(*tasks: dict[str, Any]) -> ManifestV2:
        return ManifestV2(manifest_version="2", task_list=list(tasks))

    a = {"name": "a", "executable_non_parallel": "a.py"}
    b = {"name": "b", "executable_parallel": "b.py"}
    assert explain(manifest(a, b), manifest({**a, "category": "Conversion"}, {**b, "tags": ["x"]}))
    lines = explain(manifest(a), manifest({**a, "category": "Conversion"}, b))
    assert lines == [
        "Comparing ManifestV2 instances:",
        "  task_list: missing item(s) named 'b'",
        "  task_list[name='a'].category: expected 'Conversion', got None",
    ]
    assert explain(manifest(b, a), manifest(a, b)) == [
        "Comparing ManifestV2 instances:",
        "  task_list: same items in another order: expected ['a', 'b']",
    ]


def test_collection_results_show_enum_values_and_nested_models() -> None:
    group = CollectedTaskGroup(user_id=1, origin="wheel-file", pkg_name="pkg", version="1")
    ok = collection_result(status="OK", task_group=group, tasks=[task("t")])
    failed = ok.model_copy(
        update={
            "status": TaskGroupActivityStatusV2.FAILED,
            "stage": "files",
            "task_group": group.model_copy(update={"version": "2"}),
            "tasks": [],
        }
    )
    assert explain(failed, ok) == [
        "Comparing CollectionResult instances:",
        "  status: expected 'OK', got 'failed'",
        "  task_group.version: expected '1', got '2'",
        "  tasks: missing item(s) named 't'",
        "  stage: expected None, got 'files'",
    ]


def test_task_outputs() -> None:
    left = TaskOutput(image_list_updates=[{"zarr_url": "/a", "types": {"x": True}}])
    right = TaskOutput(image_list_updates=[{"zarr_url": "/a"}], image_list_removals=["/b"])
    assert explain(left, right) == [
        "Comparing TaskOutput instances:",
        "  image_list_updates[0].types.x: expected <absent>, got True",
        "  image_list_removals: expected 1 item(s) ['/b'], got 0 []",
    ]
    init = InitTaskOutput(parallelization_list=[{"zarr_url": "/a", "init_args": {"i": 1}}])
    assert explain(init, InitTaskOutput(parallelization_list=[{"zarr_url": "/a"}])) == [
        "Comparing InitTaskOutput instances:",
        "  parallelization_list[0].init_args.i: expected <absent>, got 1",
    ]


def test_task_lists() -> None:
    actual = [task("a"), task("b", category="Segmentation"), task("c")]
    expected = [task("b"), task("d"), task("a")]
    assert explain(actual, expected) == [
        "Comparing lists of TaskCreateV2 instances:",
        "  missing tasks (expected, not found): 'd'",
        "  unexpected tasks (found, not expected): 'c'",
        "  task 'b':",
        "    category: expected None, got 'Segmentation'",
    ]
    assert explain([task("a"), task("b")], [task("b"), task("a")]) == [
        "Comparing lists of TaskCreateV2 instances:",
        "  same tasks in another order: expected ['b', 'a']",
    ]
    assert explain([], [task("a")]) == [
        "Comparing lists of TaskCreateV2 instances:",
        "  missing tasks (expected, not found): 'a'",
    ]


@pytest.mark.parametrize(
    ("left", "right", "op"),
    [
        (task("a"), task("b"), "!="),
        (task("a"), {"name": "b"}, "=="),
        (TaskOutput(), InitTaskOutput(), "=="),
        ([task("a")], [task("a"), "b"], "=="),
        ([], [], "=="),
        ({"name": "a"}, {"name": "b"}, "=="),
    ],
)
def test_anything_else_is_left_to_pytest(left: Any, right: Any, op: str) -> None:
    assert explain(left, right, op) is None


def test_diff_values_rules() -> None:
    assert diff_values({"a": 1}, {"a": 1}) == []
    assert diff_values({"a": 1, "b": 2}, {"a": 1, "c": 3}) == [
        "b: expected 2, got <absent>",
        "c: expected <absent>, got 3",
    ]
    assert diff_values({"x-y": {"a": [1, 2]}}, {"x-y": {"a": [1, 3]}}) == [
        "['x-y'].a[1]: expected 2, got 3",
    ]
    assert diff_values(1, 2) == ["value: expected 1, got 2"]
    ignored = diff_values(
        {"a": {"b": 1, "c": 1}, "d": 1}, {"a": {"b": 2, "c": 2}, "d": 2}, "", ["a.b", "d"]
    )
    assert ignored == ["a.c: expected 1, got 2"]


def test_long_values_are_cut_in_the_middle() -> None:
    text = show_value("x" * 1000)
    assert len(text) == 303
    assert text == f"'{'x' * 149}...{'x' * 149}'"


def test_task_lists_with_dicts_compare_the_listed_keys() -> None:
    actual = [task("a", category="Conversion")]
    assert diff_task_lists(actual, [{"name": "a", "category": "Conversion"}]) == []
    assert diff_task_lists(actual, [{"name": "a", "type": "parallel", "modality": "HCS"}]) == [
        "task 'a':",
        "  type: expected 'parallel', got 'non_parallel'",
        "  modality: expected 'HCS', got None",
    ]
    assert diff_task_lists([{"name": "a"}, {"name": "a"}], []) == [
        "the actual tasks hold 'a' twice",
        "unexpected tasks (found, not expected): 'a'",
    ]
    assert diff_task_lists([task("a")], [task("a", category="X")], ignore=["category"]) == []
