"""The ``task_package`` factory: spec or preset name in, cached built package out.

It resolves a preset name, a ``PackagePreset`` or a ``TaskPackageSpec`` (plus field overrides)
to a spec, gets the wheel (or, for an sdist-only preset, the sdist) from the ``WheelCache``,
and links the artifact into the session's wheelhouse so that a ``--find-links`` directory holds
everything built so far.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import Any

from .build import BuildKind, BuiltWheel
from .cache import WheelCache
from .presets import PackagePreset, get_preset
from .spec import TaskPackageSpec

__all__ = ["TaskPackageFactory", "resolve_package"]


def resolve_package(
    spec_or_preset: TaskPackageSpec | PackagePreset | str, **overrides: Any
) -> tuple[TaskPackageSpec, BuildKind]:
    """The spec to build (with ``overrides`` applied to its fields) and the artifact kind."""
    preset = get_preset(spec_or_preset) if isinstance(spec_or_preset, str) else spec_or_preset
    if isinstance(preset, PackagePreset):
        spec, kind = preset.spec, preset.kind
    else:
        spec, kind = preset, "wheel"
    if overrides:
        spec = dataclasses.replace(spec, **overrides)
    return spec, kind


def _publish(artifact: Path, wheelhouse: Path) -> None:
    """Hard-link (or copy) ``artifact`` into ``wheelhouse`` atomically; a later package with the
    same file name replaces the earlier one."""
    target = wheelhouse / artifact.name
    if target.exists() and os.path.samefile(artifact, target):
        return
    staging = wheelhouse / f".{artifact.name}.{os.getpid()}.tmp"
    staging.unlink(missing_ok=True)
    try:
        os.link(artifact, staging)
    except OSError:
        shutil.copy2(artifact, staging)
    os.replace(staging, target)


class TaskPackageFactory:
    """``factory(spec_or_preset_name, **overrides) -> BuiltWheel`` over a ``WheelCache``."""

    def __init__(self, cache: WheelCache, wheelhouse: Path) -> None:
        self.cache = cache
        self.wheelhouse = wheelhouse

    def __call__(
        self, spec_or_preset: TaskPackageSpec | PackagePreset | str, /, **overrides: Any
    ) -> BuiltWheel:
        spec, kind = resolve_package(spec_or_preset, **overrides)
        built = self.cache.get(spec, kind)
        _publish(built.path, self.wheelhouse)
        return built
