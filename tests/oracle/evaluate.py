"""Run oracle cases through one implementation and print normalised results.

Usage: ``python evaluate.py --impl server|ours < cases.json > results.json``

This script is standalone on purpose: it is run by the interpreter of the fractal-server 2.14.5
venv (``--impl server``) and by the test interpreter (``--impl ours``), so it imports nothing
from the test suite and only needs pydantic plus the implementation under test.

Input: a JSON list of cases ``{"target": NAME, "input": VALUE}``. Output: a JSON list, in the
same order, of results:

* ``{"outcome": "accepted", "value": ...}`` -- for models ``model_dump(mode="json")`` plus the
  sorted ``model_fields_set`` and ``repr`` (which shows enum-vs-str field types), for the
  annotated types the ``TypeAdapter``'s JSON dump, for functions their return value. Dict key
  order is kept (the server moves keys renamed by stripping to the end), so callers must compare
  the JSON text, not the parsed dicts. If the input validates but the dump fails (non-UTF-8
  ``bytes`` in JSON mode), ``"dump_error"`` holds the exception instead of ``"value"``.
* ``{"outcome": "rejected", "exception": CLASS, "errors": [[loc, type, msg], ...]}`` for a
  pydantic ``ValidationError`` (``url``, ``input`` and ``ctx`` are dropped: ``url`` names the
  pydantic version), or ``{"outcome": "rejected", "exception": CLASS, "message": str(e)}`` for
  any other exception.
* ``{"outcome": "unavailable", "message": ...}`` when the implementation lacks the target, so a
  partial implementation still gets compared target by target.

The only normalisation: the forbidden-character set that ``validate_cmd`` prints depends on
``PYTHONHASHSEED``, so its repr is rewritten in sorted order on both sides. (The extra target
``model_json_schema`` leaves out ``description`` keys by definition: they are the models'
docstrings, which we write in our own words.)

A JSON object ``{"__bytes_hex__": "..."}`` anywhere in an input stands for ``bytes`` (JSON has
no bytes, and ``WheelFile.contents`` is bytes).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import enum
import importlib
import json
import re
import sys
from collections.abc import Callable
from typing import Any

MODEL_TARGETS = (
    "TaskManifestV2",
    "ManifestV2",
    "TaskCollectPipV2",
    "TaskCollectCustomV2",
    "WheelFile",
    "TaskCreateV2",
    "TaskGroupCreateV2",
    "TaskGroupCreateV2Strict",
)
TYPE_TARGETS = (
    "NonEmptyStr",
    "AbsolutePathStr",
    "HttpUrlStr",
    "DictStrAny",
    "DictStrStr",
    "ListUniqueNonEmptyString",
    "TypeFilters",
)
ENUM_TARGETS = (
    "TaskGroupV2OriginEnum",
    "TaskGroupActivityStatusV2",
    "TaskGroupActivityActionV2",
)
FUNCTION_TARGETS = (
    "validate_cmd",
    "parse_wheel_filename",
    "normalize_package_name",
    "compare_package_names",
)
SCHEMA_TARGET = "model_json_schema"
"""Input: a model name; result: its JSON schema without ``description`` keys (docstrings)."""
TARGETS = MODEL_TARGETS + TYPE_TARGETS + ENUM_TARGETS + FUNCTION_TARGETS + (SCHEMA_TARGET,)

_SERVER_SCHEMAS = "fractal_server.app.schemas.v2"
_SERVER_NAMES = "fractal_server.tasks.v2.utils_package_names"
SERVER_LOCATIONS: dict[str, tuple[str, str]] = {
    "TaskManifestV2": (f"{_SERVER_SCHEMAS}.manifest", "TaskManifestV2"),
    "ManifestV2": (f"{_SERVER_SCHEMAS}.manifest", "ManifestV2"),
    "TaskCollectPipV2": (f"{_SERVER_SCHEMAS}.task_collection", "TaskCollectPipV2"),
    "TaskCollectCustomV2": (f"{_SERVER_SCHEMAS}.task_collection", "TaskCollectCustomV2"),
    "WheelFile": (f"{_SERVER_SCHEMAS}.task_collection", "WheelFile"),
    "TaskCreateV2": (f"{_SERVER_SCHEMAS}.task", "TaskCreateV2"),
    "TaskGroupCreateV2": (f"{_SERVER_SCHEMAS}.task_group", "TaskGroupCreateV2"),
    "TaskGroupCreateV2Strict": (f"{_SERVER_SCHEMAS}.task_group", "TaskGroupCreateV2Strict"),
    **{name: ("fractal_server.types", name) for name in TYPE_TARGETS},
    **{name: (f"{_SERVER_SCHEMAS}.task_group", name) for name in ENUM_TARGETS},
    "validate_cmd": ("fractal_server.string_tools", "validate_cmd"),
    "parse_wheel_filename": (_SERVER_NAMES, "_parse_wheel_filename"),
    "normalize_package_name": (_SERVER_NAMES, "normalize_package_name"),
    "compare_package_names": (_SERVER_NAMES, "compare_package_names"),
}
OUR_LOCATIONS: dict[str, tuple[str, str]] = {
    **{
        name: ("pytest_taskcollect.schemas", name)
        for name in MODEL_TARGETS + TYPE_TARGETS + ENUM_TARGETS + ("validate_cmd",)
    },
    **{
        name: ("pytest_taskcollect.schemas.names", name)
        for name in ("parse_wheel_filename", "normalize_package_name", "compare_package_names")
    },
}

LOGGER_NAME = "taskcollect-oracle"
"""Passed to ``compare_package_names`` (the server requires a logger name)."""

_FORBIDDEN_SET = re.compile(r"(must not contain any of this characters: ')(\{.*?\})('\n)", re.S)


def _canonical_set(match: re.Match[str]) -> str:
    """Rewrite one printed character set in sorted order; leave it alone if it is no set."""
    try:
        chars = ast.literal_eval(match.group(2))
    except (ValueError, SyntaxError):
        return match.group(0)
    if not isinstance(chars, set):
        return match.group(0)
    body = ", ".join(repr(char) for char in sorted(chars))
    return f"{match.group(1)}{{{body}}}{match.group(3)}"


def normalise_message(message: str) -> str:
    """Make a message independent of ``PYTHONHASHSEED`` (the forbidden-set repr only)."""
    return _FORBIDDEN_SET.sub(_canonical_set, message)


def decode_input(value: Any) -> Any:
    """Turn ``{"__bytes_hex__": h}`` markers back into bytes, recursively."""
    if isinstance(value, dict):
        if list(value) == ["__bytes_hex__"]:
            return bytes.fromhex(value["__bytes_hex__"])
        return {key: decode_input(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode_input(item) for item in value]
    return value


def _rejection(error: Exception) -> dict[str, Any]:
    """Describe an exception: per-error triples for pydantic, else the message."""
    name = type(error).__name__
    errors = getattr(error, "errors", None)
    if name == "ValidationError" and callable(errors):
        triples = [
            [list(item["loc"]), item["type"], normalise_message(item["msg"])]
            for item in errors(include_url=False, include_context=False, include_input=False)
        ]
        return {"outcome": "rejected", "exception": name, "errors": triples}
    return {"outcome": "rejected", "exception": name, "message": normalise_message(str(error))}


def _enum_value(enum_cls: type[enum.Enum], raw: Any) -> dict[str, Any]:
    """Look a value up in an enum; record the member and how it prints (server uses f-strings)."""
    member = enum_cls(raw)
    return {
        "name": member.name,
        "value": member.value,
        "str": str(member),
        "format": f"{member}",
        "is_str": isinstance(member, str),
        "members": [[item.name, item.value] for item in enum_cls],
    }


def _model_result(model: Any) -> dict[str, Any]:
    """An accepted model: its JSON dump, plus what the dump hides (set fields, Python types)."""
    return {
        "dump": model.model_dump(mode="json"),
        "fields_set": sorted(model.model_fields_set),
        "repr": repr(model),
    }


def _without_descriptions(value: Any) -> Any:
    """Drop ``description`` keys (they are docstrings, which we write in our own words)."""
    if isinstance(value, dict):
        return {k: _without_descriptions(v) for k, v in value.items() if k != "description"}
    if isinstance(value, list):
        return [_without_descriptions(item) for item in value]
    return value


def _json_schema(locations: dict[str, tuple[str, str]]) -> Callable[[str], Any]:
    """Validate step of ``model_json_schema``: import the named model, return its schema."""

    def schema(model_name: str) -> Any:
        module_name, attribute = locations[model_name]
        model = getattr(importlib.import_module(module_name), attribute)
        return _without_descriptions(model.model_json_schema())

    return schema


def _wheel_parts(result: Any) -> Any:
    """The server returns a dict, ours a NamedTuple: compare them as ordered mappings."""
    return result if isinstance(result, dict) else result._asdict()


def _identity(value: Any) -> Any:
    """Dump step of targets whose result is already JSON-able."""
    return value


Runner = tuple[Callable[[Any], Any], Callable[[Any], Any]]
"""A target's (validate, dump) steps: an error in ``dump`` is not a rejection of the input."""


def _runner(target: str, obj: Any) -> Runner:
    """Return the validate and dump steps mapping a decoded case input to a JSON-able value."""
    if target in MODEL_TARGETS:
        return obj.model_validate, _model_result
    if target in TYPE_TARGETS:
        from pydantic import TypeAdapter

        adapter = TypeAdapter(obj)
        return adapter.validate_python, lambda value: adapter.dump_python(value, mode="json")
    if target in ENUM_TARGETS:
        return lambda raw: _enum_value(obj, raw), _identity
    if target == "validate_cmd":
        return lambda raw: obj(raw["command"], **raw.get("kwargs", {})), _identity
    if target == "parse_wheel_filename":
        return lambda raw: _wheel_parts(obj(raw)), _identity
    if target == "normalize_package_name":
        return obj, _identity
    if target == "compare_package_names":
        # Only raise / no raise matters: ours returns the warning text, the server None.
        def compare(raw: dict[str, str]) -> None:
            obj(
                pkg_name_pip_show=raw["pkg_name_pip_show"],
                pkg_name_task_group=raw["pkg_name_task_group"],
                logger_name=LOGGER_NAME,
            )

        return compare, _identity
    raise KeyError(f"unknown target {target!r}")


def load_runners(impl: str) -> dict[str, Runner | str]:
    """Import every target of ``impl``; a missing one maps to the import error's text."""
    locations = SERVER_LOCATIONS if impl == "server" else OUR_LOCATIONS
    runners: dict[str, Runner | str] = {SCHEMA_TARGET: (_json_schema(locations), _identity)}
    for target in TARGETS:
        if target == SCHEMA_TARGET:
            continue
        module_name, attribute = locations[target]
        try:
            obj = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            runners[target] = f"{module_name}.{attribute}: {type(error).__name__}: {error}"
            continue
        runners[target] = _runner(target, obj)
    return runners


def evaluate(case: dict[str, Any], runners: dict[str, Runner | str]) -> Any:
    """Run one case and return its normalised result."""
    runner = runners[case["target"]]
    if isinstance(runner, str):
        return {"outcome": "unavailable", "message": runner}
    validate, dump = runner
    try:
        validated = validate(decode_input(case["input"]))
    except Exception as error:
        return _rejection(error)
    try:
        value = dump(validated)
    except Exception as error:
        return {"outcome": "accepted", "dump_error": f"{type(error).__name__}: {error}"}
    return {"outcome": "accepted", "value": value}


def main(argv: list[str] | None = None) -> int:
    """Read cases from stdin, write results to stdout (anything else printed goes to stderr)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=("server", "ours"), required=True)
    args = parser.parse_args(argv)
    cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        runners = load_runners(args.impl)
        results = [evaluate(case, runners) for case in cases]
    out.write(json.dumps(results, ensure_ascii=True))
    out.write("\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
