"""Wheel-filename parsing and package-name helpers (spec §4 and its table of odd cases)."""

from __future__ import annotations

import logging

import pytest

from pytest_taskcollect.schemas.names import (
    LaxWheelName,
    check_wheel_filename,
    compare_package_names,
    normalize_package_name,
    parse_wheel_filename,
    parse_wheel_filename_strict,
)


@pytest.mark.parametrize(
    ("filename", "distribution", "version"),
    [
        ("pkg-1.0-py3-none-any.whl", "pkg", "1.0"),
        ("pkg-1.0.whl", "pkg", "1.0.whl"),
        ("pkg-1.0-1-py3-none-any.whl", "pkg", "1.0"),
        ("My.Pkg_Name-2.0rc1-py3-none-any.whl", "My.Pkg_Name", "2.0rc1"),
        ("a-", "a", ""),
        ("-1.0", "", "1.0"),
        ("pkg-1.0.tar.gz", "pkg", "1.0.tar.gz"),
        ("fractal_tasks_mock-0.0.1-py3-none-any (2).whl", "fractal_tasks_mock", "0.0.1"),
    ],
)
def test_lax_parsing_matches_the_server_table(
    filename: str, distribution: str, version: str
) -> None:
    assert parse_wheel_filename(filename) == LaxWheelName(distribution, version)


@pytest.mark.parametrize("filename", ["something", "something.whl", ""])
def test_lax_parsing_rejects_names_without_a_dash(filename: str) -> None:
    expected = f"Invalid wheel_filename='{filename}'. Original error: list index out of range."
    with pytest.raises(ValueError, match="list index out of range") as info:
        parse_wheel_filename(filename)
    assert str(info.value) == expected


def test_lax_parsing_rejects_a_path() -> None:
    with pytest.raises(ValueError, match="Input must be a filename, not a full path") as info:
        parse_wheel_filename("/tmp/something.whl")
    assert str(info.value) == (
        "[_parse_wheel_filename] Input must be a filename, not a full path "
        "(given: /tmp/something.whl)."
    )


def test_strict_parsing_reads_a_real_wheel_name() -> None:
    parsed = parse_wheel_filename_strict("My.Pkg_Name-2.0rc1-1-py3-none-any.whl")
    assert parsed.name == "my-pkg-name"
    assert parsed.version == "2.0rc1"
    assert parsed.build_tag == "1"
    assert parsed.tags == frozenset({"py3-none-any"})


@pytest.mark.parametrize(
    "filename",
    ["pkg-1.0.tar.gz", "pkg-1.0.whl", "a-", "fractal_tasks_mock-0.0.1-py3-none-any (2).whl"],
)
def test_check_reports_names_the_server_accepts_but_are_not_wheels(filename: str) -> None:
    check = check_wheel_filename(filename)
    assert check.lax is not None
    assert check.strict is None
    assert check.strict_error is not None
    assert "not a valid wheel filename (PEP 427)" in check.strict_error
    assert check.server_accepts_non_wheel


def test_check_reports_version_disagreement_for_build_tags_and_normal_wheels() -> None:
    assert not check_wheel_filename("pkg-1.0-py3-none-any.whl").versions_disagree
    assert not check_wheel_filename("pkg-1.0-py3-none-any.whl").server_accepts_non_wheel
    # The server keeps the raw version text; PEP 440 normalises it.
    assert check_wheel_filename("pkg-1.0RC1-py3-none-any.whl").versions_disagree


def test_check_reports_a_name_both_reject() -> None:
    check = check_wheel_filename("something")
    assert check.lax is None
    assert check.lax_error is not None
    assert check.strict is None
    assert not check.server_accepts_non_wheel


@pytest.mark.parametrize(
    "name",
    [
        "friendly-bard",
        "Friendly-Bard",
        "FRIENDLY-BARD",
        "friendly.bard",
        "friendly_bard",
        "friendly--bard",
        "FrIeNdLy-._.-bArD",
    ],
)
def test_normalize_package_name(name: str) -> None:
    assert normalize_package_name(name) == "friendly-bard"


def test_normalize_keeps_other_characters() -> None:
    assert normalize_package_name("FrAcTaL_TaSkS_NoN_CaNoNiCaL") == "fractal-tasks-non-canonical"
    assert normalize_package_name("x y") == "x y"


def test_compare_equal_names_is_silent(caplog: pytest.LogCaptureFixture) -> None:
    assert compare_package_names("pkg", "pkg") is None
    assert caplog.records == []


def test_compare_names_equal_after_normalisation_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="collect"):
        warning = compare_package_names(
            "FrAcTaL-TaSkS-NoN-CaNoNiCaL", "fractal-tasks-non-canonical", "collect"
        )
    assert warning == (
        "Package name mismatch: pkg_name_task_group='fractal-tasks-non-canonical', "
        "pkg_name_pip_show='FrAcTaL-TaSkS-NoN-CaNoNiCaL'."
    )
    assert [r.getMessage() for r in caplog.records] == [warning]


def test_compare_different_names_raises(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ValueError, match="Package name mismatch persists") as info:
        compare_package_names("other", "pkg")
    assert str(info.value) == (
        "Package name mismatch persists, after normalization: "
        "pkg_name_task_group='pkg', pkg_name_pip_show='other'."
    )
    assert [r.levelname for r in caplog.records] == ["WARNING", "ERROR"]
    assert "Package name mismatc" in caplog.records[0].getMessage()
