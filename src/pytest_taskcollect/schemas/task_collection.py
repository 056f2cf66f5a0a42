"""Collection requests: `TaskCollectPipV2`, `TaskCollectCustomV2` and the `WheelFile` upload."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ._string_tools import validate_cmd
from ._types import AbsolutePathStr, DictStrStr, NonEmptyStr
from .manifest import ManifestV2

__all__ = ["PythonVersion", "TaskCollectCustomV2", "TaskCollectPipV2", "WheelFile"]

PythonVersion = Literal["3.9", "3.10", "3.11", "3.12"]
"""The Python versions fractal-server 2.14.5 can collect for."""


class WheelFile(BaseModel):
    """An uploaded wheel: its original filename and its bytes."""

    filename: str
    contents: bytes


class TaskCollectPipV2(BaseModel):
    """A pip collection request: a package name (with version prefix) or, with a wheel, neither.

    Package, version and extras go into a shell command on the server, so they are checked
    with ``validate_cmd``: ``"pkg[extra]"`` or ``">=1.0"`` are rejected.
    """

    model_config = ConfigDict(extra="forbid")

    package: NonEmptyStr | None = None
    package_version: NonEmptyStr | None = None
    package_extras: NonEmptyStr | None = None
    python_version: PythonVersion | None = None
    pinned_package_versions: DictStrStr | None = None

    @field_validator("package", "package_version", "package_extras", mode="after")
    @classmethod
    def validate_commands(cls, value: str | None) -> str | None:
        """Reject shell metacharacters (after stripping)."""
        if value is not None:
            validate_cmd(value)
        return value

    @field_validator("pinned_package_versions", mode="after")
    @classmethod
    def validate_pinned_package_versions(
        cls, value: dict[str, str] | None
    ) -> dict[str, str] | None:
        """Reject shell metacharacters in every pinned name and version."""
        if value is not None:
            for name, version in value.items():
                validate_cmd(name)
                validate_cmd(version)
        return value


class TaskCollectCustomV2(BaseModel):
    """A custom collection request: a manifest plus an existing interpreter and package.

    Exactly one of ``package_root`` and ``package_name`` must be given; the check looks at the
    raw input, so ``package_root=""`` counts as given (and then fails as a path).
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
