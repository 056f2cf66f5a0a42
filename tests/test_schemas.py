"""Schema models against every model case of spec §5.3, plus the quirks spec §1 records.

Each table row is one input and what fractal-server 2.14.5 does with it: the stored value, or
the error's location and message. The oracle suite (tests/oracle) checks the same models against
the real server on generated inputs; these tests pin the cases the server's own tests pin.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from pytest_taskcollect.schemas import (
    ManifestV2,
    TaskCollectCustomV2,
    TaskCollectPipV2,
    TaskCreateV2,
    TaskGroupActivityActionV2,
    TaskGroupActivityStatusV2,
    TaskGroupCreateV2,
    TaskGroupCreateV2Strict,
    TaskGroupV2OriginEnum,
    TaskManifestV2,
    WheelFile,
)

EMPTY_MANIFEST = {"manifest_version": "2", "task_list": []}


def errors_of(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Validate ``data`` and return the ``(loc, msg)`` of every error (fails if it validates)."""
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return [(tuple(error["loc"]), error["msg"]) for error in info.value.errors()]


def single_error(model: type[BaseModel], data: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
    (error,) = errors_of(model, data)
    return error


# --- TaskCollectPipV2 -------------------------------------------------------------------------


def test_pip_request_strips_values_and_pin_keys() -> None:
    request = TaskCollectPipV2(
        package="  package  ",
        package_version="  1.2.3  ",
        pinned_package_versions={"    a      ": "1.0.0"},
    )
    assert request.package == "package"
    assert request.package_version == "1.2.3"
    assert request.pinned_package_versions == {"a": "1.0.0"}
    assert TaskCollectPipV2(package="x").pinned_package_versions is None


@pytest.mark.parametrize(
    ("pins", "message"),
    [
        (
            {";maliciouscmd": "1.0.0"},
            "Value error, Command must not contain any of this characters",
        ),
        ({"pkg": ";maliciouscmd"}, "Value error, Command must not contain any of this characters"),
        (
            {" a ": "1.0.0", "a": "2.0.0"},
            "Value error, Dictionary contains multiple identical keys",
        ),
        ({" ": "1.0.0"}, "Value error, Empty string in ['']."),
        ({"pkg": "  "}, "String should have at least 1 character"),
        ({"pkg[extra]": "1.0"}, "Value error, Command must not contain"),
    ],
)
def test_pip_request_rejects_bad_pins(pins: dict[str, str], message: str) -> None:
    loc, msg = errors_of(TaskCollectPipV2, {"package": "x", "pinned_package_versions": pins})[0]
    assert loc[0] == "pinned_package_versions"
    assert msg.startswith(message)


@pytest.mark.parametrize(
    ("field", "value"),
    [("package", "; rm x"), ("package_version", "; rm x"), ("package_extras", "]; rm x; [")],
)
def test_pip_request_rejects_shell_characters(field: str, value: str) -> None:
    loc, msg = single_error(TaskCollectPipV2, {field: value})
    assert loc == (field,)
    assert "must not contain" in msg
    assert msg.endswith(f"\nProvided command: '{value}'.")


@pytest.mark.parametrize(
    ("data", "loc", "msg"),
    [
        ({"package": "pkg[extra]"}, ("package",), "Value error, Command must not contain"),
        ({"package_version": ">=1.0"}, ("package_version",), "Value error, Command must not"),
        ({"package": ""}, ("package",), "String should have at least 1 character"),
        ({"package": 3}, ("package",), "Input should be a valid string"),
        (
            {"python_version": "3.13"},
            ("python_version",),
            "Input should be '3.9', '3.10', '3.11' or '3.12'",
        ),
        (
            {"python_version": ""},
            ("python_version",),
            "Input should be '3.9', '3.10', '3.11' or '3.12'",
        ),
        (
            {"pinned_package_versions": [1, 2]},
            ("pinned_package_versions",),
            "Input should be a valid dictionary",
        ),
        ({"foo": "bar"}, ("foo",), "Extra inputs are not permitted"),
    ],
)
def test_pip_request_errors(data: dict[str, Any], loc: tuple[str, ...], msg: str) -> None:
    actual_loc, actual_msg = single_error(TaskCollectPipV2, data)
    assert actual_loc == loc
    assert actual_msg.startswith(msg)


@pytest.mark.parametrize(
    "data",
    [
        {"package": "x"},
        {"package": "/tmp/x.whl"},
        {"package": "x", "package_extras": "a,b"},
        {"package": "x", "package_version": "1.2"},
        {"python_version": "3.9"},
        {},
    ],
)
def test_pip_request_accepts(data: dict[str, Any]) -> None:
    assert TaskCollectPipV2.model_validate(data).model_dump(exclude_unset=True) == data


# --- TaskCollectCustomV2 ----------------------------------------------------------------------


def custom(**fields: Any) -> dict[str, Any]:
    return {"manifest": EMPTY_MANIFEST, "python_interpreter": "/some/python", "label": "l"} | fields


def test_custom_request_strips_paths() -> None:
    request = TaskCollectCustomV2.model_validate(
        custom(python_interpreter="  /some/python   ", package_root="  /somewhere  ")
    )
    assert request.python_interpreter == "/some/python"
    assert request.package_root == "/somewhere"
    assert request.package_name is None


@pytest.mark.parametrize(
    ("fields", "loc", "msg"),
    [
        (
            {"package_name": "inject;code"},
            ("package_name",),
            "Value error, Command must not contain",
        ),
        (
            {"python_interpreter": "a", "package_root": "/r"},
            ("python_interpreter",),
            "Value error, String must be an absolute path (given 'a').",
        ),
        (
            {"package_root": "non_absolute_path"},
            ("package_root",),
            "Value error, String must be an absolute path (given 'non_absolute_path').",
        ),
        (
            {},
            (),
            "Value error, One and only one must be set between 'package_root' and 'package_name'",
        ),
        (
            {"package_root": "/r", "package_name": "n"},
            (),
            "Value error, One and only one must be set between 'package_root' and 'package_name'",
        ),
        ({"package_root": ""}, ("package_root",), "String should have at least 1 character"),
        (
            {"package_root": "/r", "label": "  "},
            ("label",),
            "String should have at least 1 character",
        ),
    ],
)
def test_custom_request_errors(fields: dict[str, Any], loc: tuple[str, ...], msg: str) -> None:
    actual_loc, actual_msg = errors_of(TaskCollectCustomV2, custom(**fields))[0]
    assert actual_loc == loc
    assert actual_msg.startswith(msg)


def test_custom_request_accepts_quotes_and_odd_paths() -> None:
    assert TaskCollectCustomV2.model_validate(custom(package_name='a"b')).package_name == 'a"b'
    request = TaskCollectCustomV2.model_validate(
        custom(python_interpreter="/p(1)/python", package_root="/a/../b/")
    )
    assert request.python_interpreter == "/p(1)/python"
    assert request.package_root == "/a/../b/"


# --- TaskGroupCreateV2 / Strict ---------------------------------------------------------------

STRICT_OK = {
    "path": "/a",
    "venv_path": "/b",
    "version": "/c",
    "python_version": "/d",
    "origin": "wheel-file",
    "wheel_path": "/a",
    "pkg_name": "x",
    "user_id": 1,
}


def test_strict_task_group_accepts_the_upstream_example() -> None:
    group = TaskGroupCreateV2Strict.model_validate(STRICT_OK)
    assert group.origin is TaskGroupV2OriginEnum.WHEELFILE
    assert group.active is True
    assert group.pinned_package_versions == {}


@pytest.mark.parametrize("field", ["path", "venv_path"])
def test_strict_task_group_requires_absolute_paths(field: str) -> None:
    loc, msg = single_error(TaskGroupCreateV2Strict, STRICT_OK | {field: "relative"})
    assert loc == (field,)
    assert "absolute path" in msg


@pytest.mark.parametrize("field", ["path", "venv_path", "version", "python_version"])
def test_strict_task_group_requires_fields(field: str) -> None:
    data = {key: value for key, value in STRICT_OK.items() if key != field}
    assert single_error(TaskGroupCreateV2Strict, data) == ((field,), "Field required")
    TaskGroupCreateV2.model_validate(data)


@pytest.mark.parametrize(
    ("field", "value", "msg"),
    [
        ("pip_extras", "", "String should have at least 1 character"),
        ("pip_extras", None, "Input should be a valid string"),
        ("python_version", None, "Input should be a valid string"),
        ("wheel_path", "x.whl", "Value error, String must be an absolute path (given 'x.whl')."),
        ("origin", "local", "Input should be 'pypi', 'wheel-file' or 'other'"),
        ("user_id", "one", "Input should be a valid integer, unable to parse string as an integer"),
    ],
)
def test_task_group_field_errors(field: str, value: Any, msg: str) -> None:
    data = {"user_id": 1, "origin": "other", "pkg_name": "x"} | {field: value}
    assert single_error(TaskGroupCreateV2, data) == ((field,), msg)


def test_task_group_keeps_pkg_name_raw() -> None:
    group = TaskGroupCreateV2(user_id=1, origin=TaskGroupV2OriginEnum.OTHER, pkg_name="  ")
    assert group.pkg_name == "  "


def test_enums_hold_the_servers_values() -> None:
    assert [e.value for e in TaskGroupV2OriginEnum] == ["pypi", "wheel-file", "other"]
    assert [e.value for e in TaskGroupActivityStatusV2] == ["pending", "ongoing", "failed", "OK"]
    assert [e.value for e in TaskGroupActivityActionV2] == ["collect", "deactivate", "reactivate"]


def test_wheel_file_ignores_extra_fields() -> None:
    wheel = WheelFile.model_validate({"filename": "a.whl", "contents": b"x", "size": 1})
    assert wheel.model_dump() == {"filename": "a.whl", "contents": b"x"}


# --- TaskManifestV2 ---------------------------------------------------------------------------

SCHEMA = {"properties": {}}


@pytest.mark.parametrize(
    "task",
    [
        {"name": "p", "executable_parallel": "p.py"},
        {"name": "np", "executable_non_parallel": "np.py"},
        {"name": "c", "executable_parallel": "p.py", "executable_non_parallel": "np.py"},
        {"name": "d", "executable_parallel": "p.py", "docs_link": "https://url.com"},
        {"name": "", "executable_parallel": "p.py", "category": "", "tags": ["a", "a"]},
        {"name": "t", "executable_parallel": "p.py", "type": "non_parallel"},
        {"name": "u", "executable_parallel": "p.py", "unknown_key": 1},
    ],
)
def test_manifest_task_accepts(task: dict[str, Any]) -> None:
    TaskManifestV2.model_validate(task)


@pytest.mark.parametrize(
    ("task", "msg"),
    [
        (
            {"name": "t"},
            "Value error, `TaskManifestV2.executable_non_parallel` and "
            "`TaskManifestV2.executable_parallel` cannot be both None.",
        ),
        (
            {"name": "t", "executable_parallel": "p.py", "meta_non_parallel": {"a": 1}},
            "Value error, `TaskManifestV2.meta_non_parallel` must be an empty dict if "
            "`TaskManifestV2.executable_non_parallel` is None. Given: {'a': 1}.",
        ),
        (
            {"name": "t", "executable_parallel": "p.py", "args_schema_non_parallel": SCHEMA},
            "Value error, `TaskManifestV2.args_schema_non_parallel` must be None if "
            "`TaskManifestV2.executable_non_parallel` is None. Given: {'properties': {}}.",
        ),
        (
            {"name": "t", "executable_non_parallel": "np.py", "meta_parallel": {"a": 1}},
            "Value error, `TaskManifestV2.meta_parallel` must be an empty dict if "
            "`TaskManifestV2.executable_parallel` is None. Given: {'a': 1}.",
        ),
        (
            {"name": "t", "executable_non_parallel": "np.py", "args_schema_parallel": SCHEMA},
            "Value error, `TaskManifestV2.args_schema_parallel` must be None if "
            "`TaskManifestV2.executable_parallel` is None. Given: {'properties': {}}.",
        ),
    ],
)
def test_manifest_task_executable_rules(task: dict[str, Any], msg: str) -> None:
    assert single_error(TaskManifestV2, task) == ((), msg)


@pytest.mark.parametrize(
    ("link", "msg"),
    [
        ("not-an-url", "Input should be a valid URL, relative URL without a base"),
        ("www.example.org", "Input should be a valid URL, relative URL without a base"),
        ("ftp://x.org", "URL scheme should be 'http' or 'https'"),
        ("https://", "Input should be a valid URL, empty host"),
    ],
)
def test_manifest_task_docs_link(link: str, msg: str) -> None:
    task = {"name": "t", "executable_parallel": "p.py", "docs_link": link}
    assert single_error(TaskManifestV2, task) == (("docs_link",), msg)


def test_manifest_task_keeps_docs_link_as_given() -> None:
    task = TaskManifestV2(name="t", executable_parallel="p", docs_link="  https://URL.com  ")
    assert task.docs_link == "https://URL.com"


def test_manifest_task_type_literal() -> None:
    task = {"name": "t", "executable_parallel": "p.py", "type": "serial"}
    assert single_error(TaskManifestV2, task) == (
        ("type",),
        "Input should be 'compound', 'converter_compound', 'non_parallel', "
        "'converter_non_parallel' or 'parallel'",
    )


def test_manifest_task_meta_keys_are_stripped_and_moved_to_the_end() -> None:
    task = TaskManifestV2(
        name="t", executable_non_parallel="np", meta_non_parallel={" b ": 1, "a": 2}
    )
    assert list(task.meta_non_parallel.items()) == [("a", 2), ("b", 1)]


# --- ManifestV2 -------------------------------------------------------------------------------

COMPOUND_BOTH = {
    "name": "compound",
    "executable_parallel": "p.py",
    "executable_non_parallel": "np.py",
    "args_schema_parallel": SCHEMA,
    "args_schema_non_parallel": SCHEMA,
}
PARALLEL_WITH_SCHEMA = {"name": "p", "executable_parallel": "p.py", "args_schema_parallel": SCHEMA}
NON_PARALLEL_WITH_SCHEMA = {
    "name": "np",
    "executable_non_parallel": "np.py",
    "args_schema_non_parallel": SCHEMA,
}


def manifest(*tasks: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"manifest_version": "2", "task_list": list(tasks)} | fields


def test_manifest_accepts_empty_and_complete_lists() -> None:
    ManifestV2.model_validate(manifest())
    ManifestV2.model_validate(
        manifest(
            COMPOUND_BOTH, PARALLEL_WITH_SCHEMA, NON_PARALLEL_WITH_SCHEMA, has_args_schemas=True
        )
    )


@pytest.mark.parametrize("version", ["1", "9999", 2, None])
def test_manifest_version_must_be_the_string_2(version: Any) -> None:
    data = {"manifest_version": version, "task_list": []}
    assert single_error(ManifestV2, data) == (("manifest_version",), "Input should be '2'")


def drop(task: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in task.items() if key not in keys}


@pytest.mark.parametrize(
    ("task", "missing"),
    [
        (drop(COMPOUND_BOTH, "args_schema_non_parallel"), "args_schema_non_parallel"),
        (drop(COMPOUND_BOTH, "args_schema_parallel"), "args_schema_parallel"),
        (
            drop(COMPOUND_BOTH, "args_schema_parallel", "args_schema_non_parallel"),
            "args_schema_parallel",
        ),
        (drop(PARALLEL_WITH_SCHEMA, "args_schema_parallel"), "args_schema_parallel"),
        (drop(NON_PARALLEL_WITH_SCHEMA, "args_schema_non_parallel"), "args_schema_non_parallel"),
    ],
)
def test_manifest_with_args_schemas_requires_them(task: dict[str, Any], missing: str) -> None:
    loc, msg = single_error(ManifestV2, manifest(task, has_args_schemas=True))
    assert loc == ()
    assert msg == (
        f"Value error, Manifest has has_args_schemas=True, but task '{task['name']}' "
        f"has task.{missing}=None."
    )


def test_manifest_task_names_must_be_unique_raw() -> None:
    task = {"name": "a", "executable_parallel": "p.py"}
    loc, msg = single_error(ManifestV2, manifest(task, task))
    assert loc == ()
    assert (
        msg == "Value error, ('Task names in manifest must be unique.\\n', \"Given: ['a', 'a'].\")"
    )
    ManifestV2.model_validate(manifest(task, task | {"name": " a"}))


def test_manifest_authors_is_stripped_and_non_empty() -> None:
    assert ManifestV2.model_validate(manifest(authors="  me ")).authors == "me"
    assert single_error(ManifestV2, manifest(authors="  ")) == (
        ("authors",),
        "String should have at least 1 character",
    )


def test_manifest_ignores_unknown_keys() -> None:
    assert ManifestV2.model_validate(manifest(extra_key=True)).task_list == []


# --- TaskCreateV2 -----------------------------------------------------------------------------


def test_task_create_minimal_and_extra_field() -> None:
    TaskCreateV2(name="name", command_parallel="cmd")
    assert single_error(TaskCreateV2, {"name": "n", "command_parallel": "c", "foo": 1}) == (
        ("foo",),
        "Extra inputs are not permitted",
    )


def test_task_create_needs_a_command() -> None:
    assert single_error(TaskCreateV2, {"name": "name"}) == (
        (),
        "Value error, Task must have at least one valid command (parallel and/or non_parallel)",
    )


@pytest.mark.parametrize("types", [{"": True}, {"    ": True}, {"a": True, "  a   ": False}])
def test_task_create_rejects_bad_type_keys(types: dict[str, bool]) -> None:
    loc, _ = single_error(
        TaskCreateV2, {"name": "n", "command_parallel": "c", "input_types": types}
    )
    assert loc == ("input_types",)


def test_task_create_strips_type_keys() -> None:
    task = TaskCreateV2(name="n", command_parallel="c", input_types={"    a": True})
    assert task.input_types == {"a": True}


@pytest.mark.parametrize(
    ("fields", "loc", "msg"),
    [
        ({"category": ""}, ("category",), "String should have at least 1 character"),
        ({"modality": " "}, ("modality",), "String should have at least 1 character"),
        ({"name": "  "}, ("name",), "String should have at least 1 character"),
        ({"tags": [" a", "a"]}, ("tags",), "Value error, List has repetitions"),
        ({"input_types": {"": True}}, ("input_types",), "Value error, Empty string in ['']."),
        (
            {"output_types": {"a": "maybe"}},
            ("output_types", "a"),
            "Input should be a valid boolean, unable to interpret input",
        ),
        ({"args_schema_version": None}, ("args_schema_version",), "Input should be a valid string"),
        ({"version": None}, ("version",), "Input should be a valid string"),
        (
            {"command_non_parallel": None},
            ("command_non_parallel",),
            "Input should be a valid string",
        ),
        (
            {"docs_link": "www.example.org"},
            ("docs_link",),
            "Input should be a valid URL, relative URL without a base",
        ),
    ],
)
def test_task_create_rejects_what_the_manifest_accepted(
    fields: dict[str, Any], loc: tuple[Any, ...], msg: str
) -> None:
    data = {"name": "n", "command_parallel": "/py /root/p.py"} | fields
    assert single_error(TaskCreateV2, data) == (loc, msg)


def test_task_create_rejects_shell_characters_in_commands() -> None:
    command = "/py/bin/python /root/pkg/x(1).py"
    loc, msg = single_error(TaskCreateV2, {"name": "n", "command_non_parallel": command})
    assert loc == ()
    assert msg.startswith("Value error, Command must not contain any of this characters: '{")
    assert msg.endswith(f"\nProvided command: '{command}'.")


@pytest.mark.parametrize(
    ("commands", "expected"),
    [
        ({"command_parallel": "p"}, "parallel"),
        ({"command_non_parallel": "np"}, "non_parallel"),
        ({"command_parallel": "p", "command_non_parallel": "np"}, "compound"),
    ],
)
def test_task_create_infers_a_missing_type(
    commands: dict[str, str], expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        task = TaskCreateV2.model_validate({"name": "n"} | commands)
    assert task.type == expected
    assert "Task type is not set for task 'n'" in caplog.text


def test_task_create_never_infers_converters_and_keeps_declared_types() -> None:
    task = TaskCreateV2(name="n", command_parallel="p", type="non_parallel")
    assert task.type == "non_parallel"
    task = TaskCreateV2(name="n", command_non_parallel="p", type="converter_non_parallel")
    assert task.type == "converter_non_parallel"


def test_task_create_lax_booleans_and_stripped_tags() -> None:
    task = TaskCreateV2(
        name=" n ", command_parallel="c", output_types={"a": "yes"}, tags=[" x ", "y"]
    )
    assert task.name == "n"
    assert task.output_types == {"a": True}
    assert task.tags == ["x", "y"]
