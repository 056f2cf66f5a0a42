"""Assertion helpers for task-package tests, with failures that read like a review comment.

Each helper checks one thing the way fractal-server 2.14.5 sees it and, on failure, says which
field or stage is wrong, what was expected and what was found; a failed collection comes with
its stage, its error and the tail of the activity log. The helpers are plain ``assert``
statements with explicit messages (the package registers this module for pytest's assertion
rewriting) and hide their own frames from tracebacks, so the failure points at the test.

* ``assert_manifest_valid(manifest | path | wheel)``: ``ManifestV2`` and ``TaskCreateV2``.
* ``assert_wheel_collectable(wheel)``: the static wheel check (``wheel_check``).
* ``assert_collection_ok(result, ...)`` / ``assert_collection_failed(result, ...)``.
* ``assert_tasks_start(result)``: every collected task command starts (``--help``).
* ``assert_manifest_up_to_date(result)``: the package's tooling rebuilds the same manifest.

The three verdicts of ``taskcollect check`` (``checks.verdict``) map onto them: a package that
would not collect fails ``assert_collection_ok``; one that collects with problems passes it
and fails ``assert_tasks_start`` or ``assert_manifest_up_to_date``.
* ``assert_tasks_equal(actual, expected, ignore=...)``: task lists, field by field.
* ``assert_task_output(run_result, ...)``: a ``run_task`` outcome and its output.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast, get_args

from pydantic import BaseModel

from ..collection.result import CollectionResult, CollectionStage
from ..collection.run_task import TaskRunFailure, TaskRunResult
from ..collection.settings import CollectionSettings
from ..factory.build import BuiltWheel
from ..schemas import (
    InitArgsModel,
    InitTaskOutput,
    ManifestV2,
    SingleImageTaskOutput,
    TaskCreateV2,
    TaskOutput,
)
from ..schemas.names import normalize_package_name
from .assertrepr import diff_task_lists, diff_values, show_value
from .manifest_freshness import DEFAULT_TASK_LIST_PATH, ManifestFreshness, manifest_freshness_of
from .task_start import DEFAULT_HELP_TIMEOUT_S, TaskStart, check_tasks_start
from .wheel_check import (
    ManifestCheck,
    WheelCheckReport,
    WheelProblem,
    check_manifest,
    check_wheel_collectable,
)

__all__ = [
    "LOG_TAIL_LINES",
    "assert_collection_failed",
    "assert_collection_ok",
    "assert_manifest_up_to_date",
    "assert_manifest_valid",
    "assert_task_output",
    "assert_tasks_equal",
    "assert_tasks_start",
    "assert_wheel_collectable",
]

LOG_TAIL_LINES = 30
"""How many lines of the activity log a failed collection's message shows."""

_STAGES = get_args(CollectionStage)
_MANIFEST_STAGES = ("request", "paths", "install", "show", "manifest", "tasks")
"""The wheel-check stages up to the task records (the file check is the wheel's business)."""


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _collection_context(result: CollectionResult) -> str:
    """Stage, error and log tail of a failed collection (the part a reviewer needs)."""
    tail = result.log.splitlines()[-LOG_TAIL_LINES:]
    return (
        f"  stage: {result.stage}\n"
        f"  error:\n{_indent(result.error or '(none)', '    ')}\n"
        f"  activity log (last {len(tail)} lines):\n"
        + ("\n".join(f"    | {line}" for line in tail) or "    (empty)")
    )


def _problems_text(problems: Iterable[WheelProblem]) -> str:
    return "\n".join(_indent(str(problem)) for problem in problems)


def assert_manifest_valid(
    manifest: ManifestV2 | Mapping[str, Any] | str | os.PathLike[str] | BuiltWheel,
    *,
    settings: CollectionSettings | None = None,
) -> ManifestV2:
    """Assert that fractal-server 2.14.5 accepts a manifest, and return it as a ``ManifestV2``.

    ``manifest`` is a ``ManifestV2``, the loaded JSON, a path to the JSON file (``*.json``), or
    a wheel (any other path, or a ``BuiltWheel``), where the manifest is found as the server
    finds it. Accepted means
    ``ManifestV2`` validates it and every task passes ``TaskCreateV2`` (with the commands the
    server would build); for a wheel, the server must also find exactly one manifest. Whether
    the executables are in the wheel is ``assert_wheel_collectable``'s business.
    """
    __tracebackhide__ = True
    if isinstance(manifest, BuiltWheel):
        return _wheel_manifest(manifest.path, settings)
    if isinstance(manifest, (str, os.PathLike)):
        path = Path(manifest)
        if path.suffix != ".json":  # a wheel (or another distribution file)
            return _wheel_manifest(path, settings)
        source = str(path)
    else:
        source = "the given data" if isinstance(manifest, Mapping) else "the given ManifestV2"
    data, load_error = _manifest_data(manifest)
    assert load_error is None, f"cannot load the manifest {source}: {load_error}"
    return _accepted(source, check_manifest(data, settings=settings))


def _wheel_manifest(wheel: Path, settings: CollectionSettings | None) -> ManifestV2:
    """The manifest of a wheel, found as the server finds it, through ``_accepted``."""
    __tracebackhide__ = True
    report = check_wheel_collectable(wheel, settings=settings)
    readable = report.contents_checked or bool(report.problems)
    assert readable, (
        f"{wheel.name} is not a wheel, so its manifest cannot be read without building it:\n"
        + _indent("\n".join(report.warnings))
    )
    problems = [problem for problem in report.problems if problem.stage in _MANIFEST_STAGES]
    return _accepted(wheel.name, ManifestCheck(report.manifest, report.tasks, problems))


def _accepted(source: str, checked: ManifestCheck) -> ManifestV2:
    """Assert that a checked manifest has no problem, and return it."""
    __tracebackhide__ = True
    valid = not checked.problems and checked.manifest is not None
    assert valid, (
        f"fractal-server 2.14.5 would reject the manifest of {source}:\n"
        f"{_problems_text(checked.problems)}"
    )
    return cast(ManifestV2, checked.manifest)


def _manifest_data(
    manifest: ManifestV2 | Mapping[str, Any] | str | os.PathLike[str],
) -> tuple[Any, str | None]:
    """``(data, None)``: the JSON data of a manifest given as a model, a mapping or a JSON
    file; ``(None, error)`` when the file cannot be read as JSON."""
    if isinstance(manifest, ManifestV2):
        return manifest.model_dump(exclude_unset=True), None
    if isinstance(manifest, Mapping):
        return dict(manifest), None
    try:
        return json.loads(Path(manifest).read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, str(error)


def assert_wheel_collectable(
    wheel: str | os.PathLike[str] | BuiltWheel, *, settings: CollectionSettings | None = None
) -> WheelCheckReport:
    """Assert that nothing in ``wheel`` stops fractal-server 2.14.5's pip collection.

    A static check (nothing is installed, dependencies are not resolved): the file name, the
    metadata pip checks, exactly one manifest where ``pip show --files`` finds it, the manifest
    and its tasks, and every executable under the folder where the server looks for it. Returns
    the ``WheelCheckReport`` (manifest, tasks, warnings).
    """
    __tracebackhide__ = True
    report = check_wheel_collectable(wheel, settings=settings)
    collectable = report.ok
    assert collectable, report.summary()
    return report


def assert_collection_ok(
    result: CollectionResult,
    *,
    pkg_name: str | None = None,
    version: str | None = None,
    task_names: Iterable[str] | None = None,
) -> CollectionResult:
    """Assert that a collection succeeded and, when given, stored this package and these tasks.

    ``pkg_name`` is compared after the server's normalisation (``fractal_tasks_mock`` matches
    ``fractal-tasks-mock``); ``task_names`` as a set (the order is the manifest's). On a failed
    collection the message shows its stage, error and log tail. Returns ``result``.
    """
    __tracebackhide__ = True
    succeeded = result.ok
    context = _collection_context(result)
    assert succeeded, f"expected the collection to succeed, but it failed:\n{context}"
    group = result.task_group
    mismatches = []
    if pkg_name is not None:
        actual = group.pkg_name if group is not None else None
        if actual is None or normalize_package_name(pkg_name) != normalize_package_name(actual):
            mismatches.append(f"pkg_name: expected {pkg_name!r}, got {actual!r}")
    if version is not None:
        actual = group.version if group is not None else None
        if version != actual:
            mismatches.append(f"version: expected {version!r}, got {actual!r}")
    if task_names is not None:
        expected_names = list(task_names)
        names = [task.name for task in result.tasks]
        missing = [name for name in expected_names if name not in names]
        extra = [name for name in names if name not in expected_names]
        if missing:
            mismatches.append(f"tasks missing: {', '.join(map(repr, missing))}")
        if extra:
            mismatches.append(f"tasks not expected: {', '.join(map(repr, extra))}")
    as_expected = not mismatches
    assert as_expected, (
        "the collection succeeded, but:\n"
        + _indent("\n".join(mismatches))
        + f"\n  (collected tasks: {', '.join(task.name for task in result.tasks) or 'none'})"
    )
    return result


def assert_collection_failed(
    result: CollectionResult, *, stage: CollectionStage | None = None, match: str | None = None
) -> CollectionResult:
    """Assert that a collection failed, at ``stage`` and with ``match`` found in its error.

    ``match`` is a regular expression searched (``re.search``, with ``^`` and ``$`` matching
    at each line) in the error, then in the activity log (the server's script errors, such as
    pip's, are in the log). Returns ``result``.
    """
    __tracebackhide__ = True
    if stage is not None and stage not in _STAGES:
        raise ValueError(f"Unknown collection stage {stage!r}; the stages are {_STAGES}.")
    expectation = "expected the collection to fail"
    expectation += f" at stage {stage!r}" if stage is not None else ""
    expectation += f" with an error matching {match!r}" if match is not None else ""
    failed = not result.ok
    tasks = ", ".join(task.name for task in result.tasks) or "none"
    assert failed, f"{expectation}, but it succeeded (tasks: {tasks})"
    right_stage = stage is None or result.stage == stage
    assert right_stage, (
        f"{expectation}, but it failed at stage {result.stage!r}:\n" + _collection_context(result)
    )
    if match is not None:
        found = re.search(match, result.error or "", re.MULTILINE) or re.search(
            match, result.log, re.MULTILINE
        )
        assert found, (
            f"{expectation}, but neither its error nor its activity log matches:\n"
            + _collection_context(result)
        )
    return result


def assert_tasks_equal(
    actual: Sequence[TaskCreateV2 | Mapping[str, Any]],
    expected: Sequence[TaskCreateV2 | Mapping[str, Any]],
    *,
    ignore: Iterable[str] = (),
) -> None:
    """Assert that two task lists hold the same tasks, matched by name (order not compared).

    A ``TaskCreateV2`` is compared on all its fields, a dict on the keys it has (so an expected
    ``{"name": "t", "type": "parallel"}`` checks only the type). ``ignore`` lists field paths to
    skip, such as ``"command_non_parallel"`` (which holds machine-specific paths) or
    ``"args_schema_parallel.title"``. The message lists missing and unexpected tasks, then
    ``field: expected X, got Y`` per task.
    """
    __tracebackhide__ = True
    differences = diff_task_lists(actual, expected, ignore)
    equal = not differences
    assert equal, "the tasks differ (matched by name):\n" + _indent("\n".join(differences))


def assert_task_output(
    run_result: TaskRunResult,
    *,
    ok: bool = True,
    failure: TaskRunFailure | None = None,
    image_list_updates: Sequence[str | Mapping[str, Any] | SingleImageTaskOutput] | None = None,
    image_list_removals: Sequence[str] | None = None,
    parallelization_list: Sequence[str | Mapping[str, Any] | InitArgsModel] | None = None,
) -> TaskOutput | InitTaskOutput | None:
    """Assert how a ``run_task`` run ended and, when given, what its output holds.

    By default the run must have succeeded (exit 0, valid output); ``ok=False`` or a
    ``failure`` reason (``"exit"``, ``"invalid_output"``, ...) expects a failure. The output
    lists are compared item by item, in order: a string is a ``zarr_url``, a dict checks the
    keys it has, a model all its fields. Returns the validated output (``None`` for a failure).
    """
    __tracebackhide__ = True
    what = f"task {run_result.task_name!r} ({run_result.kind})"
    if failure is not None or not ok:
        expected_failure = f"to fail [{failure}]" if failure is not None else "to fail"
        has_failed = not run_result.ok
        assert has_failed, (
            f"expected {what} {expected_failure}, but it succeeded; its output: "
            f"{show_value(run_result.raw_output)}"
        )
        same_reason = failure is None or run_result.failure == failure
        assert same_reason, (
            f"expected {what} {expected_failure}, but it failed [{run_result.failure}]:\n"
            + _run_context(run_result)
        )
        return None
    succeeded = run_result.ok
    assert succeeded, f"expected {what} to succeed, but it failed:\n" + _run_context(run_result)
    output = run_result.output
    differences = []
    checks: tuple[tuple[str, Sequence[Any] | None, type[BaseModel]], ...] = (
        ("image_list_updates", image_list_updates, TaskOutput),
        ("image_list_removals", image_list_removals, TaskOutput),
        ("parallelization_list", parallelization_list, InitTaskOutput),
    )
    for field_name, wanted, model in checks:
        if wanted is None:
            continue
        if not isinstance(output, model):
            differences.append(
                f"{field_name}: expected a {model.__name__}, but the task wrote a "
                f"{type(output).__name__}"
            )
            continue
        got = [_dump(item) for item in getattr(output, field_name)]
        differences += _diff_items(field_name, [_dump(item) for item in wanted], got)
    as_expected = not differences
    assert as_expected, (
        f"{what} ran, but its output differs:\n"
        + _indent("\n".join(differences))
        + f"\n  output written: {show_value(run_result.raw_output)}"
    )
    return output


def _dump(item: Any) -> Any:
    return item.model_dump() if isinstance(item, BaseModel) else item


def _diff_items(field_name: str, wanted: list[Any], got: list[Any]) -> list[str]:
    """Compare output items by position: a string is a ``zarr_url``, a dict its own keys."""
    if len(wanted) != len(got):
        return [
            f"{field_name}: expected {len(wanted)} item(s), got {len(got)}: "
            f"{show_value([_url(item) for item in got])}"
        ]
    differences = []
    for index, (expected_item, actual_item) in enumerate(zip(wanted, got, strict=True)):
        path = f"{field_name}[{index}]"
        if isinstance(expected_item, str):
            differences += diff_values(expected_item, _url(actual_item), f"{path}.zarr_url")
        elif isinstance(expected_item, Mapping) and isinstance(actual_item, Mapping):
            selected = {key: actual_item[key] for key in expected_item if key in actual_item}
            differences += diff_values(dict(expected_item), selected, path)
        else:
            differences += diff_values(expected_item, actual_item, path)
    return differences


def _url(item: Any) -> Any:
    return item.get("zarr_url") if isinstance(item, Mapping) else item


def _run_context(run_result: TaskRunResult) -> str:
    """Why a task run failed: the reason, the command and the stderr tail."""
    return (
        f"  failure: {run_result.failure}: {run_result.error}\n"
        f"  command: {shlex.join(run_result.argv)}\n"
        f"  stderr (last lines):\n{_indent(run_result.stderr_tail() or '(empty)', '    | ')}"
    )


def _package(result: CollectionResult) -> str:
    group = result.task_group
    return f"{group.pkg_name} {group.version}" if group is not None else "the package"


def assert_tasks_start(
    result: CollectionResult, *, timeout: float = DEFAULT_HELP_TIMEOUT_S
) -> list[TaskStart]:
    """Assert that a collection succeeded and that every task command starts: ``<venv
    python> <executable> --help`` exits 0 in the collected venv (the task module and all it
    imports load). The message lists each command that does not start, with its last line
    (the exception) and, when a missing module comes with one of the package's extras, which
    extra. Returns the ``TaskStart`` outcomes."""
    __tracebackhide__ = True
    assert_collection_ok(result)
    starts = check_tasks_start(result, timeout=timeout)
    failed = [start for start in starts if not start.ok]
    all_start = not failed
    assert all_start, (
        f"fractal-server collects {_package(result)}, but {len(failed)} of {len(starts)} task "
        "commands do not start:\n"
        + "\n".join(
            f"  {start.task} ({start.kind}): {start.detail}"
            + (f"\n    {start.hint}" if start.hint else "")
            for start in failed
        )
    )
    return starts


def assert_manifest_up_to_date(
    result: CollectionResult,
    *,
    task_list_path: str = DEFAULT_TASK_LIST_PATH,
    project_dir: str | os.PathLike[str] | None = None,
) -> ManifestFreshness:
    """Assert that the package's committed manifest is what its tooling (fractal-task-tools'
    ``create_manifest``) rebuilds in the collected venv, as ``fractal-manifest check`` would.

    ``project_dir`` is where the rebuild runs (fractal-task-tools reads ``AUTHORS`` from its
    ``pyproject.toml`` when the task list has none). A package that does not use
    fractal-task-tools cannot be checked: that fails too, with the reason. The message lists the
    differences path by path. Returns the ``ManifestFreshness``.
    """
    __tracebackhide__ = True
    assert_collection_ok(result)
    freshness = manifest_freshness_of(
        result, task_list_path=task_list_path, project_dir=project_dir
    )
    checked = freshness.status in ("up_to_date", "stale")
    assert checked, (
        f"cannot tell whether the manifest of {_package(result)} is up to date: "
        f"{freshness.summary()}"
    )
    up_to_date = freshness.up_to_date
    assert up_to_date, (
        f"the committed manifest of {_package(result)} is not up to date: {freshness.tool} "
        f"rebuilds it with {len(freshness.differences)} difference(s); regenerate it "
        "(fractal-manifest create) and commit it:\n"
        + "\n".join(f"  {item}" for item in freshness.differences)
    )
    return freshness
