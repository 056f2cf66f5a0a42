"""Usage errors exit with status 2 and one sentence, never a traceback; ``--version``.

The cases run ``cli.main`` in-process (the console script is ``sys.exit(main())``; a
subprocess per case would only add interpreter start-up time); one case runs the script.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_taskcollect import __version__
from pytest_taskcollect.cli import main
from support.console_script import Run, document

CUSTOM = ("custom", "--python-interpreter", "/p", "--label", "x", "--manifest")
USAGE_ERRORS = {
    "no command": ((), "the following arguments are required: COMMAND"),
    "bad pin": (
        ("pip", "x", "--pin", "numpy"),
        "argument --pin: expected NAME=VERSION, got 'numpy'",
    ),
    "missing wheel": (("pip", "missing.whl"), "Wheel file missing.whl does not exist."),
    "missing find-links": (
        ("pip", "x", "--find-links", "nowhere"),
        "--find-links nowhere: no such",
    ),
    "not a project": (("check", "."), "is not a Python project: it has no pyproject.toml"),
    "no project dir": (("check", "nowhere"), "nowhere is neither a project folder nor a wheel"),
    "bad python": (("check", "--python", "3"), "expected X.Y or X.Y=PATH"),
    "python path unusable": (
        ("check", "--python", "3.11=/nonexistent/python3.11"),
        "--python 3.11: no usable Python 3.11: --python /nonexistent/python3.11 cannot be run",
    ),
    "smoke args list": (("check", ".", "--smoke-args", "list.json"), "must hold a JSON object"),
    "no package root or name": (
        (*CUSTOM, "bad.json"),
        "one of the arguments --package-root --package-name is required",
    ),
    "manifest not JSON": (
        (*CUSTOM, "bad.json", "--package-root", "/r"),
        "The manifest bad.json is not valid JSON: Expecting value: line 1 column 7 (char 6).",
    ),
    "manifest missing": (
        (*CUSTOM, "nope.json", "--package-name", "x"),
        "Cannot read the manifest nope.json: No such file or directory.",
    ),
}


def test_version(taskcollect: Run) -> None:
    completed = taskcollect("--version")

    assert completed.returncode == 0
    assert completed.stdout == (
        f"taskcollect {__version__} (fractal-server 2.14.5 to 2.26.0; default 2.14.5)\n"
    )


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS.values(), ids=USAGE_ERRORS)
def test_usage_errors(
    args: tuple[str, ...],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text('{"a": }')
    (tmp_path / "list.json").write_text("[]")

    try:
        status: object = main(args)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code

    assert status == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert err.splitlines()[-1].startswith("taskcollect")


def test_usage_error_from_the_script(taskcollect: Run) -> None:
    completed = taskcollect("pip", "missing.whl")

    assert completed.returncode == 2
    assert completed.stderr == "taskcollect pip: error: Wheel file missing.whl does not exist.\n"


def test_usage_error_as_json(taskcollect: Run) -> None:
    completed = taskcollect("pip", "missing.whl", "--json")

    assert completed.returncode == 2
    data = document(completed)
    assert (data["status"], data["stage"]) == ("error", "usage")
    assert data["error"] == "Wheel file missing.whl does not exist."
