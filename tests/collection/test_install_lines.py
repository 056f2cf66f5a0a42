"""How bash reads the install script's user-controlled lines, release by release (no bash is
run: the expectations are bash's documented word splitting and quote removal)."""

from __future__ import annotations

import pytest

from pytest_taskcollect import get_profile
from pytest_taskcollect.collection.install_lines import hazards, jsonb_order, pin_lists
from pytest_taskcollect.collection.pip_request import TaskGroupPlan
from pytest_taskcollect.collection.shell_reading import read_assignment
from pytest_taskcollect.profiles.switches import EmptyExtras
from pytest_taskcollect.schemas import TaskGroupV2OriginEnum


@pytest.mark.parametrize(
    ("text", "value", "commands"),
    [
        ("a==1 b==2", "a==1 b==2", ()),
        ('"a==1" "b==2"', "a==1 b==2", ()),
        ('"numpy==1.26 touch /tmp/x"', "", (("touch", "/tmp/x"),)),
        ('numpy==1.26" touch /tmp/x "', "", (("touch", "/tmp/x", ""),)),
        ('"numpy==1.26\ntouch /tmp/x"', "numpy==1.26", (("touch", "/tmp/x"),)),
        ("a==1'b", "a==1'b", ()),
    ],
)
def test_read_assignment(text: str, value: str, commands: tuple[tuple[str, ...], ...]) -> None:
    reading = read_assignment("VAR", text)
    assert (reading.value, reading.commands, reading.unterminated) == (value, commands, False)


def test_unclosed_quote() -> None:
    assert read_assignment("VAR", '"a==1\'b"').unterminated


def test_jsonb_key_order() -> None:
    pins = {"numpy": "1", "pip": "2", "b": "3", "aa": "4", "ab": "5"}
    assert list(jsonb_order(pins)) == ["b", "aa", "ab", "pip", "numpy"]


@pytest.mark.parametrize(
    ("release", "variables", "lines", "text"),
    [
        ("2.14.5", ["PINNED_PACKAGE_LIST"], [11], "b==2 a==1"),
        ("2.15.0", ["PINNED_PACKAGE_LIST"], [11], "a==1 b==2"),
        ("2.16.0", ["PINNED_PACKAGE_LIST_PRE", "PINNED_PACKAGE_LIST_POST"], [11, 12], "a==1 b==2"),
        (
            "2.17.2",
            ["PINNED_PACKAGE_LIST_PRE", "PINNED_PACKAGE_LIST_POST"],
            [13, 14],
            '"a==1" "b==2"',
        ),
    ],
)
def test_pin_lists_per_release(
    release: str, variables: list[str], lines: list[int], text: str
) -> None:
    profile = get_profile(release)
    pins = {"b": "2", "a": "1"}
    lists = pin_lists(
        profile, {"pinned_package_versions": pins, "pinned_package_versions_post": pins}
    )
    assert [pin_list.variable for pin_list in lists] == variables
    assert [pin_list.line for pin_list in lists] == lines
    assert lists[-1].text == text


@pytest.mark.parametrize(
    ("release", "pin", "fatal", "words"),
    [
        ("2.14.5", "1 --pre", True, "would receive --pre as options"),
        ("2.14.5", "1 other", False, None),  # pip show other: a faithful, harmless failure
        ("2.14.12", "1 other==2", False, "separate requirements x==1, other==2"),
        ("2.14.12", "1 -r /etc/passwd", True, "would receive -r, /etc/passwd"),
        ("2.17.2", "1 true", True, "the server would RUN `true`"),
        ("2.17.2", "1 no-such-command-here", True, "`no-such-command-here` does not exist"),
    ],
)
def test_hazards(release: str, pin: str, fatal: bool, words: str | None) -> None:
    profile = get_profile(release)
    field = (
        "pinned_package_versions_post"
        if profile.pin_fields.name == "PRE_POST"
        else ("pinned_package_versions")
    )
    found = hazards(profile, pin_lists(profile, {field: {"x": pin}}), "pkg==1", "/s.sh")
    if words is None:
        assert found == []
        return
    assert len(found) == 1
    assert found[0].fatal is fatal
    assert words in found[0].message
    if "does not exist" in words:
        assert found[0].bash_failure == (
            127,
            "/s.sh: line 14: no-such-command-here: command not found\n",
        )


def test_extras_hazard_and_glob_warning() -> None:
    profile = get_profile("2.26.0")
    (extras,) = hazards(profile, pin_lists(profile, {}), 'pkg[a" true "]==1', "/s.sh")
    assert extras.fatal
    assert "the install string" in extras.message
    glob = hazards(
        profile,
        pin_lists(profile, {"pinned_package_versions_pre": {"pkg[ab]": "1"}}),
        "pkg==1",
        "/s.sh",
    )
    assert [hazard.fatal for hazard in glob] == [False]
    assert "'pkga==1'" in glob[0].message


def test_empty_extras_from_2_22_10() -> None:
    """The request model refuses "" (NonEmptyStr); a stored group may hold it (the admin
    reset's overrides): ``pkg[]`` until 2.22.9, no extras from 2.22.10."""
    plan = TaskGroupPlan(
        origin=TaskGroupV2OriginEnum.PYPI,
        pkg_name="pkg",
        version="1",
        python_version="3.11",
        path="/t",
        venv_path="/t/venv",
        pip_extras="",
        pinned_package_versions=None,
        user_id=1,
    )
    assert plan.pip_install_string(None) == "pkg[]==1"
    later = TaskGroupPlan(**{**plan.__dict__, "empty_extras": EmptyExtras.NO_EXTRAS})
    assert later.pip_install_string(None) == "pkg==1"
    assert get_profile("2.22.10").empty_extras is EmptyExtras.NO_EXTRAS
