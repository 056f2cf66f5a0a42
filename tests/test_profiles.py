"""Server-version profiles: the switch-point table, get_profile and the per-release namespaces.

The oracle suite (tests/oracle) proves the per-release models against the real releases; these
tests pin the table itself: each switch at the release where a value starts and the one before,
facts from the evolution notes written out independently of the table, the supported range
and its error, and the 2.14.5 namespace being ``pytest_taskcollect.schemas``.
"""

from __future__ import annotations

import dataclasses
import itertools
from enum import Enum
from typing import Any

import pytest
from pydantic import ValidationError

import pytest_taskcollect
import pytest_taskcollect.schemas as baseline_schemas
from pytest_taskcollect import (
    DEFAULT_SERVER_VERSION,
    ServerProfile,
    UnsupportedServerVersionError,
    get_profile,
    supported_server_versions,
)
from pytest_taskcollect.profiles import RELEASES, SWITCHES, YANKED_RELEASES, Switch
from pytest_taskcollect.profiles.switches import (
    AvailabilityCheck,
    CustomGroupVersion,
    ExecutableToken,
    LatestVersionLookup,
    LockfileField,
    LogDump,
    PinInstall,
    PinRendering,
    PythonVersionFormField,
)
from pytest_taskcollect.schemas.releases import (
    PathRules,
    PinFields,
    SchemaSwitches,
    UnsetFields,
    release_schemas,
)

PROFILE_ONLY_FIELDS = {"version", "yanked"}


def _step_pairs() -> list[tuple[Switch[Any], str, Any, Any]]:
    """(switch, first release of a value, that value, the value before) for every step."""
    pairs = []
    for switch in SWITCHES:
        for (_, before), (first, value) in itertools.pairwise(switch.steps):
            pairs.append((switch, first, value, before))
    return pairs


# --- the table --------------------------------------------------------------------------------


def test_profile_fields_are_exactly_the_switches() -> None:
    names = [switch.name for switch in SWITCHES]
    assert len(names) == len(set(names))
    fields = [field.name for field in dataclasses.fields(ServerProfile)]
    assert fields == ["version", "yanked", *names]


@pytest.mark.parametrize("switch", SWITCHES, ids=lambda switch: switch.name)
def test_switch_is_well_formed(switch: Switch[Any]) -> None:
    """Starts at 2.14.5, steps on releases in order, each step changes the value, documented."""
    firsts = switch.first_releases
    assert firsts[0] == DEFAULT_SERVER_VERSION
    assert all(first in RELEASES for first in firsts)
    assert [RELEASES.index(first) for first in firsts] == sorted(
        RELEASES.index(first) for first in firsts
    )
    values = [value for _, value in switch.steps]
    assert all(left != right for left, right in itertools.pairwise(values))
    assert switch.doc.strip()
    assert switch.source.strip()


@pytest.mark.parametrize(
    ("switch", "first", "value", "before"),
    _step_pairs(),
    ids=[f"{s.name}@{first}" for s, first, _, _ in _step_pairs()],
)
def test_switch_value_starts_at_its_release(
    switch: Switch[Any], first: str, value: Any, before: Any
) -> None:
    """At the first release of a value the profile has it; one release earlier, the old one."""
    previous = RELEASES[RELEASES.index(first) - 1]
    assert getattr(get_profile(first), switch.name) == value
    assert getattr(get_profile(previous), switch.name) == before


# Facts from the evolution notes, the changelog and the wheels, written out by hand (not read
# from the table): (release, switch, value).
FACTS: list[tuple[str, str, Any]] = [
    ("2.14.5", "pip_cap", "24.0"),
    ("2.15.7", "pip_cap", "24.0"),
    ("2.15.8", "pip_cap", "25.2"),
    ("2.15.9", "pip_cap", "25.2"),
    ("2.16.0", "pip_cap", None),
    ("2.26.0", "pip_cap", None),
    ("2.14.10", "pin_install_sequence", PinInstall.PRECHECK_THEN_QUOTED_LIST),
    ("2.14.11", "pin_install_sequence", PinInstall.WITH_PACKAGE),
    ("2.14.12", "pin_install_sequence", PinInstall.AFTER_PACKAGE),
    ("2.15.9", "pin_install_sequence", PinInstall.AFTER_PACKAGE),
    ("2.16.0", "pin_install_sequence", PinInstall.PRE_AND_POST),
    ("2.17.1", "pin_list_rendering", PinRendering.SPACE_JOINED),
    ("2.17.2", "pin_list_rendering", PinRendering.QUOTED_WORDS),
    ("2.15.9", "pin_fields", PinFields.SINGLE),
    ("2.16.0", "pin_fields", PinFields.PRE_POST),
    ("2.17.1", "pin_key_allowed_chars", ""),
    ("2.17.2", "pin_key_allowed_chars", "[]"),
    ("2.15.6", "python_versions", ("3.9", "3.10", "3.11", "3.12")),
    ("2.15.7", "python_versions", ("3.9", "3.10", "3.11", "3.12", "3.13")),
    ("2.17.0", "python_versions", ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")),
    ("2.25.2", "python_versions", ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")),
    ("2.25.3", "python_versions", ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15")),
    ("2.24.0", "python_version_form_field", PythonVersionFormField.PLAIN_STR),
    ("2.24.1", "python_version_form_field", PythonVersionFormField.TYPED_LITERAL),
    ("2.22.9", "python_availability_check", AvailabilityCheck.ALWAYS),
    ("2.22.10", "python_availability_check", AvailabilityCheck.EXPLICIT_ONLY),
    ("2.17.2", "absolute_path_rules", PathRules.ABSOLUTE),
    ("2.18.0", "absolute_path_rules", PathRules.ABSOLUTE_NO_DOTDOT_NORMALISED),
    ("2.14.5", "custom_group_version", CustomGroupVersion.NONE),
    ("2.14.6", "custom_group_version", CustomGroupVersion.FROM_REQUEST),
    ("2.23.0", "custom_group_version", CustomGroupVersion.FROM_REQUEST),
    ("2.23.1", "custom_group_version", CustomGroupVersion.REQUIRED),
    ("2.23.0", "version_required", False),
    ("2.23.1", "version_required", True),
    ("2.14.13", "task_type_enum", False),
    ("2.14.14", "task_type_enum", True),
    ("2.16.3", "latest_version_lookup", LatestVersionLookup.JSON_API_INFO_VERSION),
    ("2.16.4", "latest_version_lookup", LatestVersionLookup.SIMPLE_API_MAX),
    ("2.18.1", "venv_size_step", True),
    ("2.18.2", "venv_size_step", False),
    ("2.22.8", "writes_task_group_id_file", False),
    ("2.22.9", "writes_task_group_id_file", True),
    ("2.14.16", "executable_check_token", ExecutableToken.SECOND),
    ("2.15.0", "executable_check_token", ExecutableToken.LAST),
    ("2.15.9", "duplicate_note_prefix", "\nNote:"),
    ("2.16.0", "duplicate_note_prefix", "\nNote: "),
    ("2.22.12", "verifies_path_under_tasks_dir", False),
    ("2.22.13", "verifies_path_under_tasks_dir", True),
    ("2.15.0", "task_group_log_dump", LogDump.MODEL_ORDER_WITHOUT_ENV_INFO),
    ("2.16.0", "task_group_log_dump", LogDump.SORTED_WITHOUT_ENV_INFO),
    ("2.26.0", "task_group_log_dump", LogDump.SORTED_WITHOUT_ENV_INFO),
    ("2.19.4", "pixi_lockfile_form_field", LockfileField.NONE),
    ("2.20.0", "pixi_lockfile_form_field", LockfileField.BOOL),
    ("2.25.4", "pixi_lockfile_form_field", LockfileField.BOOL),
    ("2.26.0", "pixi_lockfile_form_field", LockfileField.LITERAL),
    ("2.25.2", "unset_fields", UnsetFields.NONE_DEFAULT),
    ("2.25.3", "unset_fields", UnsetFields.MISSING_SENTINEL),
    ("2.17.2", "schema_names_v2_suffix", True),
    ("2.18.0", "schema_names_v2_suffix", False),
    ("2.14.16", "uploaded_file_model", "WheelFile"),
    ("2.15.0", "uploaded_file_model", "FractalUploadedFile"),
]


@pytest.mark.parametrize(("release", "switch", "value"), FACTS)
def test_documented_facts(release: str, switch: str, value: Any) -> None:
    assert getattr(get_profile(release), switch) == value


def test_python_unavailable_messages() -> None:
    """The three wordings of the Python-availability error."""
    assert get_profile("2.16.6").python_unavailable("3.13") == (
        "Python version 3.13 is not available for Fractal task collection."
    )
    assert get_profile("2.17.0").python_unavailable("3.13") == (
        "Python version 3.13 is not available on this Fractal instance."
    )
    assert get_profile("2.22.10").python_unavailable("3.13") == (
        "Python version 3.13 is not available for this Fractal resource."
    )


def test_task_group_columns_lose_and_gain_fields() -> None:
    old, new = get_profile("2.14.5"), get_profile("2.26.0")
    assert {"wheel_path", "pip_freeze", "venv_size_in_kB"} <= set(old.task_group_columns)
    assert {"archive_path", "env_info", "resource_id", "pixi_version"} <= set(
        new.task_group_columns
    )
    assert not {"wheel_path", "pip_freeze", "venv_size_in_kB"} & set(new.task_group_columns)
    assert "source" in old.task_columns
    assert "source" not in new.task_columns
    assert new.activity_columns[-1] == "fractal_server_version"


# --- versions ---------------------------------------------------------------------------------


def test_supported_releases() -> None:
    versions = supported_server_versions()
    assert len(versions) == 85
    assert versions[0] == DEFAULT_SERVER_VERSION == "2.14.5"
    assert versions[-1] == "2.26.0"
    assert {"2.15.0", "2.22.1"} == YANKED_RELEASES
    assert get_profile("2.15.0").yanked
    assert not get_profile("2.15.1").yanked


def test_default_and_spelling() -> None:
    assert get_profile() is get_profile("2.14.5")
    assert get_profile(" v2.26.0 ") is get_profile("2.26.0")
    assert get_profile("2.26.0").version == "2.26.0"


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        ("2.14.4", "outside the supported range"),
        ("2.26.1", "outside the supported range"),
        ("3.0.0", "outside the supported range"),
        ("2.14.17", "not a fractal-server release"),
        ("2.18", "not a fractal-server release"),
        ("2.16.0a1", "pre-, post- or development release"),
        ("latest", "not a fractal-server version"),
        ("", "not a fractal-server version"),
        (2.14, "must be a string"),
    ],
)
def test_unsupported_versions(version: Any, reason: str) -> None:
    with pytest.raises(UnsupportedServerVersionError) as info:
        get_profile(version)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert reason in message
    assert "supported releases are 2.14.5 to 2.26.0" in message


# --- schemas ----------------------------------------------------------------------------------


def test_2_14_5_namespace_is_pytest_taskcollect_schemas() -> None:
    schemas = get_profile("2.14.5").schemas
    assert list(schemas.names) == list(baseline_schemas.__all__)
    for name in baseline_schemas.__all__:
        assert getattr(schemas, name) is getattr(baseline_schemas, name)
    assert schemas.pip_request is baseline_schemas.TaskCollectPipV2
    assert schemas.task_group_create_strict is baseline_schemas.TaskGroupCreateV2Strict


def test_2_14_5_enums_match_the_table() -> None:
    profile = get_profile("2.14.5")
    actions = tuple(member.value for member in baseline_schemas.TaskGroupActivityActionV2)
    assert actions == profile.activity_actions
    assert len(baseline_schemas.TaskGroupV2OriginEnum) == 3
    assert not profile.pixi_collection


def test_releases_that_agree_share_classes() -> None:
    """One class per distinct combination: 2.18.0 and 2.18.5 share every model, 2.14.6 shares
    2.14.5's request models (only its enums differ), 2.26.0 shares 2.25.3's."""
    assert get_profile("2.18.0").schemas is get_profile("2.18.5").schemas
    assert get_profile("2.25.3").schemas is get_profile("2.26.0").schemas
    newer = get_profile("2.14.6").schemas
    assert newer.pip_request is baseline_schemas.TaskCollectPipV2
    assert newer.origin_enum is not baseline_schemas.TaskGroupV2OriginEnum
    assert str(newer.origin_enum("pypi")) == "pypi"
    assert str(baseline_schemas.TaskGroupV2OriginEnum.PYPI) == "TaskGroupV2OriginEnum.PYPI"
    assert get_profile("2.17.2").schemas.manifest is get_profile("2.18.0").schemas.manifest


def test_release_names() -> None:
    old, new = get_profile("2.17.2").schemas, get_profile("2.18.0").schemas
    assert old.TaskCollectPipV2 is old.pip_request
    assert new.TaskCollectPip is new.pip_request
    assert new.TaskGroupOriginEnum is new.origin_enum
    assert new.FractalUploadedFile is new.uploaded_file
    with pytest.raises(AttributeError, match="'TaskCollectPipV2' is not a schema name"):
        _ = new.TaskCollectPipV2
    assert "TaskOutput" not in new.names


def test_2_26_0_rules() -> None:
    """A few of the newest rules, end to end (the oracle checks them against the server)."""
    schemas = get_profile("2.26.0").schemas
    request = schemas.pip_request.model_validate(
        {"package": "p", "python_version": "3.15", "pinned_package_versions_pre": {"a[x]": "1"}}
    )
    assert request.model_dump()["pinned_package_versions_pre"] == {"a[x]": "1"}
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        schemas.pip_request.model_validate({"package": "p", "pinned_package_versions": {}})
    task = schemas.task_create.model_validate(
        {"name": "n", "command_parallel": "c", "version": "1"}
    )
    assert "command_non_parallel" not in task.model_dump()
    assert isinstance(task.model_dump()["type"], Enum)
    with pytest.raises(ValidationError, match="Field required"):
        schemas.task_create.model_validate({"name": "n", "command_parallel": "c"})
    path = schemas.task_group_create_strict.model_validate(
        {
            "user_id": 1,
            "resource_id": 1,
            "origin": "pypi",
            "pkg_name": "x",
            "version": "1",
            "path": "/a/./b/",
            "venv_path": "/a/b/venv",
            "python_version": "3.12",
        }
    ).model_dump()["path"]
    assert path == "/a/b"


def test_builders_reproduce_2_14_5_for_its_values() -> None:
    """The namespace builder, given 2.14.5's switches, is 2.14.5's namespace (so the builders
    and the 2.14.5 classes cannot drift apart unnoticed)."""
    switches = get_profile("2.14.5").schema_switches
    assert release_schemas(switches) is get_profile("2.14.5").schemas
    assert set(SchemaSwitches.names()) <= {f.name for f in dataclasses.fields(ServerProfile)}


def test_public_api() -> None:
    for name in (
        "get_profile",
        "ServerProfile",
        "UnsupportedServerVersionError",
        "DEFAULT_SERVER_VERSION",
        "supported_server_versions",
    ):
        assert name in pytest_taskcollect.__all__
