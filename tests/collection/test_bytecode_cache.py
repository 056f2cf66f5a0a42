"""``BytecodeCache``: a module compiled once is the ``.pyc`` a fresh compilation writes, at any
path (real ``compileall`` on both sides, real files)."""

from __future__ import annotations

import compileall
import importlib.util
import os
import stat
from collections.abc import Mapping
from pathlib import Path

import pytest

from pytest_taskcollect.collection.bytecode_cache import BytecodeCache, cache_size, clear, trim

_MODULE = '''"""A module with functions, a class, constants and a lambda."""
import os

LIMIT = 3.5
NAMES = ("a", "b", {"c": [1, 2]})


def twice(value):
    return [value * 2 for _ in range(2)]


class Thing:
    def method(self, other=lambda: os.sep):
        return f"{self!r} {other()}"
'''


def _pyc_path(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


class _Compiler:
    """pip's compilation (``compileall.compile_file(force=True)``), remembering its inputs."""

    def __init__(self) -> None:
        self.compiled: list[Path] = []

    def __call__(self, sources: list[Path]) -> Mapping[str, str]:
        self.compiled += sources
        done = {}
        for source in sources:
            if compileall.compile_file(str(source), force=True, quiet=2):
                done[str(source)] = str(_pyc_path(source))
        return done


def _install(folder: Path, files: Mapping[str, str]) -> list[Path]:
    """Write ``files`` (relative path: text) under ``folder``, as an install would."""
    sources = []
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        sources.append(path)
    return sources


def _fresh(sources: list[Path]) -> dict[Path, tuple[bytes, int]]:
    """What a plain compilation leaves: each ``.pyc``'s bytes and permissions."""
    result = {}
    for source in sources:
        pyc = _pyc_path(source)
        result[source] = (pyc.read_bytes(), stat.S_IMODE(pyc.stat().st_mode))
    return result


@pytest.mark.parametrize("second_place", ["site-b", "a-much-longer-folder-name/site"])
def test_a_cached_module_is_a_fresh_compilation(tmp_path: Path, second_place: str) -> None:
    """Installed again elsewhere, every module comes from the cache, byte for byte (header
    included) and mode for mode what compiling it there writes; nothing is compiled."""
    cache = BytecodeCache(tmp_path / "cache", importlib.util.MAGIC_NUMBER.hex())
    files = {"pkg/__init__.py": "", "pkg/mod.py": _MODULE, "pkg/sub/deep.py": _MODULE + "X = 1\n"}
    first = _Compiler()
    cache.compile(_install(tmp_path / "site-a", files), _pyc_path, first)
    assert len(first.compiled) == 3
    assert cache_size(tmp_path / "cache")[0] == 3

    sources = _install(tmp_path / second_place, files)
    (sources[1]).chmod(0o640)  # py_compile derives the .pyc's mode from the source's
    second = _Compiler()
    done = cache.compile(sources, _pyc_path, second)
    assert second.compiled == []
    assert done == {str(source): str(_pyc_path(source)) for source in sources}
    from_cache = _fresh(sources)
    cache.compile(sources, _pyc_path, second)  # over the .pyc files there: replaced
    assert _fresh(sources) == from_cache

    for source in sources:
        _pyc_path(source).unlink()
    _Compiler()(sources)
    assert from_cache == _fresh(sources)
    assert not list((tmp_path / second_place).rglob("*.pyc.*"))  # no temporary left


def test_what_cannot_be_reused_is_compiled(tmp_path: Path) -> None:
    """A module naming its own path in its code (the file name occurs twice), one that does
    not compile (pip skips it) and one under a non-ASCII path are compiled each time."""
    cache = BytecodeCache(tmp_path / "cache", importlib.util.MAGIC_NUMBER.hex())
    for place in ("one", "two"):
        folder = tmp_path / place
        own = folder / "own.py"
        sources = _install(
            folder,
            {
                "own.py": f"HERE = {str(own)!r}\n",
                "broken.py": "def broken(:\n",
                "naïve/mod.py": _MODULE,
            },
        )
        compiler = _Compiler()
        done = cache.compile(sources, _pyc_path, compiler)
        assert compiler.compiled == sources
        assert sorted(done) == sorted(
            str(source) for source in sources if "broken" not in source.name
        )


def test_another_interpreter_has_its_own_entries(tmp_path: Path) -> None:
    """Entries are kept per bytecode magic number: another interpreter's are never used."""
    sources = _install(tmp_path / "site", {"mod.py": _MODULE})
    BytecodeCache(tmp_path / "cache", importlib.util.MAGIC_NUMBER.hex()).compile(
        sources, _pyc_path, _Compiler()
    )
    other = _Compiler()
    BytecodeCache(tmp_path / "cache", "0d0d0d0a").compile(sources, _pyc_path, other)
    assert other.compiled == sources


def test_clear_empties_the_cache(tmp_path: Path) -> None:
    sources = _install(tmp_path / "site", {"a.py": _MODULE, "b.py": "B = 2\n"})
    BytecodeCache(tmp_path / "cache", importlib.util.MAGIC_NUMBER.hex()).compile(
        sources, _pyc_path, _Compiler()
    )
    count, size = clear(tmp_path / "cache")
    assert count == 2
    assert size > 0
    assert not (tmp_path / "cache").exists()
    assert clear(tmp_path / "cache") == (0, 0)
    assert os.listdir(tmp_path) == ["site"]


def test_past_its_cap_the_oldest_entries_go(tmp_path: Path) -> None:
    """A compilation that stores a module into a cache over its cap removes the oldest
    entries until the cache holds four fifths of the cap: the next install compiles exactly
    those modules again and takes the others, the new one included, from the cache."""
    root, magic = tmp_path / "cache", importlib.util.MAGIC_NUMBER.hex()
    sources = _install(tmp_path / "site", {f"m{i}.py": f"{_MODULE}N = {i}\n" for i in range(6)})
    timed: set[str] = set()
    for age, source in enumerate(sources):  # one entry per second, oldest first
        BytecodeCache(root, magic).compile([source], _pyc_path, _Compiler())
        for folder, _, files in os.walk(root):
            for path in {os.path.join(folder, name) for name in files} - timed:
                os.utime(path, ns=(age * 10**9, age * 10**9))
                timed.add(path)
    count, size = cache_size(root)
    assert count == 6
    cap = size * 9 // 10  # six entries fit, seven do not; four fifths of it hold four

    (new,) = _install(tmp_path / "site", {"m6.py": f"{_MODULE}N = 6\n"})
    BytecodeCache(root, magic, max_bytes=cap).compile([new], _pyc_path, _Compiler())

    count, size = cache_size(root)
    assert (count, size <= cap * 4 // 5) == (4, True)
    again = _Compiler()
    BytecodeCache(root, magic, max_bytes=cap).compile([*sources, new], _pyc_path, again)
    assert again.compiled == sources[:3]


def test_under_its_cap_nothing_goes(tmp_path: Path) -> None:
    root, magic = tmp_path / "cache", importlib.util.MAGIC_NUMBER.hex()
    sources = _install(tmp_path / "site", {"a.py": _MODULE, "b.py": "B = 2\n"})
    BytecodeCache(root, magic).compile(sources, _pyc_path, _Compiler())
    held = cache_size(root)
    assert trim(root, held[1]) == 0
    assert cache_size(root) == held
