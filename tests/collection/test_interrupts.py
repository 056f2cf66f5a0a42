"""Real signals to real collections: SIGINT and SIGTERM remove what the collection created
(SIGKILL, which leaves a folder the next collection explains, is tested with the command in
``tests/cli/test_robustness.py``).

A collection runs in a subprocess and pauses at a chosen point (``support.paused_collection``:
a slow interpreter probe in script 1, a slow build backend in script 2's pip install, a ``.pth``
hook in script 4's ``pip show``); the test waits for the pause, sends the signal and checks the
tasks dir, then collects the same package again in this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_taskcollect.collection import CollectionSettings, collect_pip
from pytest_taskcollect.collection.leftovers import MARKER_NAME
from pytest_taskcollect.collection.settings import running_python_version
from pytest_taskcollect.schemas import TaskCollectPipV2
from support.paused_collection import (
    HOOK_GROUP_VERSION,
    HOOK_PKG_NAME,
    hook_environment,
    paused_interpreter,
    paused_sdist,
    wait_for_pause,
)

COLLECTOR = """
import sys
from pytest_taskcollect import CollectionSettings, TaskCollectPipV2, collect_pip
tasks_dir, upload, mode, interpreter, version = sys.argv[1:6]
settings = CollectionSettings(
    tasks_dir=tasks_dir,
    mode=mode,
    python_interpreters={version: interpreter},
    reuse_venvs=False,  # every run reaches its pause (tests/collection/test_venv_store.py
    # interrupts a collection while it stores its venv)
)
result = collect_pip(TaskCollectPipV2(), wheel=upload, settings=settings)
print(result.status.value)
"""

# Where each point pauses, and the mode that makes it a subprocess there.
POINTS = {"venv": "fast", "install": "fast", "show": "faithful"}


@pytest.fixture(scope="module")
def paused(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(sdist, interpreter)`` that pause where ``TC_HOOK_POINT`` says."""
    folder = tmp_path_factory.mktemp("paused")
    return paused_sdist(folder / "upload"), paused_interpreter(folder / "bin")


def start(
    tasks_dir: Path, paused: tuple[Path, Path], point: str, hooks: Path
) -> subprocess.Popen[str]:
    sdist, interpreter = paused
    hooks.mkdir(exist_ok=True)
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            COLLECTOR,
            str(tasks_dir),
            str(sdist),
            POINTS[point],
            str(interpreter),
            running_python_version(),
        ],
        env=hook_environment(hooks, point),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a job in a terminal
    )


def collect_again(tasks_dir: Path, paused: tuple[Path, Path]) -> object:
    sdist, interpreter = paused
    settings = CollectionSettings(
        tasks_dir=tasks_dir,
        python_interpreters={running_python_version(): interpreter},
        reuse_venvs=False,
    )
    return collect_pip(TaskCollectPipV2(), wheel=sdist, settings=settings)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("point", list(POINTS))
def test_an_interrupt_removes_the_group_folder(
    point: str, signum: signal.Signals, paused: tuple[Path, Path], tmp_path: Path
) -> None:
    tasks_dir = tmp_path / "tasks"
    group = tasks_dir / "1" / HOOK_PKG_NAME / HOOK_GROUP_VERSION
    process = start(tasks_dir, paused, point, tmp_path / "hooks")
    wait_for_pause(process, tmp_path / "hooks" / point)
    assert (group / MARKER_NAME).is_file()  # mid-collection, with its folder
    assert point != "show" or (group / "venv").is_dir()

    process.send_signal(signum)
    out, err = process.communicate(timeout=120)

    assert process.returncode == -signum, err  # the interrupt went on, after the clean-up
    assert out == ""
    if signum == signal.SIGINT:
        assert err.rstrip().endswith("KeyboardInterrupt")
    assert not group.exists()
    assert list(group.parent.iterdir()) == []  # its parents stay, as on the server
    result = collect_again(tasks_dir, paused)
    assert result.ok, result.error  # type: ignore[attr-defined]
    assert not (group / MARKER_NAME).exists()


def test_ctrl_c_in_a_terminal_reaches_pip_too(paused: tuple[Path, Path], tmp_path: Path) -> None:
    """Ctrl-C signals the whole foreground process group: pip stops on its own as well."""
    tasks_dir = tmp_path / "tasks"
    group = tasks_dir / "1" / HOOK_PKG_NAME / HOOK_GROUP_VERSION
    process = start(tasks_dir, paused, "install", tmp_path / "hooks")
    wait_for_pause(process, tmp_path / "hooks" / "install")

    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)

    assert process.returncode == -signal.SIGINT, err
    assert not group.exists()
    assert collect_again(tasks_dir, paused).ok  # type: ignore[attr-defined]


def test_a_running_collection_is_not_called_a_leftover(
    paused: tuple[Path, Path], tmp_path: Path
) -> None:
    tasks_dir = tmp_path / "tasks"
    process = start(tasks_dir, paused, "install", tmp_path / "hooks")
    try:
        wait_for_pause(process, tmp_path / "hooks" / "install")
        result = collect_again(tasks_dir, paused)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=120)
    (warning,) = result.warnings  # type: ignore[attr-defined]
    assert f"belongs to a collection that is still running (process {process.pid}" in warning


def test_a_second_interrupt_waits_for_the_clean_up() -> None:
    """While a clean-up runs, SIGINT and SIGTERM are held back, then delivered."""
    from pytest_taskcollect.collection.interrupts import signals_deferred

    done = []
    with pytest.raises(KeyboardInterrupt), signals_deferred():  # noqa: PT012
        os.kill(os.getpid(), signal.SIGINT)  # arrives inside; raised when the block ends
        done.append("clean-up finished")
    assert done == ["clean-up finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
