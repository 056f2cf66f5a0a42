"""The switch-point table: every collection behaviour that changed between 2.14.5 and 2.26.0.

Each ``Switch`` names one behaviour, says what it changes and where that is in the server, and
lists its values with the release where each value starts (the first step is always 2.14.5).
A ``ServerProfile`` is nothing but this table evaluated at one release; nothing else in the
package compares version numbers. Sources: the fractal-server changelog and pull requests
(``#NNNN``), and the released wheels compared file by file ("wheels"). 2.24.3, 2.24.4, 2.25.1,
2.25.2 and 2.25.4 changed nothing in collection (wheels); 2.25.0 moved the database models from
SQLModel to SQLAlchemy without a visible collection change (see ``task_group_log_dump``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from packaging.version import Version

from ..schemas.releases import PathRules, PinFields, RecordNames, UnsetFields

__all__ = [
    "SWITCHES",
    "AvailabilityCheck",
    "ConfigurationStyle",
    "CustomGroupVersion",
    "EmptyExtras",
    "ExecutableToken",
    "LatestVersionLookup",
    "LockfileField",
    "LogDump",
    "PathRules",
    "PathUniqueness",
    "PinFields",
    "PinInstall",
    "PinOrder",
    "PinRendering",
    "PipShowStyle",
    "PythonVersionFormField",
    "RecordNames",
    "Switch",
    "UnsetFields",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Switch(Generic[T]):
    """One behaviour: its values, each with the first release that has it (oldest first)."""

    name: str
    doc: str
    source: str
    steps: tuple[tuple[str, T], ...]

    def value_at(self, release: str) -> T:
        """The value in force at ``release`` (a supported release string)."""
        at = Version(release)
        value = self.steps[0][1]
        for first, step_value in self.steps:
            if Version(first) <= at:
                value = step_value
        return value

    @property
    def first_releases(self) -> tuple[str, ...]:
        """The releases where a value starts, oldest first (``2.14.5`` first)."""
        return tuple(first for first, _ in self.steps)


class PinInstall(Enum):
    """How the pip path installs pinned versions (template ``2_pip_install.sh``)."""

    PRECHECK_THEN_QUOTED_LIST = "pip show each pin, then pip install one quoted argument"
    """After the package: ``pip show <name>`` per pin (fails if not installed), then
    ``pip install "$PINNED_PACKAGE_LIST"`` as one argument (two pins: Invalid requirement)."""
    WITH_PACKAGE = "pins unquoted in the package's own pip install"
    """``pip install "$INSTALL_STRING" $PINNED_PACKAGE_LIST`` (no pre-check)."""
    AFTER_PACKAGE = "a separate unquoted pip install after the package"
    """``pip install $PINNED_PACKAGE_LIST`` after the package; skipped when empty."""
    PRE_AND_POST = "pre-pins, package, post-pins"
    """``pip install $PRE`` / package / ``pip install $POST``, each pin step skipped when empty
    (``SKIP installing pre-pinned versions  (empty list)``, two spaces)."""


class PinRendering(Enum):
    """How the pin list is written into the install script."""

    SPACE_JOINED = "a==1 b==2"
    QUOTED_WORDS = '"a==1" "b==2"'
    """Each pin in literal double quotes, substituted inside ``VAR="..."``: bash reads one
    unquoted word, so a pin value with whitespace runs a command (evolution notes §1.3)."""


class PinOrder(Enum):
    """The order of pins in the install command."""

    REQUEST = "as in the request (JSON column)"
    JSONB = "JSONB key order: shorter names first, then bytewise"


class PythonVersionFormField(Enum):
    """How the pip endpoint reads ``python_version`` from the form."""

    PLAIN_STR = "a str; a bad value fails TaskCollectPip: 422 'Invalid request-body\\n...'"
    TYPED_LITERAL = "the PythonVersion Literal; a bad value is FastAPI's list-style 422"


class AvailabilityCheck(Enum):
    """When the endpoint checks that the requested Python is configured."""

    ALWAYS = "always: the explicit version, or the default when none is given"
    EXPLICIT_ONLY = "only when the request names a version"


class CustomGroupVersion(Enum):
    """The ``version`` of a task group made by custom collection."""

    NONE = "always None"
    FROM_REQUEST = "the request's optional version"
    REQUIRED = "the request's version, which is required"


class LatestVersionLookup(Enum):
    """How a pip request without a version finds the package's latest version."""

    JSON_API_INFO_VERSION = "GET /pypi/<raw name>/json, info.version"
    """The index's own choice: final releases first, yanked releases skipped."""
    SIMPLE_API_MAX = "GET /simple/<normalised name>/ (JSON), max(versions)"
    """``max(versions, key=Version)``: a pre-release or a yanked release may be latest."""


class EmptyExtras(Enum):
    """What ``pip_extras == ""`` installs."""

    EMPTY_BRACKETS = "pkg[]"
    NO_EXTRAS = "pkg"


class ExecutableToken(Enum):
    """Which whitespace token of a task command must be an existing file."""

    SECOND = "the second token (<python> <file>)"
    LAST = "the last token (also fits the pixi wrapper)"


class PathUniqueness(Enum):
    """How the pip endpoint refuses a task-group path that another group already has."""

    ANOTHER_TASK_GROUP = "Another task-group already has path=<p>.\\n<conflicting_task_group=...>"
    OTHER_TASK_GROUPS = "Other TaskGroups already have path='<p>': [<ids>]."
    DATABASE_INDEX = "the raw IntegrityError of ix_taskgroupv2_path_unique_constraint (422)"


class ConfigurationStyle(Enum):
    """Where an instance configures collection."""

    ENV_SETTINGS = "FRACTAL_TASKS_DIR, FRACTAL_TASKS_PYTHON_*, FRACTAL_PIP_CACHE_DIR..."
    RESOURCE = "a Resource: tasks_local_dir, tasks_python_config{default_version, versions...}"


class LogDump(Enum):
    """How the background task logs the task group (``task_group.<key>: <value>`` lines)."""

    MODEL_ORDER = "every column in model order, pip_freeze included"
    MODEL_ORDER_WITHOUT_ENV_INFO = "every column in model order but env_info"
    SORTED_WITHOUT_ENV_INFO = "every column but env_info, sorted by name"


class PipShowStyle(Enum):
    """How script ``4_pip_show.sh`` reads the package's metadata."""

    PER_FIELD = "pip show printed to the log, then one pip show per field (5 calls)"
    ONCE_CAPTURED = "one captured pip show (not printed), plus pip show --files"


class LockfileField(Enum):
    """The pixi endpoint's ``use_pixi_lockfile`` form field."""

    NONE = "no field; pixi install never gets --frozen"
    BOOL = "use_pixi_lockfile: bool = Form(True); --frozen when true"
    LITERAL = 'use_pixi_lockfile: Literal["true", "false"] = Form("true")'


_PYTHON_3_12 = ("3.9", "3.10", "3.11", "3.12")
_TASK_GROUP_COLUMNS_2_14_5 = (
    "id", "user_id", "user_group_id", "origin", "pkg_name", "version", "python_version", "path",
    "wheel_path", "pip_extras", "pinned_package_versions", "pip_freeze", "venv_path",
    "venv_size_in_kB", "venv_file_number", "active", "timestamp_created", "timestamp_last_used",
)  # fmt: skip
_TASK_GROUP_COLUMNS_2_15_0 = (
    "id", "user_id", "user_group_id", "origin", "pkg_name", "version", "python_version",
    "pixi_version", "path", "archive_path", "pip_extras", "pinned_package_versions", "env_info",
    "venv_path", "venv_size_in_kB", "venv_file_number", "active", "timestamp_created",
    "timestamp_last_used",
)  # fmt: skip
_TASK_GROUP_COLUMNS_2_16_0 = tuple(
    pin
    for column in _TASK_GROUP_COLUMNS_2_15_0
    for pin in (
        ("pinned_package_versions_pre", "pinned_package_versions_post")
        if column == "pinned_package_versions"
        else (column,)
    )
)
_TASK_GROUP_COLUMNS_2_17_0 = tuple(
    name
    for column in _TASK_GROUP_COLUMNS_2_16_0
    for name in ((column, "resource_id") if column == "user_group_id" else (column,))
)
_TASK_GROUP_COLUMNS_2_18_2 = tuple(
    column
    for column in _TASK_GROUP_COLUMNS_2_17_0
    if column not in ("venv_size_in_kB", "venv_file_number")
)
_TASK_COLUMNS_2_14_5 = (
    "id", "name", "type", "command_non_parallel", "command_parallel", "source",
    "meta_non_parallel", "meta_parallel", "version", "args_schema_non_parallel",
    "args_schema_parallel", "args_schema_version", "docs_info", "docs_link", "input_types",
    "output_types", "taskgroupv2_id", "category", "modality", "authors", "tags",
)  # fmt: skip
_TASK_COLUMNS_2_19_0 = tuple(c for c in _TASK_COLUMNS_2_14_5 if c != "source")
_ACTIVITY_COLUMNS_2_14_5 = (
    "id", "user_id", "taskgroupv2_id", "timestamp_started", "pkg_name", "version", "status",
    "action", "log", "timestamp_ended",
)  # fmt: skip

SWITCHES: tuple[Switch[Any], ...] = (
    # --- names and request models ------------------------------------------------------------
    Switch(
        "schema_names_v2_suffix",
        "Schema class names end in V2 (TaskCollectPipV2, TaskGroupV2OriginEnum...); 2.18.0 drops "
        "the suffix everywhere, with no aliases (TaskCollectPip, TaskGroupOriginEnum...).",
        "#3037",
        (("2.14.5", True), ("2.18.0", False)),
    ),
    Switch(
        "uploaded_file_model",
        "Name of the model carrying an uploaded file (same fields: filename, contents).",
        "#2627",
        (("2.14.5", "WheelFile"), ("2.15.0", "FractalUploadedFile")),
    ),
    Switch(
        "str_enums",
        "Task-group enums are StrEnum, so str(member) and f-strings give the value instead of "
        "'ClassName.MEMBER' (2.14.5: str, Enum).",
        "2.14.6 changelog; wheels",
        (("2.14.5", False), ("2.14.6", True)),
    ),
    Switch(
        "task_type_enum",
        "A task's `type` is the TaskType StrEnum instead of a Literal: a bad manifest type "
        "fails with error type 'enum' instead of 'literal_error' (same message), and a "
        "TaskCreate stores enum members.",
        "#2612; wheels",
        (("2.14.5", False), ("2.14.14", True)),
    ),
    Switch(
        "pixi_collection",
        "POST /api/v2/task/collect/pixi/ exists; origin 'pixi' and the task-group column "
        "`pixi_version` come with it.",
        "#2627, #2651, #2652, #2654",
        (("2.14.5", False), ("2.15.0", True)),
    ),
    Switch(
        "activity_actions",
        "Task-group activity actions: 2.16.0 makes deletion a lifecycle action ('delete'), "
        "2.22.10 adds the admin 'reset'.",
        "#2759, #3314",
        (
            ("2.14.5", ("collect", "deactivate", "reactivate")),
            ("2.16.0", ("collect", "deactivate", "reactivate", "delete")),
            ("2.22.10", ("collect", "deactivate", "reactivate", "delete", "reset")),
        ),
    ),
    Switch(
        "record_field_names",
        "Task-group fields for the uploaded archive and the environment: wheel_path/pip_freeze "
        "become archive_path/env_info (env_info is not in API responses).",
        "#2627",
        (
            ("2.14.5", RecordNames.WHEEL_PATH_PIP_FREEZE),
            ("2.15.0", RecordNames.ARCHIVE_PATH_ENV_INFO),
        ),
    ),
    Switch(
        "pin_fields",
        "Pin fields of the pip request, form and task group: one pinned_package_versions, or "
        "pinned_package_versions_pre and _post. A form still sending the old name to >= 2.16.0 "
        "is silently ignored (FastAPI reads declared fields only).",
        "#2761",
        (("2.14.5", PinFields.SINGLE), ("2.16.0", PinFields.PRE_POST)),
    ),
    Switch(
        "pin_key_allowed_chars",
        "Characters that validate_cmd allows in a pinned package name (for extras: 'pkg[x]'); "
        "never in the pinned version.",
        "#3000",
        (("2.14.5", ""), ("2.17.2", "[]")),
    ),
    Switch(
        "python_versions",
        "Python versions the request's python_version Literal accepts (whether one is "
        "available is the instance's configuration).",
        "#2716, #2965; wheels (3.15 in 2.25.3)",
        (
            ("2.14.5", _PYTHON_3_12),
            ("2.15.7", (*_PYTHON_3_12, "3.13")),
            ("2.17.0", (*_PYTHON_3_12, "3.13", "3.14")),
            ("2.25.3", (*_PYTHON_3_12, "3.13", "3.14", "3.15")),
        ),
    ),
    Switch(
        "absolute_path_rules",
        "AbsolutePathStr (python_interpreter, package_root, task-group paths): from 2.18.0 a "
        "'..' part fails with \"String must not contain '/../'.\" and the path is stored "
        "os.path.normpath-ed ('/a/./b/' becomes '/a/b').",
        "#3031, #3050",
        (("2.14.5", PathRules.ABSOLUTE), ("2.18.0", PathRules.ABSOLUTE_NO_DOTDOT_NORMALISED)),
    ),
    Switch(
        "task_group_resource_id",
        "TaskGroupCreate requires resource_id (right after user_id); duplicate and path checks "
        "are per resource.",
        "#2809",
        (("2.14.5", False), ("2.17.0", True)),
    ),
    Switch(
        "version_required",
        "`version` is required (NonEmptyStr) in TaskCollectCustom and TaskCreate, and a plain "
        "required str in TaskGroupCreate; before, it was optional.",
        "#3357",
        (("2.14.5", False), ("2.23.1", True)),
    ),
    Switch(
        "unset_fields",
        "TaskCreate's command_parallel/command_non_parallel/args_schema_version and "
        "TaskGroupCreate's optional strings and paths become `X | MISSING = MISSING`: unset, "
        "they are left out of model_dump (the stored row still gets NULL from the column "
        "default) and have no default in the JSON schema; an explicit None still fails with "
        "string_type. check_task_files_exist compares with MISSING.",
        "wheels (2.25.3)",
        (("2.14.5", UnsetFields.NONE_DEFAULT), ("2.25.3", UnsetFields.MISSING_SENTINEL)),
    ),
    # --- the pip endpoint ----------------------------------------------------------------------
    Switch(
        "python_version_form_field",
        "How the pip endpoint's form reads python_version.",
        "#3397",
        (
            ("2.14.5", PythonVersionFormField.PLAIN_STR),
            ("2.24.1", PythonVersionFormField.TYPED_LITERAL),
        ),
    ),
    Switch(
        "python_availability_check",
        "When the endpoint checks that the Python version is configured on the instance.",
        "routes/aux/_python_interpreter.py (2.22.10)",
        (("2.14.5", AvailabilityCheck.ALWAYS), ("2.22.10", AvailabilityCheck.EXPLICIT_ONLY)),
    ),
    Switch(
        "python_unavailable_message",
        "The 422 detail for an unavailable Python version ({version} is the version).",
        "#2953; 2.22.10",
        (
            ("2.14.5", "Python version {version} is not available for Fractal task collection."),
            ("2.17.0", "Python version {version} is not available on this Fractal instance."),
            ("2.22.10", "Python version {version} is not available for this Fractal resource."),
        ),
    ),
    Switch(
        "latest_version_lookup",
        "How a pip request without package_version gets the latest version from the index; "
        "error messages unchanged, plus 'Cannot find latest version (original error: ...).' "
        "from 2.16.4.",
        "#2790",
        (
            ("2.14.5", LatestVersionLookup.JSON_API_INFO_VERSION),
            ("2.16.4", LatestVersionLookup.SIMPLE_API_MAX),
        ),
    ),
    Switch(
        "empty_extras",
        "What pip_extras == '' installs.",
        "2.22.10 (pip_install_string)",
        (("2.14.5", EmptyExtras.EMPTY_BRACKETS), ("2.22.10", EmptyExtras.NO_EXTRAS)),
    ),
    Switch(
        "duplicate_note_prefix",
        "Text before 'There exists another task group...' in the duplicate-group 422s.",
        "2.16.0",
        (("2.14.5", "\nNote:"), ("2.16.0", "\nNote: ")),
    ),
    Switch(
        "path_uniqueness",
        "How a task-group path already in use is refused.",
        "#2643, #3185",
        (
            ("2.14.5", PathUniqueness.ANOTHER_TASK_GROUP),
            ("2.15.0", PathUniqueness.OTHER_TASK_GROUPS),
            ("2.20.0", PathUniqueness.DATABASE_INDEX),
        ),
    ),
    Switch(
        "verifies_path_under_tasks_dir",
        "The pip and pixi endpoints call verify_url_is_relative_to(base=<tasks dir>, "
        "url=<group path>), a bare ValueError (\"url='<p>' is not relative to base='<b>'\", "
        "an HTTP 500).",
        "#3342, #3344",
        (("2.14.5", False), ("2.22.13", True)),
    ),
    Switch(
        "configuration_style",
        "Where the instance's collection settings come from.",
        "#2809",
        (("2.14.5", ConfigurationStyle.ENV_SETTINGS), ("2.17.0", ConfigurationStyle.RESOURCE)),
    ),
    Switch(
        "custom_group_version",
        "The version stored on a custom-collected task group (duplicates are checked on "
        "(label, version)).",
        "#2573, #3357",
        (
            ("2.14.5", CustomGroupVersion.NONE),
            ("2.14.6", CustomGroupVersion.FROM_REQUEST),
            ("2.23.1", CustomGroupVersion.REQUIRED),
        ),
    ),
    # --- the pip install ------------------------------------------------------------------------
    Switch(
        "pip_cap",
        "Upper bound of the pip upgrade in step 2 (FRACTAL_MAX_PIP_VERSION), or None: from "
        "2.16.0 step 2 is `pip install pip setuptools --upgrade`.",
        "#2752, #2766",
        (("2.14.5", "24.0"), ("2.15.8", "25.2"), ("2.16.0", None)),
    ),
    Switch(
        "pin_install_sequence",
        "Where and how pins are installed.",
        "#2590, #2599, #2600, #2761",
        (
            ("2.14.5", PinInstall.PRECHECK_THEN_QUOTED_LIST),
            ("2.14.11", PinInstall.WITH_PACKAGE),
            ("2.14.12", PinInstall.AFTER_PACKAGE),
            ("2.16.0", PinInstall.PRE_AND_POST),
        ),
    ),
    Switch(
        "pin_list_rendering",
        "How the pin list is written into the script (a pin with whitespace: split into pip "
        "arguments 2.14.11-2.17.1, run as a command from 2.17.2).",
        "#3000 (_create_dependency_string)",
        (("2.14.5", PinRendering.SPACE_JOINED), ("2.17.2", PinRendering.QUOTED_WORDS)),
    ),
    Switch(
        "pin_order",
        "Order of the pins in the install command: the pin columns are JSONB from 2.15.0 (and "
        "stay so in 2.15.1), and the background task reloads the group from the database.",
        "#2627; wheels",
        (("2.14.5", PinOrder.REQUEST), ("2.15.0", PinOrder.JSONB)),
    ),
    Switch(
        "task_schema_columns_jsonb",
        "TaskV2.meta_* and args_schema_* are stored as JSONB, which reorders their keys; only "
        "in the yanked 2.15.0 (reverted in 2.15.1).",
        "#2663; wheels",
        (("2.14.5", False), ("2.15.0", True), ("2.15.1", False)),
    ),
    Switch(
        "pip_show_style",
        "How script 4 runs pip show.",
        "#2811",
        (("2.14.5", PipShowStyle.PER_FIELD), ("2.17.0", PipShowStyle.ONCE_CAPTURED)),
    ),
    Switch(
        "venv_size_step",
        "Script 5 measures the venv (venv_size_in_kB, venv_file_number); gone in 2.18.2, when "
        "6_pip_install_from_freeze.sh becomes 5_pip_install_from_freeze.sh.",
        "#3075",
        (("2.14.5", True), ("2.18.2", False)),
    ),
    Switch(
        "template_shebang",
        "Every script template starts with #!/bin/bash.",
        "#2986",
        (("2.14.5", False), ("2.17.2", True)),
    ),
    Switch(
        "writes_task_group_id_file",
        "Right after mkdir, collection writes the group id into <path>/fractal_task_group_id.txt.",
        "#3308",
        (("2.14.5", False), ("2.22.9", True)),
    ),
    Switch(
        "executable_check_token",
        "check_task_files_exist: which token of each command must be an existing file.",
        "2.15.0 (wheels)",
        (("2.14.5", ExecutableToken.SECOND), ("2.15.0", ExecutableToken.LAST)),
    ),
    # --- the stored record and the log ---------------------------------------------------------
    Switch(
        "task_group_columns",
        "TaskGroupV2 columns in model order (the 2.14.5-2.15.9 log dump follows this order).",
        "#2627, #2761, #2809, #3075; wheels",
        (
            ("2.14.5", _TASK_GROUP_COLUMNS_2_14_5),
            ("2.15.0", _TASK_GROUP_COLUMNS_2_15_0),
            ("2.16.0", _TASK_GROUP_COLUMNS_2_16_0),
            ("2.17.0", _TASK_GROUP_COLUMNS_2_17_0),
            ("2.18.2", _TASK_GROUP_COLUMNS_2_18_2),
        ),
    ),
    Switch(
        "task_columns",
        "TaskV2 columns in model order: `source` dropped in 2.19.0, `is_core` added in 2.23.4.",
        "#3147, #3360; wheels",
        (
            ("2.14.5", _TASK_COLUMNS_2_14_5),
            ("2.19.0", _TASK_COLUMNS_2_19_0),
            ("2.23.4", (*_TASK_COLUMNS_2_19_0, "is_core")),
        ),
    ),
    Switch(
        "activity_columns",
        "TaskGroupActivityV2 columns: fractal_server_version (the server's version; not in "
        "TaskGroupActivityRead) from 2.19.0.",
        "#3161",
        (
            ("2.14.5", _ACTIVITY_COLUMNS_2_14_5),
            ("2.19.0", (*_ACTIVITY_COLUMNS_2_14_5, "fractal_server_version")),
        ),
    ),
    Switch(
        "task_group_log_dump",
        "The DEBUG lines 'task_group.<key>: <value>' at the start of collection. 2.25.0 dumps "
        "with orm_model_to_dict instead of SQLModel.model_dump; the group is freshly loaded "
        "from the database, so every column is there and the lines are unchanged.",
        "wheels (2.15.0, 2.16.0, 2.25.0)",
        (
            ("2.14.5", LogDump.MODEL_ORDER),
            ("2.15.0", LogDump.MODEL_ORDER_WITHOUT_ENV_INFO),
            ("2.16.0", LogDump.SORTED_WITHOUT_ENV_INFO),
        ),
    ),
    # --- pixi -----------------------------------------------------------------------------------
    Switch(
        "pixi_lockfile_form_field",
        "The pixi endpoint's use_pixi_lockfile form field (before 2.20.0 --frozen is never used).",
        "#3230; wheels (2.26.0)",
        (
            ("2.14.5", LockfileField.NONE),
            ("2.20.0", LockfileField.BOOL),
            ("2.26.0", LockfileField.LITERAL),
        ),
    ),
    Switch(
        "pixi_version_unavailable_message",
        "The pixi endpoint's 422 detail for a pixi version the instance does not configure "
        "({version} is the version, {versions} the list of configured versions).",
        "wheels (2.15.0, 2.17.0)",
        (
            ("2.14.5", "Pixi version {version} is not available. Available versions: {versions}"),
            (
                "2.17.0",
                "Pixi version '{version}' is not available. Available versions: {versions}",
            ),
        ),
    ),
    Switch(
        "pixi_cache_dir_setting",
        "PIXI_CACHE_DIR is Profile.pixi_cache_dir or <PIXI_HOME>/cache, logged ('Setting "
        "PIXI_CACHE_DIR to ...') and passed to pixi_2_install.sh as a variable (before: "
        "always <PIXI_HOME>/cache, set inside the script).",
        "#3266",
        (("2.14.5", False), ("2.22.0", True)),
    ),
    Switch(
        "pixi_simplifies_pyproject",
        "Before pixi install, source_dir/pyproject.toml keeps one platform and one environment "
        "and loses [tool.pixi.tasks].",
        "#2696",
        (("2.14.5", False), ("2.15.4", True)),
    ),
    Switch(
        "pixi_wrapper_exports_pythonnousersite",
        "The pixi project's Python wrapper exports PYTHONNOUSERSITE=1.",
        "#3315",
        (("2.14.5", False), ("2.22.10", True)),
    ),
)
"""The switch-point table, in the order ``ServerProfile`` lists its fields."""
