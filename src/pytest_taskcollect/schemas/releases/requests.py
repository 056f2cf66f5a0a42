"""Collection-request models per release: the upload, the pip request, the custom request.

Each builder takes only the switch values its model depends on, is cached (one class per
distinct combination, shared by every release that agrees) and returns the 2.14.5 class itself
for 2.14.5's values.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import create_model

from .._types import DictStrStr, NonEmptyStr
from ..manifest import ManifestBase, ManifestV2
from ..task_collection import (
    CustomRequestBase,
    PipRequestBase,
    TaskCollectCustomV2,
    TaskCollectPipV2,
    UploadedFileBase,
    WheelFile,
    pins_validator,
)
from .fields import BASELINE_PYTHON_VERSIONS, absolute_path_type, python_version_type
from .switches import PathRules, PinFields

__all__ = ["custom_request_model", "pip_request_model", "uploaded_file_model"]

_MODULE = __name__


@cache
def uploaded_file_model(name: str) -> type[UploadedFileBase]:
    """``WheelFile`` (2.14.5) or ``FractalUploadedFile`` (2.15.0 on): same fields."""
    if name == WheelFile.__name__:
        return WheelFile
    return create_model(name, __base__=UploadedFileBase, __module__=_MODULE)


@cache
def pip_request_model(
    name: str, pin_fields: PinFields, pin_key_allowed_chars: str, python_versions: tuple[str, ...]
) -> type[PipRequestBase]:
    """The pip request: the release's Python versions, then its pin field(s).

    2.16.0 replaced ``pinned_package_versions`` by ``_pre`` and ``_post``; 2.17.2 allowed
    ``[`` and ``]`` in pinned names (for extras), not in versions.
    """
    baseline = (TaskCollectPipV2.__name__, PinFields.SINGLE, "", BASELINE_PYTHON_VERSIONS)
    if (name, pin_fields, pin_key_allowed_chars, python_versions) == baseline:
        return TaskCollectPipV2
    pin_names = (
        ("pinned_package_versions",)
        if pin_fields is PinFields.SINGLE
        else ("pinned_package_versions_pre", "pinned_package_versions_post")
    )
    fields: dict[str, Any] = {
        "python_version": (python_version_type(python_versions) | None, None),
        **{pin_name: (DictStrStr | None, None) for pin_name in pin_names},
    }
    validators = {
        "validate_pinned_package_versions": pins_validator(pin_names, pin_key_allowed_chars)
    }
    return create_model(
        name, __base__=PipRequestBase, __module__=_MODULE, __validators__=validators, **fields
    )


@cache
def custom_request_model(
    name: str,
    manifest: type[ManifestBase],
    absolute_path_rules: PathRules,
    version_required: bool,
) -> type[CustomRequestBase]:
    """The custom request: the release's manifest and paths; ``version`` required from 2.23.1."""
    baseline = (TaskCollectCustomV2.__name__, ManifestV2, PathRules.ABSOLUTE, False)
    if (name, manifest, absolute_path_rules, version_required) == baseline:
        return TaskCollectCustomV2
    path = absolute_path_type(absolute_path_rules)
    fields: dict[str, Any] = {
        "manifest": (manifest, ...),
        "python_interpreter": (path, ...),
        "package_root": (path | None, None),
        "version": (NonEmptyStr, ...) if version_required else (NonEmptyStr | None, None),
    }
    return create_model(name, __base__=CustomRequestBase, __module__=_MODULE, **fields)
