"""Interpreter discovery: pyenv's installed versions, ``pythonX.Y`` on PATH, ``X.Y=PATH``, and
the reason when one is unusable (real interpreters from ~/.pyenv; skipped where missing)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pytest_taskcollect.cli import python_option
from pytest_taskcollect.cli.report import UsageError
from pytest_taskcollect.collection.interpreter_discovery import find_python, parse_python_option
from support.console_script import EXAMPLE_PROJECT, document
from support.interpreters import find_interpreter

OTHER = next(
    (
        version
        for version in ("3.12", "3.10", "3.9")
        if version != f"{sys.version_info.major}.{sys.version_info.minor}"
        and find_interpreter(version) is not None
    ),
    None,
)
needs_other = pytest.mark.skipif(OTHER is None, reason="no second CPython 3.9-3.12 in ~/.pyenv")

SHIM = '#!/bin/sh\necho "pyenv: $(basename "$0"): command not found" >&2\nexit 127\n'


def fake_pyenv(root: Path, version: str, *, installed: bool) -> dict[str, str]:
    """An environment with a pyenv root (``version`` installed in it or not) and a pyenv shim
    for ``pythonX.Y`` on PATH that fails as pyenv's does for a version that is not active."""
    shims = root / "shims"
    shims.mkdir(parents=True)
    shim = shims / f"python{version}"
    shim.write_text(SHIM)
    shim.chmod(0o755)
    if installed:
        real = find_interpreter(version)
        assert real is not None
        patch = Path(real).parents[1].name
        binary = root / "versions" / patch / "bin" / f"python{version}"
        binary.parent.mkdir(parents=True)
        binary.symlink_to(real)
    path = os.pathsep.join([str(shims), str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    return {**os.environ, "PYENV_ROOT": str(root), "PATH": path}


def test_parse_python_option(tmp_path: Path) -> None:
    assert parse_python_option("3.12") == ("3.12", None)
    assert parse_python_option(f"3.12={tmp_path}/py") == ("3.12", tmp_path / "py")
    for bad in ("3", "3.12=", "python3.12", "3.12.1"):
        with pytest.raises(ValueError, match=r"expected X\.Y or X\.Y=PATH"):
            parse_python_option(bad)


@needs_other
def test_a_pyenv_only_interpreter_is_found(taskcollect, tmp_path: Path) -> None:
    env = fake_pyenv(tmp_path / "pyenv", str(OTHER), installed=True)

    completed = taskcollect("check", EXAMPLE_PROJECT, "--python", OTHER, "--json", env=env)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert document(completed)["task_group"]["python_version"] == OTHER


@needs_other
def test_a_failing_pyenv_shim_is_not_available(taskcollect, tmp_path: Path) -> None:
    env = fake_pyenv(tmp_path / "pyenv", str(OTHER), installed=False)

    completed = taskcollect("check", EXAMPLE_PROJECT, "--python", OTHER, "--progress", env=env)

    assert completed.returncode == 2
    assert completed.stdout == ""
    shim = tmp_path / "pyenv" / "shims" / f"python{OTHER}"
    assert completed.stderr == (
        f"taskcollect check: error: --python {OTHER}: no usable Python {OTHER}: PATH {shim} "
        f"exits 127: pyenv: python{OTHER}: command not found; install it (e.g. pyenv install "
        f"{OTHER}) or give its path: --python {OTHER}=PATH.\n"
    )


@needs_other
def test_version_equals_path_uses_that_interpreter() -> None:
    real = find_interpreter(str(OTHER))
    assert real is not None

    choice = python_option.resolve_python(parse_python_option(f"{OTHER}={real}"))

    assert choice.version == OTHER
    assert choice.interpreters[str(OTHER)] == Path(os.path.realpath(real))


def test_an_interpreter_of_another_version_is_refused() -> None:
    lookup = find_python("3.9", Path(sys.executable))

    assert not lookup.found
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert lookup.reason() == (
        f"no usable Python 3.9: --python {sys.executable} is Python {running}, not 3.9"
    )


def test_an_unsupported_running_python_suggests_a_supported_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The running interpreter's version is what the server's default would be: pretend 3.13.
    monkeypatch.setattr(python_option, "running_python_version", lambda: "3.13")

    with pytest.raises(UsageError) as error:
        python_option.resolve_python(None)

    message = str(error.value)
    assert message.startswith(
        "This is Python 3.13, and fractal-server 2.14.5 collects only for Python 3.9, 3.10, "
        "3.11, 3.12: choose one with --python 3."
    )
    assert message.endswith(
        "(newer fractal-server releases accept newer Pythons (3.13 from 2.15.7, 3.14 from "
        "2.17.0): see --server-version)."
    )


def test_an_unsupported_requested_version_gets_the_server_message_and_a_hint(
    taskcollect,
) -> None:
    completed = taskcollect("check", EXAMPLE_PROJECT, "--python", "3.13", "--json")

    assert completed.returncode == 1
    data = document(completed)
    assert (data["verdict"], data["stage"]) == ("does_not_collect", "request")
    assert data["error"].startswith(
        "Invalid request: python_version: Input should be '3.9', '3.10', '3.11' or '3.12'. "
        "Choose a supported one with --python 3."
    )
