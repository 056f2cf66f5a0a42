"""What must not pile up: venv-reuse folders of killed processes, and kept venvs that depend on
virtualenv's app-data folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pytest_taskcollect import BuiltWheel
from pytest_taskcollect.collection import make_venv_self_contained, venv_cache

MAKE_CACHE_ROOT = """
import sys
from pytest_taskcollect.collection import venv_cache
print(venv_cache._cache_root(), flush=True)
sys.stdin.read()  # live until told
"""


def cache_root_process(env: dict[str, str]) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", MAKE_CACHE_ROOT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_venv_reuse_folders_of_killed_processes_are_removed(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # a private temp dir: other runs stay out
    killed, killed_root = cache_root_process(env)
    killed.kill()
    killed.communicate()
    alive, alive_root = cache_root_process(env)
    assert killed_root.parent == alive_root.parent == tmp_path
    assert not killed_root.exists()  # the second process removed the dead one's folder

    venv_cache._remove_stale_roots(tmp_path, own=tmp_path / "none")  # a sweep, from here
    assert alive_root.is_dir()  # a live process's folder is never touched
    alive.communicate("")  # ends normally: removes its own folder at exit
    assert list(tmp_path.iterdir()) == []


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
