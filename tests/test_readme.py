"""Keep the README true: its commands are the ones CI runs, and every code block runs.

* The two leading ``bash`` blocks are the install-and-run and install-and-test commands: CI runs
  the second; here the part of the first after the install runs against this installation.
* Any other ``bash`` block is one test: its commands (one per line, no shell) run in order in a
  fresh folder where ``examples`` is the repository's, with a persistent cache of their own
  (``$TASKCOLLECT_CACHE_DIR``); a line may end with ``# exit N``, the
  exit status it must have (0 otherwise). A block that runs ``taskcollect wheelhouse`` without
  ``--no-index`` needs the package index: it is skipped, with the reason, when that is
  unreachable.
* A ``python`` block whose first line is ``# file: PATH`` is a test file: all of them are written
  into a copy of the example project and run with pytest there; they must all pass.
* Any other ``python`` block is executed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_taskcollect.collection.user_cache import ENV_VARIABLE
from support.fractal_server_venv import index_reachable

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", flags=re.MULTILINE | re.DOTALL)
FILE_HEADER = re.compile(r"^# file: (\S+)\n")
HEAD, _, BODY = README.partition("\n## ")

HEAD_COMMANDS = [body.strip() for lang, body in BLOCK.findall(HEAD) if lang == "bash"]
BODY_BLOCKS = [
    [line.strip() for line in body.splitlines() if line.strip()]
    for lang, body in BLOCK.findall(BODY)
    if lang == "bash"
]
EXIT_COMMENT = re.compile(r"\s+# exit (\d+)$")
PYTHON_BLOCKS = [body for lang, body in BLOCK.findall(README) if lang == "python"]
TEST_FILES = {
    match[1]: body for body in PYTHON_BLOCKS if (match := FILE_HEADER.match(body)) is not None
}
SNIPPETS = [body for body in PYTHON_BLOCKS if not FILE_HEADER.match(body)]


def _env() -> dict[str, str]:
    """The environment with this interpreter's scripts (``taskcollect``) first on PATH."""
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def test_readme_starts_with_exactly_two_commands() -> None:
    assert len(HEAD_COMMANDS) == 2, HEAD_COMMANDS
    assert all("\n" not in command for command in HEAD_COMMANDS)
    before_first_block = README[: README.index("```")]
    assert before_first_block.strip().startswith("# "), "only the title precedes the commands"
    assert before_first_block.count("\n") <= 2


def test_ci_runs_the_readme_test_command() -> None:
    ci_script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = HEAD_COMMANDS[1]
    assert "pytest" in test_command
    assert test_command in ci_script.splitlines()


def test_first_command_runs_after_install() -> None:
    install, _, job = HEAD_COMMANDS[0].partition(" && ")
    assert install.startswith("python -m pip install ")
    completed = subprocess.run(
        shlex.split(job), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def _needs_index(block: list[str]) -> bool:
    return any("taskcollect wheelhouse" in line and "--no-index" not in line for line in block)


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(block, marks=[pytest.mark.network] if _needs_index(block) else [])
        for block in BODY_BLOCKS
    ],
    ids=lambda block: block[0][:60],
)
def test_other_commands_run(block: list[str], tmp_path: Path) -> None:
    if _needs_index(block) and not index_reachable():
        pytest.skip("this README block downloads from pypi.org, which is unreachable")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    for line in block:
        match = EXIT_COMMENT.search(line)
        command = line[: match.start()] if match else line
        expected = int(match[1]) if match else 0
        completed = subprocess.run(
            shlex.split(command),
            cwd=tmp_path,
            env={**_env(), ENV_VARIABLE: str(tmp_path / "taskcollect-cache")},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert completed.returncode == expected, (
            f"{command}: exit {completed.returncode}, expected {expected}\n"
            + completed.stdout
            + completed.stderr
        )


@pytest.mark.parametrize("code", SNIPPETS, ids=lambda code: code.splitlines()[0][:40])
def test_python_snippets_execute(code: str) -> None:
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})


def test_test_files_pass_in_the_example_project(pytester: pytest.Pytester) -> None:
    assert TEST_FILES, "the README shows no test file"
    project = pytester.path / "project"
    shutil.copytree(
        ROOT / "examples" / "fractal-tasks-demo",
        project,
        ignore=shutil.ignore_patterns("tests", "__pycache__", ".pytest_cache"),
    )
    for relative, body in TEST_FILES.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(body, encoding="utf-8")
    result = pytester.runpytest_subprocess(
        str(project / "tests"), "--rootdir", str(project), "-p", "no:cacheprovider"
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= len(TEST_FILES)
    assert set(outcomes) == {"passed"}, result.stdout.str()
