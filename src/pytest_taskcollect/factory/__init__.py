"""The wheel factory: declarative task-package specs in, real wheels and sdists out.

Modules: ``spec`` (``TaskSpec``, ``TaskPackageSpec``), ``manifest`` (the manifest and args
schemas a spec implies), ``task_script`` (the stdlib task executables), ``build`` (a spec to a
project folder, then a wheel or sdist through ``build``), ``cache`` (the persistent, content-keyed
``WheelCache``), ``presets`` (the mock package and the broken catalogue), ``hostile`` (the
hostile-wheel catalogue, written byte by byte with ``raw_zip``), ``project`` (the wheel of a
real project folder) and ``package_factory`` (the ``task_package`` fixture's factory).
"""

from .build import BuiltWheel, build_task_sdist, build_task_wheel, write_task_project
from .cache import WheelCache
from .hostile import (
    HOSTILE_WHEELS,
    HostileWheel,
    build_hostile_wheel,
    get_hostile_wheel,
    hostile_wheel_names,
)
from .package_factory import TaskPackageFactory
from .presets import (
    BROKEN_PACKAGES,
    PackagePreset,
    ServerOutcome,
    broken_package_names,
    fractal_tasks_mock_spec,
    get_preset,
    preset_names,
)
from .project import NotAProjectError, ProjectBuildError, build_project_wheel
from .spec import PATCH_DELETE, FrozenMap, TaskArg, TaskPackageSpec, TaskSpec

__all__ = [
    "BROKEN_PACKAGES",
    "HOSTILE_WHEELS",
    "PATCH_DELETE",
    "BuiltWheel",
    "FrozenMap",
    "HostileWheel",
    "NotAProjectError",
    "PackagePreset",
    "ProjectBuildError",
    "ServerOutcome",
    "TaskArg",
    "TaskPackageFactory",
    "TaskPackageSpec",
    "TaskSpec",
    "WheelCache",
    "broken_package_names",
    "build_hostile_wheel",
    "build_project_wheel",
    "build_task_sdist",
    "build_task_wheel",
    "fractal_tasks_mock_spec",
    "get_hostile_wheel",
    "get_preset",
    "hostile_wheel_names",
    "preset_names",
    "write_task_project",
]
