"""pytest-taskcollect: test Fractal task packages the way fractal-server collects them.

The default is fractal-server 2.14.5, whose schema models live in
:mod:`pytest_taskcollect.schemas` (same names as fractal-server's); wheel-filename and
package-name rules in :mod:`pytest_taskcollect.schemas.names`. ``get_profile(version)`` gives
any release from 2.14.5 to 2.26.0: its behaviour switches and its models (``.schemas``).
"""

__version__ = "0.1.0"

import pytest

from .checks import WheelCheckReport, WheelProblem, check_wheel_collectable
from .collection import (
    CollectedTaskGroup,
    CollectionError,
    CollectionResult,
    CollectionSettings,
    ConfigurationError,
    PixiSettings,
    PixiUnavailableError,
    RequestModelError,
    TaskGroupRecord,
    collect_custom,
    collect_pip,
    collect_pip_form,
    collect_pixi,
)
from .collection.run_task import TaskRunError, TaskRunResult, run_task
from .factory import (
    BROKEN_PACKAGES,
    HOSTILE_WHEELS,
    PATCH_DELETE,
    BuiltWheel,
    FrozenMap,
    HostileWheel,
    NotAProjectError,
    PackagePreset,
    ProjectBuildError,
    ServerOutcome,
    TaskArg,
    TaskPackageFactory,
    TaskPackageSpec,
    TaskSpec,
    WheelCache,
    broken_package_names,
    build_hostile_wheel,
    build_project_wheel,
    build_task_sdist,
    build_task_wheel,
    fractal_tasks_mock_spec,
    get_hostile_wheel,
    get_preset,
    hostile_wheel_names,
    preset_names,
    write_task_project,
)
from .profiles import (
    DEFAULT_SERVER_VERSION,
    ServerProfile,
    UnsupportedServerVersionError,
    get_profile,
    supported_server_versions,
)
from .schemas import (
    ManifestV2,
    TaskCollectCustomV2,
    TaskCollectPipV2,
    TaskCreateV2,
    TaskManifestV2,
)
from .schemas.names import (
    check_wheel_filename,
    compare_package_names,
    normalize_package_name,
    parse_wheel_filename,
    parse_wheel_filename_strict,
)

# Registered before the import: the helpers' plain asserts get pytest's assertion rewriting.
pytest.register_assert_rewrite("pytest_taskcollect.checks.assertions")
from .checks.assertions import (  # noqa: E402
    assert_collection_failed,
    assert_collection_ok,
    assert_manifest_up_to_date,
    assert_manifest_valid,
    assert_task_output,
    assert_tasks_equal,
    assert_tasks_start,
    assert_wheel_collectable,
)

__all__ = [
    "BROKEN_PACKAGES",
    "DEFAULT_SERVER_VERSION",
    "HOSTILE_WHEELS",
    "PATCH_DELETE",
    "BuiltWheel",
    "CollectedTaskGroup",
    "CollectionError",
    "CollectionResult",
    "CollectionSettings",
    "ConfigurationError",
    "FrozenMap",
    "HostileWheel",
    "ManifestV2",
    "NotAProjectError",
    "PackagePreset",
    "PixiSettings",
    "PixiUnavailableError",
    "ProjectBuildError",
    "RequestModelError",
    "ServerOutcome",
    "ServerProfile",
    "TaskArg",
    "TaskCollectCustomV2",
    "TaskCollectPipV2",
    "TaskCreateV2",
    "TaskGroupRecord",
    "TaskManifestV2",
    "TaskPackageFactory",
    "TaskPackageSpec",
    "TaskRunError",
    "TaskRunResult",
    "TaskSpec",
    "UnsupportedServerVersionError",
    "WheelCache",
    "WheelCheckReport",
    "WheelProblem",
    "__version__",
    "assert_collection_failed",
    "assert_collection_ok",
    "assert_manifest_up_to_date",
    "assert_manifest_valid",
    "assert_task_output",
    "assert_tasks_equal",
    "assert_tasks_start",
    "assert_wheel_collectable",
    "broken_package_names",
    "build_hostile_wheel",
    "build_project_wheel",
    "build_task_sdist",
    "build_task_wheel",
    "check_wheel_collectable",
    "check_wheel_filename",
    "collect_custom",
    "collect_pip",
    "collect_pip_form",
    "collect_pixi",
    "compare_package_names",
    "fractal_tasks_mock_spec",
    "get_hostile_wheel",
    "get_preset",
    "get_profile",
    "hostile_wheel_names",
    "normalize_package_name",
    "parse_wheel_filename",
    "parse_wheel_filename_strict",
    "preset_names",
    "run_task",
    "supported_server_versions",
    "write_task_project",
]
