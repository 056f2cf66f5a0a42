"""pydantic's ``MISSING`` sentinel, which fractal-server 2.25.3 and later use for unset fields.

``MISSING`` is public in pydantic 2.14 and experimental in 2.12-2.13; older pydantic releases
lack it. The 2.14.5 models never need it, so it is looked up lazily: only the models of
releases from 2.25.3 on require it, and they say so clearly when it is missing.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

__all__ = ["is_unset", "missing_sentinel"]

_LOCATIONS = (("pydantic", "MISSING"), ("pydantic.experimental.missing_sentinel", "MISSING"))


def _find_sentinel() -> Any:
    """pydantic's ``MISSING``, or ``None`` when this pydantic has none.

    Importing ``pydantic.experimental`` warns (``PydanticExperimentalWarning``); the lookup
    silences it, so importing this package never warns, even under ``-W error``.
    """
    for module_name, attribute in _LOCATIONS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError):
            continue
    return None


_SENTINEL = _find_sentinel()


def missing_sentinel() -> Any:
    """pydantic's ``MISSING`` sentinel; ``RuntimeError`` if this pydantic is older than 2.12."""
    if _SENTINEL is None:
        import pydantic

        raise RuntimeError(
            "fractal-server 2.25.3 and later use pydantic's MISSING sentinel, which needs "
            f"pydantic >= 2.12 (this is pydantic {pydantic.VERSION})."
        )
    return _SENTINEL


def is_unset(value: object) -> bool:
    """True for a field that was not given: ``None`` (2.14.5 style) or ``MISSING`` (2.25.3+)."""
    return value is None or (_SENTINEL is not None and value is _SENTINEL)
