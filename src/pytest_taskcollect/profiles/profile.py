"""``ServerProfile``: the switch-point table evaluated at one fractal-server release."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..schemas.releases import (
    PathRules,
    PinFields,
    RecordNames,
    ReleaseSchemas,
    SchemaSwitches,
    UnsetFields,
    release_schemas,
)
from .releases import DEFAULT_SERVER_VERSION, YANKED_RELEASES, normalise_release
from .switches import (
    SWITCHES,
    AvailabilityCheck,
    ConfigurationStyle,
    CustomGroupVersion,
    EmptyExtras,
    ExecutableToken,
    LatestVersionLookup,
    LockfileField,
    LogDump,
    PathUniqueness,
    PinInstall,
    PinOrder,
    PinRendering,
    PipShowStyle,
    PythonVersionFormField,
)

__all__ = ["ServerProfile", "get_profile"]


@dataclass(frozen=True)
class ServerProfile:
    """How one fractal-server release collects tasks: one attribute per switch.

    Every attribute but ``version`` and ``yanked`` is the value of the switch of that name in
    ``pytest_taskcollect.profiles.switches.SWITCHES``, which documents it (what it changes,
    the release where each value starts, the source). Get one with ``get_profile``.
    """

    version: str
    yanked: bool
    # names and request models
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
    # the pip endpoint
    python_version_form_field: PythonVersionFormField
    python_availability_check: AvailabilityCheck
    python_unavailable_message: str
    latest_version_lookup: LatestVersionLookup
    empty_extras: EmptyExtras
    duplicate_note_prefix: str
    path_uniqueness: PathUniqueness
    verifies_path_under_tasks_dir: bool
    configuration_style: ConfigurationStyle
    custom_group_version: CustomGroupVersion
    # the pip install
    pip_cap: str | None
    pin_install_sequence: PinInstall
    pin_list_rendering: PinRendering
    pin_order: PinOrder
    task_schema_columns_jsonb: bool
    pip_show_style: PipShowStyle
    venv_size_step: bool
    template_shebang: bool
    writes_task_group_id_file: bool
    executable_check_token: ExecutableToken
    # the stored record and the log
    task_group_columns: tuple[str, ...]
    task_columns: tuple[str, ...]
    activity_columns: tuple[str, ...]
    task_group_log_dump: LogDump
    # pixi
    pixi_lockfile_form_field: LockfileField
    pixi_version_unavailable_message: str
    pixi_cache_dir_setting: bool
    pixi_simplifies_pyproject: bool
    pixi_wrapper_exports_pythonnousersite: bool

    @property
    def schema_switches(self) -> SchemaSwitches:
        """The switches that shape this release's schema models."""
        return SchemaSwitches(**{name: getattr(self, name) for name in SchemaSwitches.names()})

    @property
    def schemas(self) -> ReleaseSchemas:
        """This release's schema models, by role and by the release's own names.

        For 2.14.5 the names and objects are those of ``pytest_taskcollect.schemas``.
        """
        return release_schemas(self.schema_switches)

    def python_unavailable(self, version: str) -> str:
        """The release's 422 detail for an unavailable Python ``version``."""
        return self.python_unavailable_message.format(version=version)

    def pixi_version_unavailable(self, version: str, versions: list[str]) -> str:
        """The release's 422 detail for a pixi ``version`` not among ``versions``."""
        return self.pixi_version_unavailable_message.format(version=version, versions=versions)


@cache
def _profile(release: str) -> ServerProfile:
    values = {switch.name: switch.value_at(release) for switch in SWITCHES}
    return ServerProfile(version=release, yanked=release in YANKED_RELEASES, **values)


def get_profile(version: str = DEFAULT_SERVER_VERSION) -> ServerProfile:
    """The profile of fractal-server ``version`` (default 2.14.5).

    ``UnsupportedServerVersionError`` (a ``ValueError``) for anything but a release from
    2.14.5 to 2.26.0; its message gives the range.
    """
    return _profile(normalise_release(version))
