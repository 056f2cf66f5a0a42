"""The user-controlled lines of ``2_pip_install.sh``, as each release writes them, and what
bash makes of them.

Pins reach the script as text: the release renders each pin list (``a==1 b==2`` up to 2.17.1,
``"a==1" "b==2"`` from 2.17.2), in request order (2.14.5) or in the JSONB key order of their
database column (2.15.0 on), into ``PINNED_PACKAGE_LIST[_PRE|_POST]="<list>"``; the install
string goes into ``INSTALL_STRING="<string>"``. ``pin_lists`` and ``install_string_line`` build
those lines; ``hazards`` says, without running anything, where the server's bash would not do
what the request means:

* a line that runs a command (a pin or extra holding whitespace or a quote; from 2.17.2 any
  whitespace in a pin does it): the server runs it, or stops with ``command not found``;
* a quote left open, which garbles the rest of the script;
* a pin list whose unquoted expansion gives pip other words than one ``name==version`` per pin
  (2.14.11 to 2.17.1 for whitespace): extra requirements (the server installs them: a warning)
  or options such as ``--index-url`` (refused);
* a pin name with ``[...]`` (2.17.2 on), which bash may glob-expand in the server's working
  directory (a warning).

The runner never runs such a command, nor passes such an option to pip.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

from ..profiles import ServerProfile
from ..profiles.switches import PinInstall, PinOrder, PinRendering
from .shell_reading import (
    AssignmentReading,
    command_is_available,
    not_found_message,
    read_assignment,
    split_words,
)

__all__ = [
    "InstallHazard",
    "PinList",
    "hazards",
    "install_string_line",
    "jsonb_order",
    "pin_lists",
]

_FIRST_VARIABLE_LINE = 10
"""Line of ``INSTALL_STRING=`` in every ``2_pip_install.sh`` without a shebang."""
_SHEBANG_LINES = 2
_RISKY_CHARACTERS = " \t\n\r\x0b\x0c\"'"
_CHARACTER_CLASS = re.compile(r"\[([^\]])[^\]]*\]")


def jsonb_order(pins: Mapping[str, str]) -> dict[str, str]:
    """``pins`` in PostgreSQL JSONB key order: shorter keys first, then by their UTF-8 bytes."""
    return dict(sorted(pins.items(), key=lambda item: (len(item[0]), item[0].encode())))


def _render(pins: Mapping[str, str], rendering: PinRendering) -> str:
    if rendering is PinRendering.QUOTED_WORDS:
        return " ".join(f'"{name}=={version}"' for name, version in pins.items())
    return " ".join(f"{name}=={version}" for name, version in pins.items())


@dataclass(frozen=True)
class PinList:
    """One pin list as the release writes it into the script, and bash's reading of it."""

    field: str
    """The request and record field: ``pinned_package_versions[_pre|_post]``."""
    variable: str
    """The script variable: ``PINNED_PACKAGE_LIST[_PRE|_POST]``."""
    pins: dict[str, str]
    """The pins, in the order the server renders them."""
    text: str
    """The text pasted into the script (``__PINNED_PACKAGE_LIST__``'s replacement)."""
    line: int
    """The line of the assignment in the script."""
    reading: AssignmentReading

    @property
    def intended(self) -> list[str]:
        """One ``name==version`` requirement per pin: what the request means."""
        return [f"{name}=={version}" for name, version in self.pins.items()]

    @property
    def arguments(self) -> list[str]:
        """What ``pip install $VAR`` receives (the value split at whitespace)."""
        return split_words(self.reading.value)

    @property
    def offenders(self) -> dict[str, str]:
        """The pins holding whitespace or a quote."""
        return {
            name: version
            for name, version in self.pins.items()
            if any(char in _RISKY_CHARACTERS for char in name + version)
        }


def _first_line(profile: ServerProfile) -> int:
    return _FIRST_VARIABLE_LINE + (_SHEBANG_LINES if profile.template_shebang else 0)


def pin_lists(
    profile: ServerProfile,
    pins: Mapping[str, Mapping[str, str] | None],
) -> list[PinList]:
    """The release's pin lists: one (``pinned_package_versions``) up to 2.15.9, then pre and
    post. ``pins`` maps a record field name to its dict (``None`` or absent: empty)."""
    names: tuple[tuple[str, str], ...]
    if profile.pin_install_sequence is PinInstall.PRE_AND_POST:
        names = (
            ("pinned_package_versions_pre", "PINNED_PACKAGE_LIST_PRE"),
            ("pinned_package_versions_post", "PINNED_PACKAGE_LIST_POST"),
        )
    else:
        names = (("pinned_package_versions", "PINNED_PACKAGE_LIST"),)
    lists = []
    for index, (field, variable) in enumerate(names):
        given = dict(pins.get(field) or {})
        ordered = jsonb_order(given) if profile.pin_order is PinOrder.JSONB else given
        text = _render(ordered, profile.pin_list_rendering)
        lists.append(
            PinList(
                field=field,
                variable=variable,
                pins=ordered,
                text=text,
                line=_first_line(profile) + 1 + index,
                reading=read_assignment(variable, text),
            )
        )
    return lists


def install_string_line(profile: ServerProfile, install_string: str) -> AssignmentReading:
    """Bash's reading of ``INSTALL_STRING="<install string>"``."""
    return read_assignment("INSTALL_STRING", install_string)


@dataclass(frozen=True)
class InstallHazard:
    """Where the server's script would not do what the request means.

    ``fatal``: this collection is reported as failed at stage ``install`` (nothing is run).
    ``bash_failure``: when the server's own script would stop anyway (a command bash cannot
    find), its return code and stderr, so the failure reads as the server's; ``None`` when the
    server would run something we refuse to run.
    """

    fatal: bool
    message: str
    bash_failure: tuple[int, str] | None = None


def _is_plain_requirement(word: str) -> bool:
    if word.startswith("-"):
        return False
    try:
        requirement = Requirement(word)
    except InvalidRequirement:
        return False
    return requirement.url is None


def _line_hazards(
    profile: ServerProfile,
    what: str,
    reading: AssignmentReading,
    line: int,
    text: str,
    script_path: str,
) -> list[InstallHazard]:
    release = f"fractal-server {profile.version}"
    written = f'`{reading.variable}="{text}"`'
    if reading.unterminated:
        return [
            InstallHazard(
                True,
                f"{what}: {release} writes this into 2_pip_install.sh as {written}, where a "
                "quote is never closed, so bash reads on into the rest of the script: the "
                "script is garbled and would fail or run unintended commands. "
                "pytest-taskcollect does not run it; the collection is reported as failed.",
            )
        ]
    if not reading.commands:
        return []
    command = reading.commands[0]
    shown = shlex.join(command)
    assigned = f"{reading.variable}={reading.value}" if reading.value else reading.variable
    if not command_is_available(command[0]):
        number = line + reading.command_lines[0]
        stderr = f"{script_path}: line {number}: {not_found_message(command[0])}\n"
        return [
            InstallHazard(
                True,
                f"{what}: {release} writes this into 2_pip_install.sh as {written}, which "
                f"bash reads as the command `{shown}` (after the one-off assignment "
                f"{assigned}): `{command[0]}` does not exist on this machine, so the script "
                "stops there with `command not found` (exit 127), as the server's would; "
                f"where `{command[0]}` exists, the server would run it.",
                (127, stderr),
            )
        ]
    return [
        InstallHazard(
            True,
            f"{what}: {release} writes this into 2_pip_install.sh as {written}, which bash "
            f"reads as the command `{shown}`: the server would RUN `{shown}` as the Fractal "
            f"user when the script starts, and {reading.variable} would not hold the "
            "requested value (what it was meant to install is silently dropped); if that "
            "command succeeds, the collection goes on. pytest-taskcollect never runs it: the "
            "collection is reported as failed.",
        )
    ]


def _describe_pins(pins: Mapping[str, str]) -> str:
    return ", ".join(f"{name!r}: {version!r}" for name, version in pins.items())


def hazards(
    profile: ServerProfile,
    lists: list[PinList],
    install_string: str,
    script_path: str,
) -> list[InstallHazard]:
    """Every hazard of the install string and the pin lists, in script order."""
    found = _line_hazards(
        profile,
        f"the install string {install_string!r}",
        install_string_line(profile, install_string),
        _first_line(profile),
        install_string,
        script_path,
    )
    precheck = profile.pin_install_sequence is PinInstall.PRECHECK_THEN_QUOTED_LIST
    release = f"fractal-server {profile.version}"
    for pin_list in lists:
        what = f"{pin_list.field} {{{_describe_pins(pin_list.offenders or pin_list.pins)}}}"
        line_hazards = _line_hazards(
            profile, what, pin_list.reading, pin_list.line, pin_list.text, script_path
        )
        found += line_hazards
        if line_hazards or not pin_list.pins:
            continue
        words = pin_list.arguments
        options = [word for word in words if word.startswith("-")]
        if precheck:
            if options:
                found.append(
                    InstallHazard(
                        True,
                        f"{what}: {release} checks each pin with `pip show <name>`, splitting "
                        f"the list at whitespace, so pip would receive {', '.join(options)} "
                        "as options. pytest-taskcollect does not pass them on: the collection "
                        "is reported as failed.",
                    )
                )
            continue
        if words != pin_list.intended:
            extra = [word for word in words if word not in pin_list.intended]
            if all(_is_plain_requirement(word) for word in words):
                found.append(
                    InstallHazard(
                        False,
                        f"{what}: {release} splits the pin list at whitespace, so pip "
                        f"receives the separate requirements {', '.join(words)} (not one "
                        "`name==version` per pin) and also installs "
                        f"{', '.join(extra) or 'them'}.",
                    )
                )
            else:
                risky = [word for word in words if not _is_plain_requirement(word)]
                found.append(
                    InstallHazard(
                        True,
                        f"{what}: {release} splits the pin list at whitespace, so `pip "
                        f"install` would receive {', '.join(risky)} as separate arguments "
                        "(options or arbitrary requirements: another index, a requirements "
                        "file, a local path...). pytest-taskcollect does not pass them on: "
                        "the collection is reported as failed.",
                    )
                )
                continue
        globbed = [word for word in words if "[" in word]
        if globbed:
            example = _CHARACTER_CLASS.sub(lambda match: match[1], globbed[0])
            found.append(
                InstallHazard(
                    False,
                    f"{pin_list.field}: {release} expands the pin list unquoted, so bash "
                    f"treats {', '.join(globbed)} as glob patterns in the server's working "
                    "directory: a file there whose name matches (for example "
                    f"{example!r}) would be passed to pip "
                    "instead. Nothing matches here, so pip got the pins as written.",
                )
            )
    return found
