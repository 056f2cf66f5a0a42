"""Generate the ``__FRACTAL_MANIFEST__.json`` content and args JSON schemas of a task package.

The output has the shape fractal-task-tools' ``fractal-manifest create`` writes: version ``"2"``
header, one entry per task with unset optional keys left out, and pydantic-v2-style args
schemas (``additionalProperties: false``, titled properties, ``required``) that include the
standard Fractal arguments of each executable's role. The spec's raw ``manifest_patch`` is
applied last, so a spec can describe any manifest, including invalid ones.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from .spec import PATCH_DELETE, ExecutableRole, TaskArg, TaskPackageSpec, TaskSpec, thaw

__all__ = [
    "STANDARD_ARGS",
    "apply_manifest_patch",
    "args_schema",
    "generate_manifest",
    "manifest_text",
]

_ZARR_URLS = TaskArg(
    "zarr_urls",
    "array",
    required=True,
    items="string",
    description="List of paths or urls to the individual OME-Zarr images to be processed.",
)
_ZARR_DIR = TaskArg(
    "zarr_dir",
    "string",
    required=True,
    description="Path of the directory where new OME-Zarr images are created.",
)
_ZARR_URL = TaskArg(
    "zarr_url",
    "string",
    required=True,
    description="Path or url to the individual OME-Zarr image to be processed.",
)
_INIT_ARGS = TaskArg(
    "init_args",
    "object",
    required=True,
    description="Initialization arguments provided by the init step of the compound task.",
)

STANDARD_ARGS: dict[ExecutableRole, tuple[TaskArg, ...]] = {
    "non_parallel": (_ZARR_URLS, _ZARR_DIR),
    "converter_non_parallel": (_ZARR_DIR,),
    "compound_init": (_ZARR_URLS, _ZARR_DIR),
    "converter_compound_init": (_ZARR_DIR,),
    "parallel": (_ZARR_URL,),
    "compound_compute": (_ZARR_URL, _INIT_ARGS),
}
"""The arguments fractal-server passes to each kind of executable (fractal-task-tools requires
exactly these: converters get no ``zarr_urls``, compute parts get ``init_args``)."""


def _title(name: str) -> str:
    """pydantic's default field title: ``zarr_url`` -> ``Zarr Url``."""
    return name.title().replace("_", " ")


def _property(arg: TaskArg) -> dict[str, Any]:
    prop: dict[str, Any] = {}
    if arg.default is not None:
        prop["default"] = thaw(arg.default)
    if arg.items is not None:
        prop["items"] = {"type": arg.items}
    if arg.type == "object":
        prop["additionalProperties"] = True
    prop["title"] = _title(arg.name)
    prop["type"] = arg.type
    if arg.description is not None:
        prop["description"] = arg.description
    return prop


def args_schema(task: TaskSpec, slot: Literal["non_parallel", "parallel"]) -> dict[str, Any]:
    """The args JSON schema of ``task``'s executable in ``slot`` (which must be set).

    Its title is the executable's stem in CamelCase, the name fractal-task-tools takes from the
    task function. A declared argument that repeats a standard one is an error.
    """
    executable = getattr(task, f"executable_{slot}")
    if executable is None:
        raise ValueError(f"Task {task.name!r} has no {slot} executable.")
    standard = STANDARD_ARGS[task.role(slot)]
    declared: tuple[TaskArg, ...] = getattr(task, f"args_{slot}")
    names = [arg.name for arg in (*standard, *declared)]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"Task {task.name!r} declares arguments twice: {duplicates}.")
    stem = executable.rsplit("/", 1)[-1].removesuffix(".py")
    schema: dict[str, Any] = {
        "additionalProperties": False,
        "properties": {arg.name: _property(arg) for arg in (*standard, *declared)},
    }
    required = [arg.name for arg in (*standard, *declared) if arg.required]
    if required:
        schema["required"] = required
    schema["type"] = "object"
    schema["title"] = "".join(part.capitalize() for part in stem.split("_"))
    return schema


def _task_entry(task: TaskSpec, with_schemas: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": task.name}
    for key in ("category", "modality"):
        if getattr(task, key) is not None:
            entry[key] = getattr(task, key)
    if task.tags:
        entry["tags"] = list(task.tags)
    if task.docs_info is not None:
        entry["docs_info"] = task.docs_info
    if task.type is not None:
        entry["type"] = task.type
    slots: tuple[Literal["non_parallel", "parallel"], ...] = ("non_parallel", "parallel")
    for slot in slots:
        executable = getattr(task, f"executable_{slot}")
        if executable is None:
            continue
        entry[f"executable_{slot}"] = executable
        meta = getattr(task, f"meta_{slot}")
        if meta:
            entry[f"meta_{slot}"] = thaw(meta)
        if with_schemas:
            entry[f"args_schema_{slot}"] = args_schema(task, slot)
    for key in ("input_types", "output_types"):
        if getattr(task, key):
            entry[key] = thaw(getattr(task, key))
    if task.docs_link is not None:
        entry["docs_link"] = task.docs_link
    return entry


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def apply_manifest_patch(document: Any, patch: dict[str, Any]) -> Any:
    """Apply ``{json_pointer: value}`` edits to ``document`` in sorted pointer order.

    A value replaces (or adds) the addressed key or list item, ``"-"`` appends to a list,
    ``PATCH_DELETE`` removes the target, and the pointer ``""`` replaces the whole document.
    Returns the patched document (the input is modified in place when it is a container).
    """
    for pointer in sorted(patch):
        value = patch[pointer]
        if pointer == "":
            if value is PATCH_DELETE:
                raise ValueError("The whole manifest cannot be deleted; use manifest_paths=().")
            document = thaw(value)
            continue
        if not pointer.startswith("/"):
            raise ValueError(f"Manifest patch keys are JSON Pointers ('/...'), got {pointer!r}.")
        *parents, last = [_unescape(token) for token in pointer[1:].split("/")]
        target = document
        try:
            for token in parents:
                target = target[int(token)] if isinstance(target, list) else target[token]
        except (KeyError, IndexError, ValueError, TypeError) as error:
            raise ValueError(f"Manifest patch {pointer!r}: no such location.") from error
        _set_or_delete(target, last, value, pointer)
    return document


def _set_or_delete(target: Any, token: str, value: Any, pointer: str) -> None:
    if isinstance(target, dict):
        if value is PATCH_DELETE:
            target.pop(token, None)
        else:
            target[token] = thaw(value)
    elif isinstance(target, list):
        if token == "-" and value is not PATCH_DELETE:
            target.append(thaw(value))
            return
        try:
            index = int(token)
            if value is PATCH_DELETE:
                del target[index]
            else:
                target[index] = thaw(value)
        except (ValueError, IndexError) as error:
            raise ValueError(f"Manifest patch {pointer!r}: bad list index.") from error
    else:
        raise ValueError(f"Manifest patch {pointer!r}: parent is not a JSON object or array.")


def generate_manifest(spec: TaskPackageSpec) -> Any:
    """The manifest of ``spec`` as a JSON value (a dict unless a patch replaced it)."""
    manifest: dict[str, Any] = {
        "manifest_version": "2",
        "task_list": [_task_entry(task, spec.writes_args_schemas) for task in spec.tasks],
        "has_args_schemas": spec.has_args_schemas,
    }
    if spec.args_schema_version is not None:
        manifest["args_schema_version"] = spec.args_schema_version
    if spec.authors is not None:
        manifest["authors"] = spec.authors
    return apply_manifest_patch(manifest, dict(spec.manifest_patch))


def manifest_text(manifest: Any) -> str:
    """Serialise a manifest as ``fractal-manifest create`` does: indent 2, trailing newline."""
    return json.dumps(manifest, indent=2) + "\n"
