"""`validate_cmd`: the 18 forbidden characters, `allow_char`, `attribute_name` (spec §1.2, §5.3)."""

from __future__ import annotations

import string

import pytest

from pytest_taskcollect.schemas import NOT_ALLOWED_FOR_COMMANDS, validate_cmd

ALLOWED_PUNCTUATION = " \t\n'\"/=,.-_:@%^+~"


def test_forbidden_set_is_the_servers_18_characters() -> None:
    assert sorted(NOT_ALLOWED_FOR_COMMANDS) == sorted("`#$&*()\\|[]{};<>?!")
    assert len(set(NOT_ALLOWED_FOR_COMMANDS)) == 18


@pytest.mark.parametrize("char", list(NOT_ALLOWED_FOR_COMMANDS))
def test_each_forbidden_character_is_rejected_unless_allowed(char: str) -> None:
    with pytest.raises(ValueError, match="must not contain any of this characters"):
        validate_cmd(f"abc{char}def")
    validate_cmd(f"abc{char}def", allow_char=f"xy{char}z")


@pytest.mark.parametrize("char", list(ALLOWED_PUNCTUATION))
def test_allowed_characters_pass(char: str) -> None:
    validate_cmd(f"abc{char}def")


def test_every_other_punctuation_character_passes() -> None:
    others = set(string.punctuation) - set(NOT_ALLOWED_FOR_COMMANDS)
    validate_cmd("".join(sorted(others)))


def test_message_names_the_attribute_and_the_value() -> None:
    with pytest.raises(ValueError, match="MyAttribute must not contain") as info:
        validate_cmd("; rm", attribute_name="MyAttribute")
    message = str(info.value)
    first, second = message.split("\n")
    assert first.startswith("MyAttribute must not contain any of this characters: '{")
    assert second == "Provided myattribute: '; rm'."


def test_forbidden_set_is_printed_in_a_stable_order() -> None:
    with pytest.raises(ValueError, match="characters") as first:
        validate_cmd("a;b")
    with pytest.raises(ValueError, match="characters") as second:
        validate_cmd("a|b")
    assert str(first.value).split("\n")[0] == str(second.value).split("\n")[0]


def test_allow_char_shrinks_the_printed_set() -> None:
    with pytest.raises(ValueError, match="characters") as info:
        validate_cmd("a;b", allow_char="!")
    assert "'!'" not in str(info.value).split("\n")[0]


@pytest.mark.parametrize("value", [1, None, b"abc", ["a"]])
def test_non_string_is_rejected(value: object) -> None:
    with pytest.raises(ValueError, match=r"^command=.* is not a string\.$"):
        validate_cmd(value)  # type: ignore[arg-type]
