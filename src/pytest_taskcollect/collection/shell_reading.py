"""How bash reads a value the server pastes into one of its install-script lines.

fractal-server fills its bash templates with ``str.replace``: ``VAR="__VALUE__"`` becomes
``VAR="<value>"``. ``validate_cmd`` rejects 18 shell characters in user input, but not
whitespace and not quotes, so a value can end the double-quoted string, put a second word on the
line (bash then runs it as a command, with ``VAR`` as its one-off environment), or start a new
line (another command). And wherever the script expands ``$VAR`` unquoted, the value is split
into words at whitespace and each word may be glob-expanded.

``read_assignment`` reads such a line the way bash does, without running anything: the value
``VAR`` ends up with, the command bash would run from that line, and any further lines. The
characters ``validate_cmd`` lets through make this simple: no ``$``, backtick or backslash
(no expansion), no ``;&|<>()`` (no operators); only whitespace, ``"`` and ``'`` matter.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

__all__ = [
    "AssignmentReading",
    "command_is_available",
    "not_found_message",
    "read_assignment",
    "split_words",
]

_BLANK = " \t"
_IFS = " \t\n"
_BASH_BUILTINS_AND_KEYWORDS = (
    "alias bg bind break builtin caller cd command compgen complete compopt continue declare "
    "dirs disown echo enable eval exec exit export false fc fg getopts hash help history jobs "
    "kill let local logout mapfile popd printf pushd pwd read readarray readonly return set "
    "shift shopt source suspend test times trap true type typeset ulimit umask unalias unset "
    "wait . : [ [[ ]] ! case coproc do done elif else esac fi for function if in select then "
    "time until while { }"
)
_BASH_BUILTINS = frozenset(_BASH_BUILTINS_AND_KEYWORDS.split(" "))


@dataclass(frozen=True)
class AssignmentReading:
    """What bash makes of ``VAR="<value>"``.

    * ``value``: what ``$VAR`` holds afterwards (empty when a command follows on the same line:
      the assignment then only applies to that command's environment).
    * ``commands``: the commands (lists of words) bash runs from the line: the words after the
      assignment, then one per extra line. Empty for a plain assignment.
    * ``command_lines``: for each command, how many lines below the assignment's it starts.
    * ``unterminated``: a quote is never closed on the line, so bash reads on into the rest of
      the script: what runs then cannot be told from the line alone.
    """

    variable: str
    value: str
    commands: tuple[tuple[str, ...], ...]
    command_lines: tuple[int, ...]
    unterminated: bool

    @property
    def is_plain(self) -> bool:
        """A plain assignment: nothing runs, nothing is garbled."""
        return not self.commands and not self.unterminated


def _tokenise(line: str) -> tuple[list[tuple[int, list[str]]], bool]:
    """The commands of ``line`` (each with its line offset and its words, quotes removed), and
    whether a quote stays open at the end."""
    commands: list[tuple[int, list[str]]] = [(0, [])]
    word: list[str] = []
    in_word = False
    quote: str | None = None
    offset = 0
    for char in line:
        if char == "\n":
            offset += 1
        if quote is not None:
            if char == quote:
                quote = None
            else:
                word.append(char)
            continue
        if char in "\"'":
            quote, in_word = char, True
        elif char in _BLANK or char == "\n":
            if in_word:
                commands[-1][1].append("".join(word))
                word, in_word = [], False
            if char == "\n" and commands[-1][1]:
                commands.append((offset, []))
        else:
            word.append(char)
            in_word = True
    if in_word:
        commands[-1][1].append("".join(word))
    return [command for command in commands if command[1]], quote is not None


def read_assignment(variable: str, value: str) -> AssignmentReading:
    """Read the template line ``<variable>="<value>"`` as bash does."""
    commands, unterminated = _tokenise(f'{variable}="{value}"')
    first = commands[0][1] if commands else []
    assigned = first[0].partition("=")[2] if first else ""
    ran = [(0, first[1:])] if len(first) > 1 else []
    ran += commands[1:]
    return AssignmentReading(
        variable=variable,
        value="" if len(first) > 1 else assigned,
        commands=tuple(tuple(words) for _, words in ran),
        command_lines=tuple(offset for offset, _ in ran),
        unterminated=unterminated,
    )


def split_words(value: str) -> list[str]:
    """An unquoted ``$VAR``: the value split at blanks and newlines (before globbing)."""
    words: list[str] = []
    current: list[str] = []
    for char in value:
        if char in _IFS:
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words


def command_is_available(name: str) -> bool:
    """Whether bash would find ``name`` as a builtin, a keyword or a program on ``PATH`` (this
    machine's ``PATH``: the server's may differ)."""
    if "/" in name:
        return os.path.isfile(name) and os.access(name, os.X_OK)
    return name in _BASH_BUILTINS or shutil.which(name) is not None


def not_found_message(name: str) -> str:
    """Bash's complaint (after ``<script>: line <n>: ``) about a command it cannot run."""
    if "/" in name:
        return f"{name}: No such file or directory"
    return f"{name}: command not found"
