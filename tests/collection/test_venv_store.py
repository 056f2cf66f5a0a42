"""The persistent venv store: shared by processes, never half-written, checked, capped.

Real collections in real processes: pytest-xdist workers collecting the same wheel into one
store, a collection killed with SIGKILL while it stores its venv, a stored file changed through
a collected venv, and the size cap.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_taskcollect import BuiltWheel, TaskPackageFactory
from pytest_taskcollect.collection import CollectionResult, CollectionSettings, collect_pip
from pytest_taskcollect.collection.venv_cache import store_info
from pytest_taskcollect.schemas import TaskCollectPipV2


def _collect(settings: CollectionSettings, wheel: Path) -> CollectionResult:
    return collect_pip(TaskCollectPipV2(), wheel=wheel, settings=settings).raise_for_status()


def test_one_entry_per_key_under_xdist(
    pytester: pytest.Pytester, mock_wheel: BuiltWheel, tmp_path: Path
) -> None:
    """Four tests on two xdist workers collect the same wheel into one store: one entry, no
    leftovers, and each worker's second collection reuses a stored venv."""
    store, outcomes = tmp_path / "store", tmp_path / "outcomes.txt"
    pytester.makepyfile(
        test_inner=f"""
        import pytest
        from pytest_taskcollect.collection import CollectionSettings, collect_pip
        from pytest_taskcollect.schemas import TaskCollectPipV2

        @pytest.mark.parametrize("n", range(4))
        def test_collect(n, tmp_path):
            settings = CollectionSettings(tasks_dir=tmp_path, venv_store={str(store)!r})
            result = collect_pip(
                TaskCollectPipV2(), wheel={str(mock_wheel.path)!r}, settings=settings
            ).raise_for_status()
            reused = "reused the venv" in result.log
            freeze = result.task_group.pip_freeze.replace(str(tmp_path), "<T>")
            with open({str(outcomes)!r}, "a") as handle:
                handle.write(f"{{reused}} {{freeze!r}}\\n")
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    info = store_info(store)
    assert len(info.entries) == 1
    assert info.leftovers == ()
    lines = outcomes.read_text().splitlines()
    assert len(lines) == 4
    assert sum(line.startswith("True ") for line in lines) >= 2
    assert len({line.split(" ", 1)[1] for line in lines}) == 1


_KILLED_WHILE_STORING = """
import sys, time
from pathlib import Path
from pytest_taskcollect.collection import CollectionSettings, collect_pip, venv_cache
from pytest_taskcollect.schemas import TaskCollectPipV2

tasks_dir, store, wheel, marker = sys.argv[1:]
clone = venv_cache._clone_tree

def clone_then_wait(*args):
    clone(*args)
    Path(marker).write_text("cloned")
    time.sleep(600)

venv_cache._clone_tree = clone_then_wait
settings = CollectionSettings(tasks_dir=tasks_dir, venv_store=store)
collect_pip(TaskCollectPipV2(), wheel=wheel, settings=settings)
"""


def test_sigkill_while_storing_leaves_no_entry(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings], tmp_path: Path
) -> None:
    """A collection killed (SIGKILL) after copying its venv into the store, before publishing
    it: no entry for the key, only a staging folder, which the next store of that key
    removes; that store is complete and the collection after it reuses it."""
    store, marker = tmp_path / "store", tmp_path / "cloned"
    arguments = [str(tmp_path / "killed"), str(store), str(mock_wheel.path), str(marker)]
    child = subprocess.Popen([sys.executable, "-c", _KILLED_WHILE_STORING, *arguments])
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert child.poll() is None, "the collection ended before storing"
            assert time.monotonic() < deadline, "the collection never reached the store"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    killed = store_info(store)
    assert killed.entries == ()
    assert [path.name.startswith(".staging-") for path in killed.leftovers] == [True]

    def collect(name: str) -> CollectionResult:
        return _collect(make_settings(tasks_dir=tmp_path / name, venv_store=store), mock_wheel.path)

    first = collect("first")
    assert "reused the venv" not in first.log
    assert "stored the venv" in first.log
    stored = store_info(store)
    assert (len(stored.entries), stored.leftovers) == (1, ())
    second = collect("second")
    assert "reused the venv" in second.log


_STORE_AND_WAIT = """
import sys
from pytest_taskcollect.collection import CollectionSettings, collect_pip, venv_cache
from pytest_taskcollect.schemas import TaskCollectPipV2

tasks_dir, store, wheel = sys.argv[1:]
clone = venv_cache._clone_tree

def clone_then_wait(*args):
    clone(*args)
    print("cloned", flush=True)
    sys.stdin.read()

venv_cache._clone_tree = clone_then_wait
settings = CollectionSettings(tasks_dir=tasks_dir, venv_store=store)
collect_pip(TaskCollectPipV2(), wheel=wheel, settings=settings)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_while_storing_leaves_nothing(
    signum: signal.Signals, mock_wheel: BuiltWheel, tmp_path: Path
) -> None:
    """Ctrl-C or SIGTERM while the collection copies its venv into the store: the staging
    folder goes with the task-group folder (the interrupt clean-up of ``collect_pip``), the
    store holds nothing, and the process ends by the signal."""
    store, tasks_dir = tmp_path / "store", tmp_path / "tasks"
    argv = [sys.executable, "-c", _STORE_AND_WAIT, str(tasks_dir), str(store), str(mock_wheel.path)]
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "cloned"
    assert len(store_info(store).leftovers) == 1  # the staging folder, being written
    child.send_signal(signum)
    child.communicate(timeout=60)
    assert child.returncode == -signum
    after = store_info(store)
    assert (after.entries, after.leftovers) == ((), ())
    assert [path for path in tasks_dir.rglob("*") if path.is_file()] == []


def test_a_stored_file_changed_through_a_venv_is_not_reused(
    mock_wheel: BuiltWheel, make_settings: Callable[..., CollectionSettings], tmp_path: Path
) -> None:
    """Stored files are hard links of the collected venv's: one written in place (not as pip
    writes, which replaces files) changes the stored copy, and the store drops the entry."""
    store = tmp_path / "store"

    def collect(name: str) -> CollectionResult:
        return _collect(make_settings(tasks_dir=tmp_path / name, venv_store=store), mock_wheel.path)

    first = collect("first")
    assert first.task_group is not None
    task_file = first.tasks[0].command_non_parallel or first.tasks[0].command_parallel
    assert task_file is not None
    with open(task_file.split()[-1], "a") as handle:
        handle.write("# changed in place\n")
    second = collect("second")
    assert "changed" in second.log
    assert "removed it" in second.log
    assert "reused the venv" not in second.log
    third = collect("third")
    assert "reused the venv" in third.log
    assert third.task_group is not None
    third_file = (third.tasks[0].command_non_parallel or "").split()[-1]
    assert "# changed in place" not in Path(third_file).read_text()


def test_size_cap_removes_the_least_recently_used(
    build_package: TaskPackageFactory,
    mock_wheel: BuiltWheel,
    make_settings: Callable[..., CollectionSettings],
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    settings = make_settings(venv_store=store, venv_store_max_bytes=1)
    _collect(settings.model_copy(update={"tasks_dir": tmp_path / "a"}), mock_wheel.path)
    (first_key,) = (key for key, _, _ in store_info(store).entries)
    other = build_package("fractal_tasks_mock", version="0.0.2")
    _collect(settings.model_copy(update={"tasks_dir": tmp_path / "b"}), other.path)
    entries = store_info(store).entries
    assert len(entries) == 1
    assert entries[0][0] != first_key
