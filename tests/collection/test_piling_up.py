"""What must not pile up: venv-store folders of killed processes, and kept venvs that depend on
virtualenv's app-data folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pytest_taskcollect import BuiltWheel
from pytest_taskcollect.collection import make_venv_self_contained, venv_cache

STORE_AND_WAIT = """
import sys
from pathlib import Path
from pytest_taskcollect.collection import CollectionSettings, collect_pip, venv_cache
from pytest_taskcollect.schemas import TaskCollectPipV2

tasks_dir, store, wheel = sys.argv[1:]
clone = venv_cache._clone_tree

def clone_then_wait(*args):
    clone(*args)
    print("cloned", flush=True)
    sys.stdin.read()  # live, holding the staging folder, until told

venv_cache._clone_tree = clone_then_wait
settings = CollectionSettings(tasks_dir=tasks_dir, venv_store=store)
collect_pip(TaskCollectPipV2(), wheel=wheel, settings=settings).raise_for_status()
"""


def storing_process(tasks_dir: Path, store: Path, wheel: Path) -> subprocess.Popen[str]:
    """A collection that stops while it stores its venv (its staging folder written)."""
    process = subprocess.Popen(
        [sys.executable, "-c", STORE_AND_WAIT, str(tasks_dir), str(store), str(wheel)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "cloned"
    return process


def test_store_leftovers_of_killed_processes_are_removed(
    mock_wheel: BuiltWheel, tmp_path: Path
) -> None:
    """A collection killed (SIGKILL) while storing leaves its staging folder; the next
    collection that stores removes it before storing; a sweep while that one is storing leaves
    its (live) staging folder alone, and it then publishes its entry as usual."""
    store = tmp_path / "store"
    killed = storing_process(tmp_path / "killed", store, mock_wheel.path)
    killed.kill()
    killed.communicate()
    (dead,) = venv_cache.store_info(store).leftovers
    alive = storing_process(tmp_path / "alive", store, mock_wheel.path)
    assert not dead.exists()
    (live,) = venv_cache.store_info(store).leftovers

    assert venv_cache._sweep_leftovers(store) == []  # a sweep, from here
    assert venv_cache.clear(store).leftovers == ()

    assert live.is_dir()
    alive.communicate("")
    assert alive.returncode == 0
    info = venv_cache.store_info(store)
    assert (len(info.entries), info.leftovers) == (1, ())


def test_a_kept_venv_keeps_pip_when_the_app_data_folder_goes(
    mock_wheel: BuiltWheel, tmp_path: Path
) -> None:
    """The venv is created with a private app-data folder (``XDG_CACHE_HOME``), made
    self-contained, then that folder is deleted: pip still works."""
    app_data = tmp_path / "xdg-cache"
    script = (
        "import sys\n"
        "from pytest_taskcollect.collection import CollectionSettings, collect_pip\n"
        "from pytest_taskcollect.schemas import TaskCollectPipV2\n"
        "result = collect_pip(TaskCollectPipV2(), wheel=sys.argv[1], settings=CollectionSettings("
        "tasks_dir=sys.argv[2], reuse_venvs=False))\n"
        "print(result.task_group.venv_path if result.ok else result.error)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(mock_wheel.path), str(tmp_path / "tasks")],
        env={**os.environ, "XDG_CACHE_HOME": str(app_data)},
        capture_output=True,
        text=True,
        check=True,
    )
    venv = Path(completed.stdout.strip())
    site = next((venv / "lib").glob("python3.*/site-packages"))
    assert (site / "pip").is_symlink()
    assert app_data in (site / "pip").resolve().parents

    replaced = make_venv_self_contained(venv)

    assert f"{site.relative_to(venv)}/pip" in replaced
    shutil.rmtree(app_data)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True
    )
    assert pip.returncode == 0, pip.stderr
    assert str(site) in pip.stdout
    links = [path for path in (venv / "lib").rglob("*") if path.is_symlink()]
    assert all(venv in path.resolve().parents for path in links), links
    assert make_venv_self_contained(venv) == []  # nothing left to do
