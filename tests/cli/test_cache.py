"""``taskcollect cache info|clear|fetch-pip``: what the persistent cache holds, emptying it, and
which release's pip ``fetch-pip`` is for."""

from __future__ import annotations

import compileall
import importlib.util
from pathlib import Path

from pytest_taskcollect import TaskPackageFactory
from pytest_taskcollect.collection.bytecode_cache import BytecodeCache
from support.console_script import Run


def test_info_and_clear(taskcollect: Run, task_package: TaskPackageFactory) -> None:
    empty = taskcollect("cache", "info")
    assert empty.returncode == 0, empty.stderr
    assert ": 0 venvs, 0.0 MB" in empty.stdout.splitlines()[0]

    wheel = task_package("fractal_tasks_mock").path
    assert taskcollect("pip", wheel).returncode == 0

    info = taskcollect("cache", "info")
    assert info.returncode == 0, info.stderr
    assert ": 1 venvs," in info.stdout.splitlines()[0]
    assert "Fetched pip wheels" in info.stdout

    assert "Emulated:" not in info.stdout  # the cache serves every release

    cleared = taskcollect("cache", "clear")
    assert cleared.returncode == 0, cleared.stderr
    assert "removed 1 venvs" in cleared.stdout
    assert ": 0 venvs," in taskcollect("cache", "info").stdout.splitlines()[0]


def test_fetch_pip_takes_a_supported_release(taskcollect: Run) -> None:
    """``--server-version`` is checked before anything is downloaded (no network needed)."""
    refused = taskcollect("cache", "fetch-pip", "--server-version", "2.13.0")
    assert refused.returncode == 2
    assert "2.14.5" in refused.stderr
    assert "2.26.0" in refused.stderr
    assert refused.stdout == ""


def test_info_and_clear_cover_the_bytecode_cache(taskcollect: Run, tmp_path: Path) -> None:
    """The modules compiled after uv installs (``bytecode/``) are listed and cleared."""
    source = tmp_path / "site" / "mod.py"
    source.parent.mkdir()
    source.write_text("def f():\n    return 1\n")
    cache = BytecodeCache(
        tmp_path / "taskcollect-cache" / "bytecode", importlib.util.MAGIC_NUMBER.hex()
    )

    def compile_file(sources: list[Path]) -> dict[str, str]:
        assert compileall.compile_file(str(source), force=True, quiet=2)
        return {str(source): importlib.util.cache_from_source(str(source))}

    cache.compile(
        [source], lambda path: Path(importlib.util.cache_from_source(str(path))), compile_file
    )
    info = taskcollect("cache", "info")
    assert info.returncode == 0, info.stderr
    assert "bytecode: 1 modules, 0.0 MB" in info.stdout

    cleared = taskcollect("cache", "clear")
    assert cleared.returncode == 0, cleared.stderr
    assert "bytecode: removed 1 modules" in cleared.stdout
    assert not (tmp_path / "taskcollect-cache" / "bytecode").exists()
    assert "bytecode: 0 modules" in taskcollect("cache", "info").stdout
