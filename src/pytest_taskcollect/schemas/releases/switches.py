"""The schema-relevant behaviour switches: what a release's models look like, as plain values.

``SchemaSwitches`` is the part of a server profile (``pytest_taskcollect.profiles``) that decides
the request, task and task-group models. The profile's switch-point table says at which release
each value starts and why; this module only names the values, so that the schema builders do
not depend on the profiles package (profiles sit on top of schemas, not the other way round).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum

__all__ = ["PathRules", "PinFields", "RecordNames", "SchemaSwitches", "UnsetFields"]


class PinFields(Enum):
    """How a pip request names its pinned versions."""

    SINGLE = "pinned_package_versions"
    """One dict, installed after the package (2.14.5 to 2.15.9)."""
    PRE_POST = "pinned_package_versions_pre/_post"
    """Two dicts, installed before and after the package (2.16.0 on)."""


class PathRules(Enum):
    """What ``AbsolutePathStr`` checks and stores."""

    ABSOLUTE = "absolute, kept as given"
    """``os.path.isabs`` only; ``/a/./b/`` is stored as given (2.14.5 to 2.17.2)."""
    ABSOLUTE_NO_DOTDOT_NORMALISED = "absolute, no '..', os.path.normpath"
    """A ``..`` part is rejected, the rest is ``os.path.normpath``-ed (2.18.0 on)."""


class RecordNames(Enum):
    """Names of the task group's upload and environment fields."""

    WHEEL_PATH_PIP_FREEZE = "wheel_path, pip_freeze"
    ARCHIVE_PATH_ENV_INFO = "archive_path, env_info"


class UnsetFields(Enum):
    """How optional-but-not-nullable fields (task commands, task-group paths...) behave."""

    NONE_DEFAULT = "default None, explicit None rejected, dumped as null"
    """``X = None`` without ``Optional``: leaving the field out gives ``None`` (dumped as
    ``null``), passing ``None`` fails with ``string_type``."""
    MISSING_SENTINEL = "pydantic MISSING: left out of dumps, explicit None rejected"
    """``X | MISSING = MISSING`` (2.25.3 on): an unset field is absent from ``model_dump`` and
    from the JSON schema's defaults; passing ``None`` still fails with ``string_type``."""


@dataclass(frozen=True)
class SchemaSwitches:
    """The switches that shape one release's schema models (hashable: builders cache on it).

    Field names are the profile switch names; see ``pytest_taskcollect.profiles.switches`` for
    what each one changes, where it starts and the source.
    """

    schema_names_v2_suffix: bool
    uploaded_file_model: str
    str_enums: bool
    task_type_enum: bool
    pixi_collection: bool
    activity_actions: tuple[str, ...]
    record_field_names: RecordNames
    pin_fields: PinFields
    pin_key_allowed_chars: str
    python_versions: tuple[str, ...]
    absolute_path_rules: PathRules
    task_group_resource_id: bool
    version_required: bool
    unset_fields: UnsetFields

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The switch names this record takes from a profile."""
        return tuple(field.name for field in fields(cls))
