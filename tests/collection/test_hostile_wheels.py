"""The hostile-wheel catalogue against the real collection and the static check.

Every entry is collected for real (venv, pip, the server's steps) and checked statically: both
must agree on whether the wheel is collectable, neither may raise, each must match what the
catalogue documents, and a collection must leave nothing behind but its own group folder.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_taskcollect import (
    check_wheel_collectable,
    get_hostile_wheel,
    hostile_wheel_names,
)
from pytest_taskcollect.collection import CollectionSettings, collect_pip
from pytest_taskcollect.factory.raw_zip import RawMember, write_zip
from pytest_taskcollect.schemas import TaskCollectPipV2
from support.interpreters import find_interpreter


@pytest.mark.parametrize("name", hostile_wheel_names())
def test_check_and_collection_agree(
    name: str, settings: CollectionSettings, tmp_path: Path
) -> None:
    entry = get_hostile_wheel(name)
    wheel = entry.write(tmp_path / "upload")

    report = check_wheel_collectable(wheel)
    result = collect_pip(TaskCollectPipV2(), wheel=wheel, settings=settings)

    assert report.ok == result.ok == entry.collectable, (report.summary(), result.error)
    assert result.stage == entry.server_outcome.stage
    assert entry.server_outcome.message in (result.error if not result.ok else result.log)
    first = report.first_problem
    assert (first.stage if first else None) == entry.check_outcome.stage
    if first is not None:
        assert entry.check_outcome.message in first.message
    tasks_dir = settings.tasks_dir
    leftovers = sorted(path.relative_to(tasks_dir) for path in tasks_dir.rglob("*"))
    if result.ok:
        assert result.task_group is not None
        assert Path(result.task_group.path).is_dir()
    else:
        assert all(len(path.parts) <= 2 for path in leftovers), leftovers  # 1/<pkg>, not more
    assert not Path("/tmp/fractal-tasks-hostile-absolute.py").exists()


def test_catalogue_entries_are_documented_and_distinct() -> None:
    names = hostile_wheel_names()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert [name for name in names if f"`{name}`" not in readme] == []
    filenames = [get_hostile_wheel(name).filename for name in names]
    assert len(set(filenames)) == len(names)
    for name in names:
        entry = get_hostile_wheel(name)
        assert len(entry.doc) > 80, name
        assert entry.collectable == (entry.check_outcome.stage is None), name
    with pytest.raises(KeyError, match="Unknown hostile wheel 'nope'"):
        get_hostile_wheel("nope")


def test_raw_zip_writes_what_it_is_told(tmp_path: Path) -> None:
    """The writer's archives read back with ``zipfile``, lies included."""
    import zipfile

    archive = tmp_path / "a.zip"
    archive.write_bytes(
        write_zip(
            [
                RawMember("plain.txt", b"hello" * 100),
                RawMember("caf\u00e9.txt", b"x", method=0),
                RawMember("liar.txt", b"abc", method=0, crc=1),
            ]
        )
    )
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == ["plain.txt", "caf\u00e9.txt", "liar.txt"]
        assert opened.read("plain.txt") == b"hello" * 100
        assert opened.getinfo("plain.txt").compress_type == zipfile.ZIP_DEFLATED
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
            opened.read("liar.txt")


_MEASURE = textwrap.dedent(
    """
    import resource, sys
    from pytest_taskcollect import check_wheel_collectable
    report = check_wheel_collectable(sys.argv[1])
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print(report.ok, report.first_problem.stage if report.first_problem else None)
    print(" | ".join(report.warnings))
    """
)


@pytest.mark.parametrize("member", ["manifest", "record-first"])
def test_the_check_reads_a_1_gib_zip_bomb_in_bounded_memory(member: str, tmp_path: Path) -> None:
    """A 1 MiB wheel inflating to 1 GiB costs the check tens of MiB, not gigabytes: a manifest
    is read up to 16 MiB, other members are streamed (CRC-checked), at most 256 MiB in all, and
    a bomb placed before METADATA does not starve it."""
    from pytest_taskcollect.factory.hostile import _Package, _zeros

    package = _Package(f"gib-bomb-{member}")
    gib = 1024 * 1024 * 1024
    if member == "manifest":
        data = package.wheel(replace={package.manifest_name: _zeros(package.manifest_name, gib)})
    else:
        record = _zeros(f"{package.dist_info}/RECORD", gib)
        data = package.wheel(first=[record], record=False)
    wheel = tmp_path / package.filename
    wheel.write_bytes(data)
    assert wheel.stat().st_size < 1.1 * 1024 * 1024

    completed = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(wheel)], capture_output=True, text=True, check=True
    )
    peak_kib, verdict, warnings = completed.stdout.splitlines()
    assert int(peak_kib) < 150 * 1024, peak_kib
    if member == "manifest":
        assert verdict == "False manifest"
    else:
        assert verdict == "True None"
        assert "inflates to more than 256 MiB" in warnings


@pytest.mark.parametrize(
    "name",
    ["metadata_missing", "metadata_name_differs", "unsupported_platform_tag"],
)
def test_check_and_collection_agree_on_python_3_10(name: str, tmp_path: Path) -> None:
    """Where pip's behaviour depends on the venv's Python (``pkg_resources`` metadata before
    3.11, the interpreter's tags), on a real 3.10."""
    interpreter = find_interpreter("3.10")
    if interpreter is None:
        pytest.skip("no CPython 3.10 on this machine")
    settings = CollectionSettings(
        tasks_dir=tmp_path / "tasks",
        python_interpreters={"3.10": interpreter},
        default_python_version="3.10",
    )
    entry = get_hostile_wheel(name)
    wheel = entry.write(tmp_path / "upload")

    report = check_wheel_collectable(wheel, settings=settings)
    result = collect_pip(TaskCollectPipV2(), wheel=wheel, settings=settings)

    assert report.ok == result.ok == entry.collectable, (report.summary(), result.error)
    assert result.stage == entry.server_outcome.stage
