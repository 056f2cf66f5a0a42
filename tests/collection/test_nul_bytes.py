"""Paths the operating system refuses (a NUL byte): a failed result, never an exception.

fractal-server answers HTTP 500 there (an unhandled ``ValueError`` from ``os``); the result
says so.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pytest_taskcollect.collection import CollectionSettings, collect_custom, collect_pip
from pytest_taskcollect.schemas import TaskCollectCustomV2, TaskCollectPipV2

MANIFEST = {"manifest_version": "2", "task_list": []}


@pytest.mark.parametrize(
    ("fields", "stage"),
    [
        ({"python_interpreter": "/usr/bin/py\0thon", "package_root": "/tmp"}, "python"),
        ({"python_interpreter": sys.executable, "package_root": "/tm\0p"}, "paths"),
        ({"python_interpreter": sys.executable, "package_name": "js\0on"}, "paths"),
    ],
    ids=["interpreter", "package_root", "package_name"],
)
def test_custom_collection_with_a_nul_byte_fails(
    fields: dict[str, str], stage: str, tmp_path: Path
) -> None:
    request = TaskCollectCustomV2(manifest=MANIFEST, label="x", **fields)  # type: ignore[arg-type]
    result = collect_custom(request, settings=CollectionSettings(tasks_dir=tmp_path))
    assert (result.ok, result.stage) == (False, stage)
    assert result.error is not None
    assert "ValueError: embedded null byte." in result.error
    assert result.error.endswith("its endpoint answers HTTP 500.")


def test_pip_collection_of_a_wheel_path_with_a_nul_byte_fails(tmp_path: Path) -> None:
    result = collect_pip(
        TaskCollectPipV2(), wheel="/tmp/a\0b.whl", settings=CollectionSettings(tasks_dir=tmp_path)
    )
    assert (result.ok, result.stage) == (False, "request")
    assert result.error == "Cannot read the wheel file '/tmp/a\\x00b.whl': embedded null byte."
    assert list(tmp_path.iterdir()) == []
