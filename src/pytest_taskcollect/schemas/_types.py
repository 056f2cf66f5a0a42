"""Annotated string and dict types shared by the schemas (`fractal_server.types`).

Each type strips and checks its input the way fractal-server 2.14.5 does, so that a value our
models accept is one the server accepts, with the same stored value and the same error message.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, HttpUrl, StringConstraints, TypeAdapter

__all__ = [
    "AbsolutePathStr",
    "DictStrAny",
    "DictStrStr",
    "HttpUrlStr",
    "ListUniqueNonEmptyString",
    "NonEmptyStr",
    "TypeFilters",
    "val_absolute_path",
    "val_http_url",
    "val_unique_list",
    "valdict_keys",
]

_Mapping = TypeVar("_Mapping", bound=MutableMapping[str, Any])
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def valdict_keys(mapping: _Mapping) -> _Mapping:
    """Strip every key; reject blank keys and keys that collide once stripped.

    Like the server, a renamed key is popped and re-inserted, so it moves to the end.
    """
    old_keys = list(mapping.keys())
    new_keys = [key.strip() for key in old_keys]
    if any(key == "" for key in new_keys):
        raise ValueError(f"Empty string in {new_keys}.")
    if len(new_keys) != len(set(new_keys)):
        raise ValueError(f"Dictionary contains multiple identical keys: '{mapping}'.")
    for old_key, new_key in zip(old_keys, new_keys, strict=True):
        if new_key != old_key:
            mapping[new_key] = mapping.pop(old_key)
    return mapping


def val_absolute_path(path: str) -> str:
    """Require an absolute path; it is kept as given (no normalisation, as in 2.14.5)."""
    if not os.path.isabs(path):
        raise ValueError(f"String must be an absolute path (given '{path}').")
    return path


def val_http_url(value: str) -> str:
    """Require an http(s) URL, but keep the original string rather than a normalised URL."""
    _HTTP_URL.validate_python(value)
    return value


def val_unique_list(items: list[str]) -> list[str]:
    """Reject a list with repeated items (compared after the items were stripped)."""
    if len(set(items)) != len(items):
        raise ValueError("List has repetitions")
    return items


NonEmptyStr = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
"""A string stripped of surrounding whitespace, then required to be non-empty."""

AbsolutePathStr = Annotated[NonEmptyStr, AfterValidator(val_absolute_path)]
"""A ``NonEmptyStr`` that is an absolute path (``os.path.isabs``)."""

HttpUrlStr = Annotated[NonEmptyStr, AfterValidator(val_http_url)]
"""A ``NonEmptyStr`` that parses as an http or https URL; the string itself is stored."""

DictStrAny = Annotated[dict[str, Any], AfterValidator(valdict_keys)]
"""A dict whose top-level keys are stripped, non-blank and unique."""

DictStrStr = Annotated[dict[str, NonEmptyStr], AfterValidator(valdict_keys)]
"""A ``DictStrAny`` whose values are ``NonEmptyStr``."""

ListUniqueNonEmptyString = Annotated[list[NonEmptyStr], AfterValidator(val_unique_list)]
"""A list of ``NonEmptyStr`` without repetitions."""

TypeFilters = Annotated[dict[str, bool], AfterValidator(valdict_keys)]
"""Image-type filters (``input_types`` / ``output_types``): stripped keys, lax booleans."""
