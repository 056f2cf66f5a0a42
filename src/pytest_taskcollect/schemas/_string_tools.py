"""Command-string validation, as fractal-server 2.14.5 applies it to user input and task commands.

fractal-server pastes package names, versions and task commands into shell scripts and command
lines, so it rejects any string holding one of 18 shell metacharacters. The set and the messages
are reproduced exactly; only the order in which the forbidden set is printed differs: the server
prints a Python ``set`` whose order changes with ``PYTHONHASHSEED``, we print it sorted.
"""

from __future__ import annotations

__all__ = ["NOT_ALLOWED_FOR_COMMANDS", "validate_cmd"]

NOT_ALLOWED_FOR_COMMANDS = r"`#$&*()\|[]{};<>?!"
"""The 18 characters fractal-server forbids in commands (its ``__NOT_ALLOWED_FOR_COMMANDS__``)."""


def _set_repr(chars: set[str]) -> str:
    """Render a set of characters like ``repr(set)``, in a stable (sorted) order."""
    return "{" + ", ".join(repr(char) for char in sorted(chars)) + "}"


def validate_cmd(
    command: str,
    *,
    allow_char: str | None = None,
    attribute_name: str = "Command",
) -> None:
    """Raise ``ValueError`` if ``command`` holds a forbidden shell character.

    ``allow_char`` removes characters from the forbidden set; ``attribute_name`` names the
    value in the message, as in ``"MyAttribute must not contain any of this characters: ..."``.
    A non-string input is rejected with ``"command=<repr> is not a string."``.
    """
    if not isinstance(command, str):
        raise ValueError(f"{command=} is not a string.")
    forbidden = set(NOT_ALLOWED_FOR_COMMANDS)
    if allow_char is not None:
        forbidden -= set(allow_char)
    if not forbidden.isdisjoint(command):
        raise ValueError(
            f"{attribute_name} must not contain any of this characters: "
            f"'{_set_repr(forbidden)}'\n"
            f"Provided {attribute_name.lower()}: '{command}'."
        )
