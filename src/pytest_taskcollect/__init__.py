"""pytest-taskcollect: test Fractal task packages the way fractal-server 2.14.5 collects them.

The schema models live in :mod:`pytest_taskcollect.schemas` (same names as fractal-server's);
wheel-filename and package-name rules in :mod:`pytest_taskcollect.names`.
"""

__version__ = "0.1.0"

from .names import (
    check_wheel_filename,
    compare_package_names,
    normalize_package_name,
    parse_wheel_filename,
    parse_wheel_filename_strict,
)
from .schemas import (
    ManifestV2,
    TaskCollectCustomV2,
    TaskCollectPipV2,
    TaskCreateV2,
    TaskManifestV2,
)

__all__ = [
    "ManifestV2",
    "TaskCollectCustomV2",
    "TaskCollectPipV2",
    "TaskCreateV2",
    "TaskManifestV2",
    "__version__",
    "check_wheel_filename",
    "compare_package_names",
    "normalize_package_name",
    "parse_wheel_filename",
    "parse_wheel_filename_strict",
]
