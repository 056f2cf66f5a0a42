"""Declarative, immutable descriptions of a Fractal task package (``TaskPackageSpec``) and its
tasks (``TaskSpec``).

A spec is the single input of the wheel factory: the project tree, the manifest, the task
scripts and the cache key are all derived from it. Specs are frozen and hashable (tuples instead
of lists, ``FrozenMap`` instead of dicts) so they can be shared between tests, used as dict keys
and parametrised over, and ``content_hash()`` gives a digest of their content that is stable
across processes and runs (unlike ``hash()``, which is salted per process).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = [
    "PATCH_DELETE",
    "ArgType",
    "ExecutableRole",
    "FrozenMap",
    "Layout",
    "TaskArg",
    "TaskPackageSpec",
    "TaskSpec",
    "TaskType",
    "freeze",
    "thaw",
]

TaskType = Literal[
    "compound", "converter_compound", "non_parallel", "converter_non_parallel", "parallel"
]
"""The five manifest task types (the same literal as ``schemas.TaskType``; kept here so that
importing the factory does not import the pydantic models)."""

ArgType = Literal["string", "integer", "number", "boolean", "array", "object"]
"""JSON-schema type of a declared task argument."""

Layout = Literal["src", "flat"]
"""Where the import package lives in the project: ``src/<pkg>`` or ``<pkg>`` at the root."""

ExecutableRole = Literal[
    "non_parallel",
    "converter_non_parallel",
    "compound_init",
    "converter_compound_init",
    "parallel",
    "compound_compute",
]
"""What an executable does when fractal-server runs it, which fixes its standard arguments and
the shape of its output: the non-parallel part of a (converter) compound task is its *init*
step and returns a parallelization list; every other executable returns image-list updates."""

_COMPOUND_TYPES = ("compound", "converter_compound")


class _PatchDelete:
    """Type of ``PATCH_DELETE``: a singleton that survives ``copy`` and compares by identity."""

    _instance: _PatchDelete | None = None

    def __new__(cls) -> _PatchDelete:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "PATCH_DELETE"

    def __reduce__(self) -> str:
        return "PATCH_DELETE"


PATCH_DELETE = _PatchDelete()
"""Value for a ``manifest_patch`` entry that removes the addressed key (or list item)."""


def freeze(value: Any) -> Any:
    """Return a deeply immutable, hashable copy of a JSON-like value.

    Mappings become ``FrozenMap`` and lists/tuples become tuples; scalars (``str``, ``int``,
    ``float``, ``bool``, ``None``) and ``PATCH_DELETE`` are kept. Anything else is rejected,
    because it could not be written to JSON or hashed stably.
    """
    if isinstance(value, FrozenMap):
        return value
    if isinstance(value, Mapping):
        return FrozenMap(value)
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    if value is None or value is PATCH_DELETE or isinstance(value, str | int | float):
        return value
    raise TypeError(f"Cannot freeze {type(value).__name__} value {value!r}: use JSON-like data.")


def thaw(value: Any) -> Any:
    """Inverse of ``freeze``: plain ``dict``/``list`` copies, ready for ``json.dump``."""
    if isinstance(value, FrozenMap):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value


class FrozenMap(Mapping[str, Any]):
    """An immutable, hashable mapping with string keys whose values are frozen on the way in.

    Insertion order is kept (it is the order keys are written to JSON), while equality and
    hashing ignore it, as for ``dict``.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        items = data.items() if isinstance(data, Mapping) else data
        frozen: dict[str, Any] = {}
        for key, value in items:
            if not isinstance(key, str):
                raise TypeError(f"FrozenMap keys must be strings, got {key!r}.")
            frozen[key] = freeze(value)
        self._data = frozen

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def _jsonable(value: Any) -> Any:
    """A JSON-ready image of a spec value, used for the content hash (``PATCH_DELETE`` included)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, FrozenMap):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_jsonable(item) for item in value]
    if value is PATCH_DELETE:
        return {"$pytest_taskcollect": "PATCH_DELETE"}
    return value


def _set(obj: object, name: str, value: Any) -> None:
    """Normalise a field of a frozen dataclass from its own ``__post_init__``."""
    object.__setattr__(obj, name, value)


def _check_relative_path(path: str, what: str) -> None:
    """Files the factory writes must stay inside the import package."""
    parts = path.replace("\\", "/").split("/")
    if not path or path.startswith("/") or ".." in parts or "" in parts:
        raise ValueError(f"{what} must be a relative path inside the package, got {path!r}.")


def _slug(name: str) -> str:
    """A file-name-friendly form of a task name (``"MIP compound"`` -> ``"mip_compound"``)."""
    return re.sub(r"\W+", "_", name).strip("_").lower() or "task"


@dataclass(frozen=True)
class TaskArg:
    """One declared argument of a task executable, rendered into its args JSON schema.

    ``required`` arguments have no default; optional ones are written with their ``default``
    unless it is ``None`` (as pydantic does for ``Optional`` arguments). ``items`` is the item
    type of an ``array`` argument.
    """

    name: str
    type: ArgType = "string"
    required: bool = False
    default: Any = None
    description: str | None = None
    items: ArgType | None = None

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"Argument names must be identifiers, got {self.name!r}.")
        if self.type not in get_args(ArgType):
            raise ValueError(f"Unknown argument type {self.type!r}.")
        if self.required and self.default is not None:
            raise ValueError(f"Required argument {self.name!r} cannot have a default.")
        if self.items is not None and self.type != "array":
            raise ValueError(f"Only array arguments have items (argument {self.name!r}).")
        _set(self, "default", freeze(self.default))


@dataclass(frozen=True)
class TaskSpec:
    """One task of the package, as it appears in the manifest.

    Executable paths are relative to the package root (flat, in sub-folders, or shared between
    tasks). When both are omitted they are derived from ``type``: ``<name>.py`` for a
    non-parallel or parallel task, ``<name>_init.py`` + ``<name>_compute.py`` for a compound
    one. ``type=None`` leaves the key out of the manifest (the server then infers it), so the
    executables must be given explicitly. ``args_non_parallel`` / ``args_parallel`` are the
    arguments declared for each executable; the standard Fractal arguments (``zarr_urls`` +
    ``zarr_dir``, ``zarr_dir``, ``zarr_url``, ``zarr_url`` + ``init_args``, depending on the
    executable's role) are added to the generated schema automatically.
    """

    name: str
    type: TaskType | None = "non_parallel"
    executable_non_parallel: str | None = None
    executable_parallel: str | None = None
    meta_non_parallel: Mapping[str, Any] = field(default_factory=FrozenMap)
    meta_parallel: Mapping[str, Any] = field(default_factory=FrozenMap)
    args_non_parallel: tuple[TaskArg, ...] = ()
    args_parallel: tuple[TaskArg, ...] = ()
    input_types: Mapping[str, bool] = field(default_factory=FrozenMap)
    output_types: Mapping[str, bool] = field(default_factory=FrozenMap)
    category: str | None = None
    modality: str | None = None
    tags: tuple[str, ...] = ()
    docs_info: str | None = None
    docs_link: str | None = None

    def __post_init__(self) -> None:
        if self.type is not None and self.type not in get_args(TaskType):
            raise ValueError(f"Unknown task type {self.type!r} for task {self.name!r}.")
        for name in ("meta_non_parallel", "meta_parallel", "input_types", "output_types"):
            _set(self, name, FrozenMap(getattr(self, name)))
        for name in ("args_non_parallel", "args_parallel", "tags"):
            _set(self, name, tuple(getattr(self, name)))
        if self.executable_non_parallel is None and self.executable_parallel is None:
            self._derive_executables()
        for slot in ("non_parallel", "parallel"):
            executable = getattr(self, f"executable_{slot}")
            if executable is not None:
                _check_relative_path(executable, f"Executable of task {self.name!r}")
            elif getattr(self, f"args_{slot}"):
                raise ValueError(
                    f"Task {self.name!r} declares args_{slot} without that executable."
                )

    def _derive_executables(self) -> None:
        stem = _slug(self.name)
        if self.type is None:
            raise ValueError(f"Task {self.name!r} has no type and no executable.")
        if self.type in _COMPOUND_TYPES:
            _set(self, "executable_non_parallel", f"{stem}_init.py")
            _set(self, "executable_parallel", f"{stem}_compute.py")
        elif self.type == "parallel":
            _set(self, "executable_parallel", f"{stem}.py")
        else:
            _set(self, "executable_non_parallel", f"{stem}.py")

    def role(self, slot: Literal["non_parallel", "parallel"]) -> ExecutableRole:
        """The role of the executable in ``slot``: a task is compound when its type says so,
        or (with no type) when it has both executables, as fractal-server infers it."""
        compound = self.type in _COMPOUND_TYPES or (
            self.type is None
            and self.executable_non_parallel is not None
            and self.executable_parallel is not None
        )
        converter = self.type is not None and self.type.startswith("converter_")
        if slot == "parallel":
            return "compound_compute" if compound else "parallel"
        if compound:
            return "converter_compound_init" if converter else "compound_init"
        return "converter_non_parallel" if converter else "non_parallel"


def _default_import_name(name: str) -> str:
    """fractal-server's package-root rule: normalised name with ``_`` (``Foo-Bar``: ``foo_bar``)."""
    return re.sub(r"[-_.]+", "_", name).lower()


@dataclass(frozen=True)
class TaskPackageSpec:
    """A whole task package: distribution metadata, tasks, manifest options and extra files.

    * ``import_name`` (resolved by ``import_package``) defaults to the normalised distribution
      name with ``_``, which is where fractal-server looks for the executables.
    * ``has_args_schemas`` / ``args_schema_version`` / ``authors`` go to the manifest header;
      ``include_args_schemas`` (default: same as ``has_args_schemas``) controls whether the
      tasks carry their generated args schemas.
    * ``manifest_paths`` are the places (relative to the package root) where the manifest is
      written: empty for no manifest, two entries for two manifests.
    * ``manifest_patch`` maps JSON Pointers (RFC 6901, e.g. ``"/task_list/0/docs_link"``,
      ``""`` for the whole document, ``"/task_list/-"`` to append) to raw values, or to
      ``PATCH_DELETE``; it is applied to the generated manifest in sorted pointer order, so any
      manifest, valid or not, can be produced.
    * ``extra_files`` maps paths relative to the package root to text content (they win over
      generated files); ``omit_files`` lists generated files not to write.
    * ``wheel_filename`` renames the built wheel, as fractal-server's own tests do for the
      non-canonical package.
    """

    name: str
    version: str = "0.0.1"
    tasks: tuple[TaskSpec, ...] = ()
    import_name: str | None = None
    description: str = "A Fractal task package built by pytest-taskcollect."
    authors: str | None = None
    dependencies: tuple[str, ...] = ()
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=FrozenMap)
    requires_python: str | None = ">=3.9"
    has_args_schemas: bool = True
    args_schema_version: str | None = "pydantic_v2"
    include_args_schemas: bool | None = None
    manifest_paths: tuple[str, ...] = ("__FRACTAL_MANIFEST__.json",)
    manifest_patch: Mapping[str, Any] = field(default_factory=FrozenMap)
    extra_files: Mapping[str, str] = field(default_factory=FrozenMap)
    omit_files: tuple[str, ...] = ()
    layout: Layout = "src"
    wheel_filename: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("A task package needs a distribution name.")
        if not self.import_package.isidentifier():
            raise ValueError(
                f"The import package must be an identifier, got {self.import_package!r}."
            )
        if self.layout not in get_args(Layout):
            raise ValueError(f"Unknown layout {self.layout!r}.")
        for name in ("tasks", "dependencies", "manifest_paths", "omit_files"):
            _set(self, name, tuple(getattr(self, name)))
        for name in ("extras", "manifest_patch", "extra_files"):
            _set(self, name, FrozenMap(getattr(self, name)))
        if not all(isinstance(task, TaskSpec) for task in self.tasks):
            raise TypeError("tasks must be TaskSpec instances.")
        for path in (*self.manifest_paths, *self.extra_files, *self.omit_files):
            _check_relative_path(path, "A package file")
        if not all(isinstance(text, str) for text in self.extra_files.values()):
            raise TypeError("extra_files values must be text (str).")
        if self.wheel_filename is not None and (
            "/" in self.wheel_filename or not self.wheel_filename.endswith(".whl")
        ):
            raise ValueError(f"wheel_filename must be a *.whl file name: {self.wheel_filename!r}.")

    @property
    def writes_args_schemas(self) -> bool:
        """Whether the manifest tasks carry ``args_schema_*`` entries."""
        if self.include_args_schemas is None:
            return self.has_args_schemas
        return self.include_args_schemas

    @property
    def import_package(self) -> str:
        """The import package name: ``import_name``, or the normalised distribution name."""
        return self.import_name or _default_import_name(self.name)

    def content_hash(self) -> str:
        """SHA-256 of the spec's canonical JSON: equal specs give equal digests in any process."""
        return hashlib.sha256(_canonical_json(self).encode("ascii")).hexdigest()


def _canonical_json(value: Any) -> str:
    """Canonical JSON text of a spec (or any frozen value): sorted keys, no whitespace."""
    return json.dumps(_jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
