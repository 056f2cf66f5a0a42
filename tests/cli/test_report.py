"""The CLI's pure helpers: smoke-args files, validation-error sentences, displayed commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from pytest_taskcollect.cli.check import load_smoke_args
from pytest_taskcollect.cli.report import UsageError, describe_validation_error, display_command
from pytest_taskcollect.schemas import TaskCollectPipV2


def test_smoke_args_for_all_commands_or_per_kind(tmp_path: Path) -> None:
    path = tmp_path / "smoke.json"
    path.write_text(
        json.dumps(
            {
                "A": {"zarr_url": "x"},
                "B": {"non_parallel": {"a": 1}, "parallel": {"b": 2}},
                "C": {"parallel": 3},  # not per kind: an argument that happens to be "parallel"
            }
        )
    )

    assert load_smoke_args(str(path)) == {
        "A": {None: {"zarr_url": "x"}},
        "B": {"non_parallel": {"a": 1}, "parallel": {"b": 2}},
        "C": {None: {"parallel": 3}},
    }


def test_smoke_args_of_the_wrong_shape(tmp_path: Path) -> None:
    path = tmp_path / "smoke.json"
    path.write_text(json.dumps({"A": [1]}))

    with pytest.raises(UsageError, match="the arguments of task 'A' must be a JSON object"):
        load_smoke_args(str(path))


def test_validation_error_in_one_sentence() -> None:
    with pytest.raises(ValidationError) as caught:
        TaskCollectPipV2(package="", python_version="2.7")  # type: ignore[arg-type]

    assert describe_validation_error("request", caught.value) == (
        "Invalid request: package: String should have at least 1 character; python_version: "
        "Input should be '3.9', '3.10', '3.11' or '3.12'."
    )


def test_display_command() -> None:
    command = "/t/venv/bin/python /t/venv/site-packages/pkg/sub/task.py"

    assert display_command(command, "/t/venv/site-packages") == "python pkg/sub/task.py"
    assert display_command(command, "/elsewhere") == command
    assert display_command(command, None) == command
