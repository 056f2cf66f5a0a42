"""``taskcollect`` as a careless user or a hostile input meets it: one line, never a traceback.

Each bad-argument case of issue 12 runs through ``main`` (in-process: a traceback would be an
exception here); interrupts use real signals on the console script; a full disk is a real,
tiny tmpfs in a private mount namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from pytest_taskcollect import TaskPackageFactory, get_hostile_wheel
from pytest_taskcollect.cli import main
from pytest_taskcollect.cli.report import KEEP_LOGS, MAX_LOG_AGE_DAYS, write_log
from pytest_taskcollect.collection import CollectionSettings, collect_pip
from pytest_taskcollect.collection.leftovers import MARKER_NAME
from pytest_taskcollect.schemas import TaskCollectPipV2
from support.console_script import TASKCOLLECT
from support.paused_collection import (
    HOOK_GROUP_VERSION,
    HOOK_PKG_NAME,
    hook_environment,
    paused_sdist,
    wait_for_pause,
)

LONG = "a" * 300
MANIFEST = '{"manifest_version": "2", "task_list": []}'


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status: object = main(args)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    out, err = capsys.readouterr()
    assert isinstance(status, int)
    return status, out, err


@pytest.fixture
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Bad input files in the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.json").write_text(MANIFEST)
    (tmp_path / "latin1.json").write_bytes(b'{"task name": "caf\xe9"}')
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "deep300.json").write_text('{"a": ' * 300 + "1" + "}" * 300)
    (tmp_path / "project").mkdir()
    return tmp_path


CUSTOM = ["custom", "--python-interpreter", "/usr/bin/python3", "--package-root", "."]
CASES = {
    "package name of 300 characters": (
        ["pip", LONG],
        1,
        f"FAILED at stage 'version': Could not get {LONG} from the offline package sources",
    ),
    "package name of 300 characters, with a version": (
        ["pip", LONG, "--version", "1.0"],
        1,
        "FAILED at stage 'version'",
    ),
    "name of 5,000 characters": (["pip", "b" * 5000], 1, "FAILED at stage 'version'"),
    "wheel name of 5,000 characters": (
        ["pip", "c" * 5000 + ".whl"],
        2,
        "error: Wheel file ccccccccc",
    ),
    "project path of 5,000 characters": (
        ["check", "d" * 5000],
        1,
        f"taskcollect check: error: File name too long ({'d' * 77}...).",
    ),
    "label of 300 characters": ([*CUSTOM, "--manifest", "ok.json", "--label", LONG], 0, "OK"),
    "manifest not UTF-8": (
        [*CUSTOM, "--manifest", "latin1.json", "--label", "x"],
        2,
        "error: The manifest latin1.json is not UTF-8 text (byte 0xe9 at offset 18).",
    ),
    "manifest nested 100,000 deep": (
        [*CUSTOM, "--manifest", "deep.json", "--label", "x"],
        2,
        "error: The manifest deep.json nests JSON more than 200 levels deep.",
    ),
    "manifest nested 300 deep": (
        [*CUSTOM, "--manifest", "deep300.json", "--label", "x"],
        2,
        "error: The manifest deep300.json nests JSON more than 200 levels deep.",
    ),
    "manifest is a folder": (
        [*CUSTOM, "--manifest", "project", "--label", "x"],
        2,
        "error: Cannot read the manifest project: Is a directory.",
    ),
    "smoke args not UTF-8": (
        ["check", "project", "--smoke-args", "latin1.json"],
        2,
        "error: The smoke-args file latin1.json is not UTF-8 text",
    ),
    "smoke args nested 100,000 deep": (
        ["check", "project", "--smoke-args", "deep.json"],
        2,
        "error: The smoke-args file deep.json nests JSON more than 200 levels deep.",
    ),
}


@pytest.mark.parametrize(("args", "status", "message"), CASES.values(), ids=CASES)
def test_bad_arguments_get_one_sentence(
    args: list[str],
    status: int,
    message: str,
    inputs: Path,
    private_log_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    returned, out, err = run_main(args, capsys)

    assert returned == status, out + err
    assert "Traceback" not in out + err
    assert message in out + err
    if status == 2:
        assert out == ""
        (line,) = err.splitlines()
        assert line.startswith(f"taskcollect {args[0]}: error: ")
    for log in private_log_dir.glob("*.log"):
        assert len(log.name) < 120


def test_a_wheel_name_of_230_characters_gets_a_short_log_name(
    tmp_path: Path, private_log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = get_hostile_wheel("truncated_archive").write(tmp_path)
    long_name = wheel.with_name("fractal_tasks_" + "x" * 190 + "-0.0.1-py3-none-any.whl")
    wheel.rename(long_name)
    assert len(long_name.name) > 220

    status, out, err = run_main(["pip", str(long_name), "--tasks-dir", "tasks"], capsys)

    assert status == 1
    assert "Traceback" not in out + err
    assert "FAILED at stage 'install'" in out
    (log,) = private_log_dir.iterdir()
    assert out.splitlines()[-1] == f"Log: {log}"
    assert len(log.name) < 120


# -- interrupts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signum", "status", "name"),
    [(signal.SIGINT, 130, "Ctrl-C (SIGINT)"), (signal.SIGTERM, 143, "SIGTERM")],
    ids=["SIGINT", "SIGTERM"],
)
def test_an_interrupted_command_cleans_up_and_says_so_in_one_line(
    signum: signal.Signals,
    status: int,
    name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sdist = paused_sdist(tmp_path / "upload")
    tasks_dir, hooks = tmp_path / "tasks", tmp_path / "hooks"
    hooks.mkdir()
    command = [str(TASKCOLLECT), "pip", str(sdist), "--tasks-dir", str(tasks_dir)]
    process = subprocess.Popen(
        command,
        env=hook_environment(hooks, "install"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_pause(process, hooks / "install")
    group = tasks_dir / "1" / HOOK_PKG_NAME / HOOK_GROUP_VERSION
    assert group.is_dir()

    process.send_signal(signum)
    out, err = process.communicate(timeout=120)

    assert process.returncode == status
    assert out == ""
    assert err.splitlines()[-1] == (
        f"taskcollect pip: interrupted by {name}; what it had created was removed."
    )
    assert "Traceback" not in err
    assert not group.exists()
    status, out, err = run_main(command[1:], capsys)  # again, in this process
    assert status == 0, out + err


def test_after_a_kill_the_next_collection_explains_the_leftover(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL (to the command and its pip) leaves the folder; the next command and the next
    library call refuse it as the server does, saying how to clear it; once cleared as said,
    the collection succeeds."""
    sdist = paused_sdist(tmp_path / "upload")
    tasks_dir, hooks = tmp_path / "tasks", tmp_path / "hooks"
    hooks.mkdir()
    command = ["pip", str(sdist), "--tasks-dir", str(tasks_dir)]
    process = subprocess.Popen(
        [str(TASKCOLLECT), *command],
        env=hook_environment(hooks, "install"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_pause(process, hooks / "install")  # type: ignore[arg-type]
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    group = tasks_dir / "1" / HOOK_PKG_NAME / HOOK_GROUP_VERSION
    assert json.loads((group / MARKER_NAME).read_text())["pid"] == process.pid

    status, out, _ = run_main(command, capsys)

    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"Warning: {group} is left over from a collection that did not")
    assert f"(process {process.pid}, started " in lines[0]
    assert lines[0].endswith(f"remove it (rm -rf {group}) and collect again.")
    assert lines[1] == f"FAILED at stage 'paths': {group} already exists."
    result = collect_pip(
        TaskCollectPipV2(), wheel=sdist, settings=CollectionSettings(tasks_dir=tasks_dir)
    )
    assert (result.stage, result.error) == ("paths", f"{group} already exists.")
    assert result.warnings == [lines[0].removeprefix("Warning: ")]
    assert group.is_dir()  # the server's rule: an existing folder is never touched

    subprocess.run(["rm", "-rf", str(group)], check=True)  # what the warning says
    assert run_main(command, capsys)[0] == 0


# -- logs -------------------------------------------------------------------------------------


def test_logs_are_kept_per_user_with_a_retention_rule(private_log_dir: Path) -> None:
    private_log_dir.mkdir()
    now = time.time()
    for index in range(KEEP_LOGS + 10):
        log = private_log_dir / f"pip-old{index}-20250101-000000-abcd{index}.log"
        log.write_text("x")
        os.utime(log, (now - index * 60, now - index * 60))
    stale = private_log_dir / "custom-stale-20240101-000000-zzzz.log"
    stale.write_text("x")
    old = now - (MAX_LOG_AGE_DAYS + 1) * 86400
    os.utime(stale, (old, old))
    foreign = private_log_dir / "notes.txt"
    foreign.write_text("mine")

    written = write_log("pip", "fresh", "the log")

    assert written is not None
    assert written.read_text() == "the log"
    logs = sorted(private_log_dir.glob("*.log"))
    assert len(logs) == KEEP_LOGS
    assert written in logs
    assert not stale.exists()
    assert not (
        private_log_dir / f"pip-old{KEEP_LOGS}-20250101-000000-abcd{KEEP_LOGS}.log"
    ).exists()
    assert foreign.read_text() == "mine"


def test_default_log_folder_is_per_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TASKCOLLECT_LOG_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    written = write_log("custom", "label", "text")
    assert written is not None
    assert written.parent == tmp_path / "state" / "taskcollect" / "logs"
    assert oct(written.parent.stat().st_mode & 0o777) == "0o700"

    monkeypatch.setenv("TASKCOLLECT_LOG_DIR", str(written))  # a file, not a folder
    assert write_log("custom", "label", "text") is None
    assert "no folder for the log file" in capsys.readouterr().err


# -- a full disk ------------------------------------------------------------------------------


def _in_private_mount_namespace() -> list[str] | None:
    """An ``unshare`` prefix that gives a command its own mounts (so a tmpfs it mounts vanishes
    with it), or ``None`` where this machine does not allow one."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    prefix = [unshare, "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    probe = subprocess.run(
        [*prefix, "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || exit 3"],
        capture_output=True,
    )
    return prefix if probe.returncode == 0 else None


def test_a_full_disk_fails_the_collection_cleanly(tmp_path: Path) -> None:
    """A 1 MiB tmpfs as tasks dir and another, full, as log folder: the 16 MiB data bomb's
    install fails with "No space left on device", the group folder is removed, the log
    cannot be written, and the command still reports in one line each."""
    prefix = _in_private_mount_namespace()
    if prefix is None:
        pytest.skip("no private mount namespace here (unshare --mount is not permitted)")
    wheel = get_hostile_wheel("data_bomb").write(tmp_path / "upload")
    tasks_dir, logs = tmp_path / "tiny-tasks", tmp_path / "full-logs"
    tasks_dir.mkdir()
    logs.mkdir()
    script = (
        'mount -t tmpfs -o size=1m tmpfs "$1" && mount -t tmpfs -o size=4k tmpfs "$2" && '
        'head -c 8192 /dev/zero > "$2/filler" 2>/dev/null; '
        'TASKCOLLECT_LOG_DIR="$2" "$3" pip "$4" --tasks-dir "$1"; echo "exit=$?"; '
        'find "$1" -mindepth 1; df -k "$1" | tail -1'
    )
    completed = subprocess.run(
        [*prefix, "sh", "-c", script, "sh", tasks_dir, logs, TASKCOLLECT, wheel],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out, err = completed.stdout, completed.stderr
    assert "Traceback" not in out + err
    assert "exit=1" in out, out + err
    assert "FAILED at stage 'install'" in out
    assert "No space left on device" in out
    assert "Warning: could not write the log file in" in err
    listing = [line for line in out.splitlines() if line.startswith(str(tasks_dir))]
    assert listing == [
        f"{tasks_dir}/1",
        f"{tasks_dir}/1/fractal-tasks-hostile-data-bomb",
    ], out  # the group folder was removed; its parents stay, as on the server


def test_a_kept_venv_that_cannot_be_copied_keeps_its_links(tmp_path: Path) -> None:
    """On a 6 MiB tmpfs the collection fits (the venv links to virtualenv's app data) but the
    copies do not: a warning, no partial copy left, and the venv still works."""
    prefix = _in_private_mount_namespace()
    if prefix is None:
        pytest.skip("no private mount namespace here (unshare --mount is not permitted)")
    wheel = get_hostile_wheel("duplicate_manifest_member").write(tmp_path / "upload")
    tasks_dir = tmp_path / "small"
    tasks_dir.mkdir()
    script = (
        'mount -t tmpfs -o size=6m tmpfs "$1" && "$2" pip "$3" --tasks-dir "$1"; '
        'echo "exit=$?"; find "$1" -name "*taskcollect-copy*"; '
        '"$1"/1/*/0.0.1/venv/bin/python -m pip --version'
    )
    completed = subprocess.run(
        [*prefix, "sh", "-c", script, "sh", tasks_dir, TASKCOLLECT, wheel],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = completed.stdout
    assert "exit=0" in out, out + completed.stderr
    assert "Warning: The kept venv could not be made self-contained (copying " in out
    assert "No space left on device" in out
    assert "taskcollect-copy" not in out.split("exit=0")[1]
    assert out.rstrip().splitlines()[-1].startswith("pip ")


def test_a_venv_kept_with_tasks_dir_is_self_contained(
    task_package: TaskPackageFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = task_package("fractal_tasks_mock").path
    status, out, _ = run_main(["pip", str(wheel), "--tasks-dir", str(tmp_path)], capsys)
    assert status == 0, out
    venv = tmp_path / "1" / "fractal-tasks-mock" / "0.0.1" / "venv"
    links = [path for path in (venv / "lib").rglob("*") if path.is_symlink()]
    assert links == []
