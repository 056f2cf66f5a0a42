"""Fields that default to ``None`` but reject an explicit ``None``.

fractal-server 2.14.5 declares a few fields as ``NonEmptyStr = None`` (not ``Optional``): leaving
them out is fine, but passing ``None`` fails with pydantic's ``"Input should be a valid string"``.
This is what makes a manifest with ``has_args_schemas=True`` and no ``args_schema_version`` fail
at task creation. We type such fields honestly as optional and reproduce the rejection of an
explicit ``None`` with the same error type and message, and the server's JSON schema (a plain
non-empty string with a ``null`` default).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticKnownError

from ._types import AbsolutePathStr, NonEmptyStr

__all__ = ["AbsolutePathStrNotNone", "NonEmptyStrNotNone", "not_none"]


def _reject_none(value: Any) -> Any:
    if value is None:
        # A known error type (not a custom one): its message then ends with pydantic's
        # "For further information visit ..." line, as the server's does.
        raise PydanticKnownError("string_type")
    return value


_NON_EMPTY_STRING_SCHEMA = WithJsonSchema({"minLength": 1, "type": "string"})


def not_none(string_type: Any) -> Any:
    """``string_type`` (a non-empty string type) with a ``None`` default that rejects ``None``."""
    return Annotated[string_type | None, BeforeValidator(_reject_none), _NON_EMPTY_STRING_SCHEMA]


NonEmptyStrNotNone = Annotated[
    NonEmptyStr | None, BeforeValidator(_reject_none), _NON_EMPTY_STRING_SCHEMA
]
"""``NonEmptyStr`` whose default may be ``None`` but which rejects an explicit ``None``."""

AbsolutePathStrNotNone = Annotated[
    AbsolutePathStr | None, BeforeValidator(_reject_none), _NON_EMPTY_STRING_SCHEMA
]
"""``AbsolutePathStr`` whose default may be ``None`` but which rejects an explicit ``None``."""
