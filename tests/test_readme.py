"""Keep the README true: its commands are the ones CI runs, and its code blocks execute."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```$", README, flags=re.MULTILINE | re.DOTALL)


def _commands() -> list[str]:
    """The README's leading bash blocks: the install-and-run and the install-and-test commands."""
    head = README.split("\n## ", 1)[0]
    return [
        body.strip()
        for lang, body in re.findall(r"^```(\w+)\n(.*?)^```$", head, flags=re.MULTILINE | re.DOTALL)
        if lang == "bash"
    ]


def test_readme_starts_with_exactly_two_commands() -> None:
    commands = _commands()
    assert len(commands) == 2, commands
    assert all("\n" not in command for command in commands)
    first_block = README.index("```")
    assert README[:first_block].strip().startswith("# "), "only the title precedes the commands"
    assert README[:first_block].count("\n") <= 2


def test_ci_runs_the_readme_test_command() -> None:
    ci_script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = _commands()[1]
    assert "pytest" in test_command
    assert test_command in ci_script.splitlines()


def test_first_command_runs_after_install() -> None:
    """The part of the first command after the install runs with the installed package."""
    install, _, job = _commands()[0].partition(" && ")
    assert install.startswith("python -m pip install ")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    completed = subprocess.run(
        shlex.split(job), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize(
    "code", [body for lang, body in BLOCKS if lang == "python"], ids=lambda code: code[:40]
)
def test_python_blocks_execute(code: str) -> None:
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
