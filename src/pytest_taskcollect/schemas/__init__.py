"""Schema models faithful to fractal-server 2.14.5's task-collection schemas.

Class names, fields, defaults, validators and error messages are those of fractal-server
2.14.5 (``fractal_server.app.schemas.v2`` and ``fractal_server.types``), so a value these
models accept is one the server accepts. See ``../shared/reference`` spec §1.

The models of the later releases (2.14.6 to 2.26.0) are built from the same bases by
``schemas.releases``; reach them through ``pytest_taskcollect.get_profile(version).schemas``.
"""

from ._string_tools import NOT_ALLOWED_FOR_COMMANDS, validate_cmd
from ._types import (
    AbsolutePathStr,
    DictStrAny,
    DictStrStr,
    HttpUrlStr,
    ListUniqueNonEmptyString,
    NonEmptyStr,
    TypeFilters,
)
from .manifest import ManifestV2, TaskManifestV2, TaskType
from .task import TaskCreateV2
from .task_collection import PythonVersion, TaskCollectCustomV2, TaskCollectPipV2, WheelFile
from .task_group import (
    TaskGroupActivityActionV2,
    TaskGroupActivityStatusV2,
    TaskGroupCreateV2,
    TaskGroupCreateV2Strict,
    TaskGroupV2OriginEnum,
)
from .task_interface import (
    InitArgsModel,
    InitTaskOutput,
    SingleImageTaskOutput,
    TaskOutput,
    TaskOutputValidationError,
    cast_and_validate_init_task_output,
    cast_and_validate_task_output,
)

__all__ = [
    "NOT_ALLOWED_FOR_COMMANDS",
    "AbsolutePathStr",
    "DictStrAny",
    "DictStrStr",
    "HttpUrlStr",
    "InitArgsModel",
    "InitTaskOutput",
    "ListUniqueNonEmptyString",
    "ManifestV2",
    "NonEmptyStr",
    "PythonVersion",
    "SingleImageTaskOutput",
    "TaskCollectCustomV2",
    "TaskCollectPipV2",
    "TaskCreateV2",
    "TaskGroupActivityActionV2",
    "TaskGroupActivityStatusV2",
    "TaskGroupCreateV2",
    "TaskGroupCreateV2Strict",
    "TaskGroupV2OriginEnum",
    "TaskManifestV2",
    "TaskOutput",
    "TaskOutputValidationError",
    "TaskType",
    "TypeFilters",
    "WheelFile",
    "cast_and_validate_init_task_output",
    "cast_and_validate_task_output",
    "validate_cmd",
]
