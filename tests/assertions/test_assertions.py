"""The assertion helpers: each passes on the right input and fails with a reviewer's message."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pytest_taskcollect.checks.assertions
from pytest_taskcollect import (
    BuiltWheel,
    CollectionResult,
    ManifestV2,
    assert_collection_failed,
    assert_collection_ok,
    assert_manifest_valid,
    assert_task_output,
    assert_tasks_equal,
    assert_wheel_collectable,
)
from pytest_taskcollect.collection.run_task import TaskRunResult
from pytest_taskcollect.schemas import InitTaskOutput, TaskOutput

from .conftest import collection_result, task

GROUP = {"user_id": 1, "origin": "wheel-file", "pkg_name": "fractal-tasks-mock", "version": "0.0.1"}
MINIMAL = {"manifest_version": "2", "task_list": [{"name": "t", "executable_parallel": "t.py"}]}


def failure(function: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """The message of the ``AssertionError`` that ``function(*args, **kwargs)`` raises, as the
    helper wrote it: pytest's rewriting indents its continuation lines by two spaces and
    appends the explanation of the asserted condition (``assert False``)."""
    with pytest.raises(AssertionError) as info:
        function(*args, **kwargs)
    message, separator, _ = str(info.value).rpartition("\nassert ")
    assert separator, "the helpers' asserts are rewritten"
    first, *rest = message.split("\n")
    return "\n".join([first, *(line.removeprefix("  ") for line in rest)])


def test_the_helpers_are_rewritten_by_pytest() -> None:
    assert "@py_builtins" in vars(pytest_taskcollect.checks.assertions)


# -- assert_manifest_valid ----------------------------------------------------------------------


def test_manifest_valid_from_data_file_model_and_wheel(
    tmp_path: Path, task_package: Callable[[str], BuiltWheel]
) -> None:
    assert assert_manifest_valid(MINIMAL) == ManifestV2(**MINIMAL)
    assert assert_manifest_valid(ManifestV2(**MINIMAL)) == ManifestV2(**MINIMAL)
    path = tmp_path / "__FRACTAL_MANIFEST__.json"
    path.write_text(json.dumps(MINIMAL))
    assert assert_manifest_valid(path) == ManifestV2(**MINIMAL)
    built = task_package("fractal_tasks_mock")
    assert assert_manifest_valid(built) == ManifestV2(**built.manifest)
    assert assert_manifest_valid(str(built.path)) == ManifestV2(**built.manifest)
    # a missing executable is not the manifest's problem
    assert assert_manifest_valid(task_package("missing_executable")).task_list


def test_manifest_rejected_by_manifest_v2() -> None:
    message = failure(assert_manifest_valid, {**MINIMAL, "manifest_version": "1"})
    assert message.startswith(
        "fractal-server 2.14.5 would reject the manifest of the given data:\n"
        "  [manifest] 1 validation error for ManifestV2\n"
        "      manifest_version\n"
        "        Input should be '2' [type=literal_error"
    )
    assert "    why: fractal-server validates the manifest with ManifestV2." in message


def test_manifest_rejected_by_task_create_v2() -> None:
    data = {**MINIMAL, "task_list": [{**MINIMAL["task_list"][0], "tags": ["a", "a"]}]}
    message = failure(assert_manifest_valid, data)
    assert "  [tasks] 1 validation error for TaskCreateV2" in message
    assert "List has repetitions" in message
    assert "why: task `t` passes ManifestV2 but not TaskCreateV2" in message


def test_manifest_of_a_wheel_found_as_the_server_finds_it(
    task_package: Callable[[str], BuiltWheel],
) -> None:
    message = failure(assert_manifest_valid, task_package("two_manifests"))
    assert message.startswith(
        "fractal-server 2.14.5 would reject the manifest of "
        "fractal_tasks_two_manifests-0.0.1-py3-none-any.whl:\n"
        "  [manifest] [Errno 2] No such file or directory: "
    )
    assert "Ship exactly one manifest." in message
    message = failure(assert_manifest_valid, task_package("sdist_only").path)
    assert message.startswith(
        "fractal_tasks_sdist_only-0.0.1.tar.gz is not a wheel, so its manifest cannot be read"
    )


def test_manifest_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("{")
    assert failure(assert_manifest_valid, path).startswith(
        f"cannot load the manifest {path}: Expecting property name enclosed in double quotes"
    )


# -- assert_wheel_collectable -------------------------------------------------------------------


def test_wheel_collectable(task_package: Callable[[str], BuiltWheel]) -> None:
    report = assert_wheel_collectable(task_package("fractal_tasks_mock"))
    assert len(report.tasks) == 16
    message = failure(assert_wheel_collectable, task_package("missing_executable"))
    assert message.startswith(
        "fractal_tasks_missing_executable-0.0.1-py3-none-any.whl: fractal-server 2.14.5 would "
        "fail to collect it (1 problem(s)):\n"
        "  [files] Task `create_ome_zarr_compound` has `command_parallel` pointing to missing file"
    )
    assert "    why: `fractal_tasks_missing_executable/fill_cellvoyager_ome_zarr.py` is not" in (
        message
    )
    message = failure(assert_wheel_collectable, task_package("sdist_only"))
    assert "not a wheel, so its contents were not checked" in message


# -- assert_collection_ok / assert_collection_failed -------------------------------------------


def ok_result() -> CollectionResult:
    return collection_result(status="OK", task_group=GROUP, tasks=[task("a"), task("b")])


def test_collection_ok() -> None:
    result = ok_result()
    assert assert_collection_ok(result) is result
    assert_collection_ok(
        result, pkg_name="fractal_tasks_mock", version="0.0.1", task_names=["b", "a"]
    )


def test_collection_ok_on_a_failed_collection(failed_result: CollectionResult) -> None:
    message = failure(assert_collection_ok, failed_result)
    lines = message.splitlines()
    assert lines[:4] == [
        "expected the collection to succeed, but it failed:",
        "  stage: files",
        "  error:",
        "    Task `t` has `command_non_parallel` pointing to missing file `/x/t.py`.",
    ]
    assert lines[4] == "  activity log (last 30 lines):"
    assert lines[5] == "    | 2025-01-01 00:00:00 - collect - INFO - line 11"
    assert lines[34] == "    | ERROR: manifest path not found for pkg"


def test_collection_ok_with_other_package_and_tasks() -> None:
    message = failure(
        assert_collection_ok, ok_result(), pkg_name="other", version="1.0", task_names=["a", "c"]
    )
    assert message.splitlines()[:6] == [
        "the collection succeeded, but:",
        "  pkg_name: expected 'other', got 'fractal-tasks-mock'",
        "  version: expected '1.0', got '0.0.1'",
        "  tasks missing: 'c'",
        "  tasks not expected: 'b'",
        "  (collected tasks: a, b)",
    ]


def test_collection_failed(failed_result: CollectionResult) -> None:
    assert assert_collection_failed(failed_result) is failed_result
    assert_collection_failed(failed_result, stage="files", match=r"missing file `/x/t\.py`")
    assert_collection_failed(failed_result, match="^ERROR: manifest path not found")  # the log


def test_collection_failed_on_a_success() -> None:
    message = failure(assert_collection_failed, ok_result(), stage="files", match="missing")
    assert message.startswith(
        "expected the collection to fail at stage 'files' with an error matching 'missing', "
        "but it succeeded (tasks: a, b)"
    )


def test_collection_failed_elsewhere(failed_result: CollectionResult) -> None:
    message = failure(assert_collection_failed, failed_result, stage="manifest")
    assert message.startswith(
        "expected the collection to fail at stage 'manifest', but it failed at stage 'files':\n"
        "  stage: files\n  error:\n"
    )
    message = failure(assert_collection_failed, failed_result, match="Input should be '2'")
    assert message.startswith(
        "expected the collection to fail with an error matching \"Input should be '2'\", but "
        "neither its error nor its activity log matches:\n  stage: files\n"
    )
    assert "line 39" in message


def test_collection_failed_rejects_unknown_stages(failed_result: CollectionResult) -> None:
    with pytest.raises(ValueError, match="Unknown collection stage 'file'"):
        assert_collection_failed(failed_result, stage="file")  # type: ignore[arg-type]


# -- assert_tasks_equal -------------------------------------------------------------------------


def test_tasks_equal() -> None:
    assert_tasks_equal([task("a"), task("b")], [task("b"), task("a")])
    assert_tasks_equal([task("a", category="X")], [{"name": "a", "type": "non_parallel"}])
    assert_tasks_equal(
        [task("a")], [task("a", command_non_parallel="/y")], ignore=["command_non_parallel"]
    )


def test_tasks_not_equal() -> None:
    message = failure(
        assert_tasks_equal,
        [task("a", category="X"), task("b")],
        [{"name": "a", "category": "Y"}, {"name": "c"}],
    )
    assert message.splitlines()[:5] == [
        "the tasks differ (matched by name):",
        "  missing tasks (expected, not found): 'c'",
        "  unexpected tasks (found, not expected): 'b'",
        "  task 'a':",
        "    category: expected 'Y', got 'X'",
    ]


# -- assert_task_output -------------------------------------------------------------------------


def run_result(output: TaskOutput | InitTaskOutput | None = None, **fields: Any) -> TaskRunResult:
    raw = output.model_dump() if output is not None else None
    values: dict[str, Any] = {
        "task_name": "threshold",
        "kind": "parallel",
        "argv": ("/venv/bin/python", "/site/threshold.py", "--args-json", "/w/args.json"),
        "args": {},
        "args_json": Path("/w/args.json"),
        "out_json": Path("/w/out.json"),
        "returncode": 0,
        "stdout": "",
        "stderr": "",
        "duration": 0.1,
        "raw_output": raw,
        "output": output,
        **fields,
    }
    return TaskRunResult(**values)


UPDATES = TaskOutput(
    image_list_updates=[{"zarr_url": "/z/a", "types": {"thresholded": True}}, {"zarr_url": "/z/b"}]
)


def test_task_output() -> None:
    result = run_result(UPDATES)
    assert assert_task_output(result) is UPDATES
    assert_task_output(
        result,
        image_list_updates=["/z/a", {"zarr_url": "/z/b", "types": {}}],
        image_list_removals=[],
    )
    init = InitTaskOutput(parallelization_list=[{"zarr_url": "/z/a", "init_args": {"i": 0}}])
    assert_task_output(run_result(init), parallelization_list=[{"zarr_url": "/z/a"}])


def test_task_output_differs() -> None:
    message = failure(
        assert_task_output,
        run_result(UPDATES),
        image_list_updates=["/z/a", {"types": {"thresholded": True}}],
        parallelization_list=["/z/a"],
    )
    assert message.splitlines()[:4] == [
        "task 'threshold' (parallel) ran, but its output differs:",
        "  image_list_updates[1].types.thresholded: expected True, got <absent>",
        "  parallelization_list: expected a InitTaskOutput, but the task wrote a TaskOutput",
        "  output written: {'image_list_updates': [{'zarr_url': '/z/a', 'origin': None, "
        "'attributes': {}, 'types': {'thresholded': True}}, {'zarr_url': '/z/b', 'origin': None, "
        "'attributes': {}, 'types': {}}], 'image_list_removals': []}",
    ]
    message = failure(assert_task_output, run_result(UPDATES), image_list_updates=["/z/a"])
    assert "  image_list_updates: expected 1 item(s), got 2: ['/z/a', '/z/b']" in message


def test_task_failed() -> None:
    crashed = run_result(
        returncode=1,
        stderr="Traceback (most recent call last):\nValueError: no zarr_url\n",
        failure="exit",
        error="Task exited with return code 1.",
    )
    message = failure(assert_task_output, crashed)
    assert message.splitlines()[:6] == [
        "expected task 'threshold' (parallel) to succeed, but it failed:",
        "  failure: exit: Task exited with return code 1.",
        "  command: /venv/bin/python /site/threshold.py --args-json /w/args.json",
        "  stderr (last lines):",
        "    | Traceback (most recent call last):",
        "    | ValueError: no zarr_url",
    ]
    assert assert_task_output(crashed, ok=False) is None
    assert assert_task_output(crashed, failure="exit") is None
    message = failure(assert_task_output, crashed, failure="invalid_output")
    assert message.startswith(
        "expected task 'threshold' (parallel) to fail [invalid_output], but it failed [exit]:"
    )
    message = failure(assert_task_output, run_result(UPDATES), ok=False)
    assert re.match(
        r"expected task 'threshold' \(parallel\) to fail, but it succeeded; its output: \{", message
    )
