"""Field types that change between releases: paths, Python versions, unset fields, names.

Each function maps one switch value to the type (or name) a release uses; the 2.14.5 value
always maps to the type the 2.14.5 models in ``pytest_taskcollect.schemas`` use.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal, cast, get_args

from pydantic import AfterValidator

from .._missing import missing_sentinel
from .._not_none import not_none
from .._types import AbsolutePathStr, NonEmptyStr, val_absolute_path
from ..task_collection import PythonVersion
from .switches import PathRules, UnsetFields

__all__ = [
    "BASELINE_PYTHON_VERSIONS",
    "absolute_path_type",
    "python_version_type",
    "release_name",
    "unset_field",
]

BASELINE_PYTHON_VERSIONS: tuple[str, ...] = get_args(PythonVersion)
"""The Python versions of 2.14.5's ``PythonVersion``."""


def val_no_dotdot_in_path(path: str) -> str:
    """Reject a path with a ``..`` part (2.18.0 on), with the server's message."""
    if ".." in Path(path).parts:
        raise ValueError("String must not contain '/../'.")
    return path


def val_os_path_normpath(path: str) -> str:
    """Store the path ``os.path.normpath``-ed (2.18.0 on): ``/a/./b/`` becomes ``/a/b``."""
    return os.path.normpath(path)


AbsolutePathStrNormalised = Annotated[
    NonEmptyStr,
    AfterValidator(val_absolute_path),
    AfterValidator(val_no_dotdot_in_path),
    AfterValidator(val_os_path_normpath),
]
"""2.18.0's ``AbsolutePathStr``: absolute, no ``..`` part, then normalised, in that order."""


def absolute_path_type(rules: PathRules) -> Any:
    """The ``AbsolutePathStr`` of a release."""
    if rules is PathRules.ABSOLUTE:
        return AbsolutePathStr
    return AbsolutePathStrNormalised


def python_version_type(versions: tuple[str, ...]) -> Any:
    """The ``PythonVersion`` Literal of a release (2.14.5's object for 2.14.5's versions)."""
    if versions == BASELINE_PYTHON_VERSIONS:
        return PythonVersion
    return cast(Any, Literal)[versions]


def unset_field(string_type: Any, unset: UnsetFields) -> tuple[Any, Any]:
    """``(annotation, default)`` of an optional field whose explicit ``None`` is rejected."""
    if unset is UnsetFields.NONE_DEFAULT:
        return not_none(string_type), None
    sentinel = missing_sentinel()
    return string_type | sentinel, sentinel


def release_name(base: str, v2_suffix: bool) -> str:
    """A model name as the release spells it: ``TaskCollectPip`` + ``V2`` until 2.17.2.

    ``base`` marks where the suffix goes with ``{V2}``: ``"TaskGroup{V2}OriginEnum"``.
    """
    return base.replace("{V2}", "V2" if v2_suffix else "")
