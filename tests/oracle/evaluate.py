"""Run oracle cases through one implementation and print normalised results.

Usage: ``python evaluate.py --impl server|ours --release 2.26.0 < payload.json > results.json``

This script is standalone on purpose: it is run by the interpreter of a fractal-server venv
(``--impl server``) and by the test interpreter (``--impl ours``, which reads the release's
models from ``get_profile(release).schemas``), so it imports nothing from the test suite and
only needs pydantic plus the implementation under test.

Input: ``{"names": {TARGET: RELEASE_NAME}, "cases": [{"target": TARGET, "input": VALUE}]}``.
Targets carry 2.14.5's names; ``names`` gives each one's name in the release (``WheelFile`` is
``FractalUploadedFile`` from 2.15.0). Output: a JSON list, in the case order, of results:

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
SERVER_MODULES: dict[str, str] = {
    "TaskManifestV2": f"{_SERVER_SCHEMAS}.manifest",
    "ManifestV2": f"{_SERVER_SCHEMAS}.manifest",
    "TaskCollectPipV2": f"{_SERVER_SCHEMAS}.task_collection",
    "TaskCollectCustomV2": f"{_SERVER_SCHEMAS}.task_collection",
    "WheelFile": f"{_SERVER_SCHEMAS}.task_collection",
    "TaskCreateV2": f"{_SERVER_SCHEMAS}.task",
    "TaskGroupCreateV2": f"{_SERVER_SCHEMAS}.task_group",
    "TaskGroupCreateV2Strict": f"{_SERVER_SCHEMAS}.task_group",
    **{name: "fractal_server.types" for name in TYPE_TARGETS},
    **{name: f"{_SERVER_SCHEMAS}.task_group" for name in ENUM_TARGETS},
    "validate_cmd": "fractal_server.string_tools",
    "parse_wheel_filename": _SERVER_NAMES,
    "normalize_package_name": _SERVER_NAMES,
    "compare_package_names": _SERVER_NAMES,
}
"""Where the server defines each target (the attribute is the release's name for it)."""
OUR_NAME_HELPERS = ("parse_wheel_filename", "normalize_package_name", "compare_package_names")
"""Targets taken from ``pytest_taskcollect.schemas.names``; every other target comes from the
release's namespace, ``get_profile(release).schemas``."""

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


def _json_schema(models: dict[str, Any]) -> Callable[[str], Any]:
    """Validate step of ``model_json_schema``: the named model target's schema."""

    def schema(target: str) -> Any:
        return _without_descriptions(models[target].model_json_schema())

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


def _server_object(target: str, name: str) -> Any:
    """The server's object for a target, by the release's name (``_parse_wheel_filename`` is
    private on the server)."""
    attribute = "_parse_wheel_filename" if target == "parse_wheel_filename" else name
    return getattr(importlib.import_module(SERVER_MODULES[target]), attribute)


def _our_object(target: str, name: str, release: str) -> Any:
    """Our object for a target: the release's namespace, or the name helpers."""
    if target in OUR_NAME_HELPERS:
        return getattr(importlib.import_module("pytest_taskcollect.schemas.names"), name)
    from pytest_taskcollect import get_profile

    return get_profile(release).schemas.names[name]


def load_runners(impl: str, release: str, names: dict[str, str]) -> dict[str, Runner | str]:
    """Import every target of ``impl`` for ``release``; a missing one maps to the error text.

    ``names`` maps each target to the release's name for it (``TaskCollectPipV2`` is
    ``TaskCollectPip`` from 2.18.0).
    """
    runners: dict[str, Runner | str] = {}
    models: dict[str, Any] = {}
    for target in TARGETS:
        if target == SCHEMA_TARGET:
            continue
        try:
            if impl == "server":
                obj = _server_object(target, names[target])
            else:
                obj = _our_object(target, names[target], release)
        except (ImportError, AttributeError, KeyError) as error:
            runners[target] = f"{target} as {names[target]}: {type(error).__name__}: {error}"
            continue
        if target in MODEL_TARGETS:
            models[target] = obj
        runners[target] = _runner(target, obj)
    runners[SCHEMA_TARGET] = (_json_schema(models), _identity)
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
    parser.add_argument("--release", required=True, help="the fractal-server release emulated")
    args = parser.parse_args(argv)
    payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    cases = payload["cases"]
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        runners = load_runners(args.impl, args.release, payload["names"])
        results = [evaluate(case, runners) for case in cases]
    out.write(json.dumps(results, ensure_ascii=True))
    out.write("\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
