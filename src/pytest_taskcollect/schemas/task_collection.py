"""Collection requests: `TaskCollectPipV2`, `TaskCollectCustomV2` and the `WheelFile` upload.

The fields and validators every release shares live in the ``*Base`` classes; the 2.14.5 models
add what is particular to 2.14.5, and ``schemas.releases`` derives the other releases' models
from the same bases.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ._string_tools import validate_cmd
from ._types import AbsolutePathStr, DictStrStr, NonEmptyStr
from .manifest import ManifestV2

__all__ = [
    "CustomRequestBase",
    "PipRequestBase",
    "PythonVersion",
    "TaskCollectCustomV2",
    "TaskCollectPipV2",
    "UploadedFileBase",
    "WheelFile",
    "check_pins",
    "pins_validator",
]

PythonVersion = Literal["3.9", "3.10", "3.11", "3.12"]
"""The Python versions fractal-server 2.14.5 can collect for."""


class UploadedFileBase(BaseModel):
    """An uploaded file: its original filename and its bytes (the same in every release)."""

    filename: str
    contents: bytes


class WheelFile(UploadedFileBase):
    """An uploaded wheel (2.14.5's name; ``FractalUploadedFile`` from 2.15.0)."""


class PipRequestBase(BaseModel):
    """The pip-request fields every release shares: package, version, extras, Python version.

    Package, version and extras go into a shell command on the server, so they are checked
    with ``validate_cmd``: ``"pkg[extra]"`` or ``">=1.0"`` are rejected. Releases differ in
    the accepted Python versions (this base has 2.14.5's) and in the pin fields they add.
    """

    model_config = ConfigDict(extra="forbid")

    package: NonEmptyStr | None = None
    package_version: NonEmptyStr | None = None
    package_extras: NonEmptyStr | None = None
    python_version: PythonVersion | None = None

    @field_validator("package", "package_version", "package_extras", mode="after")
    @classmethod
    def validate_commands(cls, value: str | None) -> str | None:
        """Reject shell metacharacters (after stripping)."""
        if value is not None:
            validate_cmd(value)
        return value


def check_pins(pins: dict[str, str] | None, key_allowed_chars: str) -> dict[str, str] | None:
    """No shell metacharacter in a pinned name (except ``key_allowed_chars``: ``"[]"`` from
    2.17.2, for extras) nor in a pinned version."""
    if pins is not None:
        for name, version in pins.items():
            validate_cmd(name, allow_char=key_allowed_chars or None)
            validate_cmd(version)
    return pins


def pins_validator(field_names: tuple[str, ...], key_allowed_chars: str) -> Any:
    """``check_pins`` as the field validator of the pin dicts ``field_names`` (for the
    models that ``schemas.releases`` builds)."""

    def validate_pinned_package_versions(
        cls: type[BaseModel], value: dict[str, str] | None
    ) -> dict[str, str] | None:
        return check_pins(value, key_allowed_chars)

    return field_validator(*field_names, mode="after")(validate_pinned_package_versions)


class TaskCollectPipV2(PipRequestBase):
    """A pip collection request: a package name (with version prefix) or, with a wheel, neither.

    Pins are one dict, installed after the package; names and versions are both checked with
    ``validate_cmd``.
    """

    pinned_package_versions: DictStrStr | None = None

    @field_validator("pinned_package_versions", mode="after")
    @classmethod
    def validate_pinned_package_versions(
        cls, value: dict[str, str] | None
    ) -> dict[str, str] | None:
        """Reject shell metacharacters in every pinned name and version."""
        return check_pins(value, key_allowed_chars="")


class CustomRequestBase(BaseModel):
    """A custom collection request: a manifest plus an existing interpreter and package.

    Exactly one of ``package_root`` and ``package_name`` must be given; the check looks at the
    raw input, so ``package_root=""`` counts as given (and then fails as a path). The field
    types here are 2.14.5's; later releases override ``manifest``, the paths and ``version``.
    """

    model_config = ConfigDict(extra="forbid")

    manifest: ManifestV2
    python_interpreter: AbsolutePathStr
    label: NonEmptyStr
    package_root: AbsolutePathStr | None = None
    package_name: NonEmptyStr | None = None
    version: NonEmptyStr | None = None

    @field_validator("package_name", mode="after")
    @classmethod
    def validate_package_name(cls, value: str | None) -> str | None:
        """Reject shell metacharacters in the package name."""
        if value is not None:
            validate_cmd(value)
        return value

    @model_validator(mode="before")
    @classmethod
    def one_of_package_root_or_name(cls, values: Any) -> Any:
        """Exactly one of ``package_root`` / ``package_name``, judged on the raw input."""
        if isinstance(values, dict):
            root_set = values.get("package_root") is not None
            name_set = values.get("package_name") is not None
            if root_set == name_set:
                raise ValueError(
                    "One and only one must be set between 'package_root' and 'package_name'"
                )
        return values


class TaskCollectCustomV2(CustomRequestBase):
    """2.14.5's custom collection request (``version`` optional; the group gets none)."""
