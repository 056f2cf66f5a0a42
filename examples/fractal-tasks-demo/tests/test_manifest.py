"""The manifest in the source tree: valid for fractal-server, and in sync with the code."""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path

import pytest

from pytest_taskcollect import assert_manifest_valid

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "src" / "fractal_tasks_demo"
MANIFEST = json.loads((PACKAGE_ROOT / "__FRACTAL_MANIFEST__.json").read_text())
EXECUTABLES = [
    (task[f"executable_{slot}"], task[f"args_schema_{slot}"])
    for task in MANIFEST["task_list"]
    for slot in ("non_parallel", "parallel")
    if f"executable_{slot}" in task
]


def test_manifest_is_accepted_by_the_server() -> None:
    """``ManifestV2`` accepts it and each task passes ``TaskCreateV2`` (the executables are
    checked in the built wheel, where the server looks for them: see ``test_collection.py``)."""
    assert_manifest_valid(PACKAGE_ROOT / "__FRACTAL_MANIFEST__.json")


@pytest.mark.parametrize(("executable", "schema"), EXECUTABLES)
def test_args_schema_matches_the_task_function(executable: str, schema: dict) -> None:
    """The function named after the module takes exactly the schema's arguments, and the
    required ones are those without a default (what fractal-task-tools would generate)."""
    module_name = "fractal_tasks_demo." + executable.removesuffix(".py").replace("/", ".")
    stem = executable.rsplit("/", 1)[-1].removesuffix(".py")
    function = getattr(importlib.import_module(module_name), stem)
    parameters = inspect.signature(function).parameters
    assert list(parameters) == list(schema["properties"])
    required = [name for name, p in parameters.items() if p.default is inspect.Parameter.empty]
    assert required == schema["required"]
