"""``run_task``: real subprocesses running task scripts with the Fractal command-line contract."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pytest_taskcollect.collection.run_task import TaskRunError, run_task
from pytest_taskcollect.schemas import InitTaskOutput, TaskCreateV2, TaskOutput

CONTRACT = """
import argparse, json, os, sys
parser = argparse.ArgumentParser()
parser.add_argument("--args-json", required=True)
parser.add_argument("--out-json", required=True)
ns = parser.parse_args()
if os.path.exists(ns.out_json):
    sys.exit(f"Output file {ns.out_json} already exists.")
args = json.load(open(ns.args_json))
"""


def make_task(tmp_path: Path, name: str, body: str, **fields: str) -> TaskCreateV2:
    """Write a task script and a ``TaskCreateV2`` whose command runs it, as collected."""
    script = tmp_path / f"{name}.py"
    script.write_text(CONTRACT + body, encoding="utf-8")
    command = f"{sys.executable} {script}"
    commands = {"command_non_parallel": command}
    if fields.get("type") in ("compound", "parallel"):
        commands["command_parallel"] = command
    if fields.get("type") == "parallel":
        del commands["command_non_parallel"]
    return TaskCreateV2(name=name, **commands, **fields)


WRITE_UPDATE = """
json.dump({"image_list_updates": [{"zarr_url": args["zarr_url"], "types": {"done": True}}]},
          open(ns.out_json, "w"))
"""
WRITE_INIT = """
json.dump({"parallelization_list": [{"zarr_url": u, "init_args": {"i": i}}
           for i, u in enumerate(args["zarr_urls"])]}, open(ns.out_json, "w"))
"""


def test_non_parallel_task_output_is_validated(tmp_path: Path) -> None:
    task = make_task(tmp_path, "update", WRITE_UPDATE, type="non_parallel")
    result = run_task(
        task, args={"zarr_url": "/data/a.zarr/"}, kind="non_parallel", workdir=tmp_path
    )
    result.raise_for_status()
    assert result.returncode == 0
    assert isinstance(result.output, TaskOutput)
    assert result.output.image_list_updates[0].zarr_url == "/data/a.zarr"
    assert json.loads(result.args_json.read_text()) == {"zarr_url": "/data/a.zarr/"}
    assert result.argv[-4:] == (
        "--args-json",
        str(result.args_json),
        "--out-json",
        str(result.out_json),
    )
    assert result.duration > 0


def test_each_call_gets_fresh_files(tmp_path: Path) -> None:
    task = make_task(tmp_path, "update", WRITE_UPDATE, type="non_parallel")
    first = run_task(task, args={"zarr_url": "/a"}, kind="non_parallel", workdir=tmp_path)
    second = run_task(task, args={"zarr_url": "/a"}, kind="non_parallel", workdir=tmp_path)
    assert first.ok
    assert second.ok
    assert first.out_json != second.out_json


def test_compound_init_returns_a_parallelization_list(tmp_path: Path) -> None:
    task = make_task(tmp_path, "compound", WRITE_INIT, type="compound")
    result = run_task(task, args={"zarr_urls": ["/a", "/b"]}, kind="non_parallel", workdir=tmp_path)
    result.raise_for_status()
    assert isinstance(result.output, InitTaskOutput)
    assert [item.init_args for item in result.output.parallelization_list] == [{"i": 0}, {"i": 1}]
    parallel = run_task(task, args={"zarr_urls": []}, kind="parallel", workdir=tmp_path)
    assert parallel.failure == "invalid_output"
    assert "Extra inputs are not permitted" in (parallel.error or "")


def test_no_output_file_means_no_output(tmp_path: Path) -> None:
    task = make_task(tmp_path, "silent", "print('nothing to say')\n", type="parallel")
    result = run_task(task, args={}, kind="parallel", workdir=tmp_path)
    assert result.ok
    assert result.raw_output is None
    assert result.output == TaskOutput()
    assert result.stdout == "nothing to say\n"


@pytest.mark.parametrize(
    ("body", "failure", "error"),
    [
        ("raise RuntimeError('boom')\n", "exit", "Task exited with return code 1."),
        ("open(ns.out_json, 'w').write('{not json')\n", "invalid_json", "is not valid JSON"),
        (
            "open(ns.out_json, 'w').write('[1, 2]')\n",
            "invalid_json",
            "holds a JSON list, not an object",
        ),
        (
            "json.dump({'image_list_updates': [], 'extra': 1}, open(ns.out_json, 'w'))\n",
            "invalid_output",
            "Validation of task output failed",
        ),
        (
            "json.dump({'image_list_removals': ['/a', '/a']}, open(ns.out_json, 'w'))\n",
            "invalid_output",
            "has non-unique zarr_urls",
        ),
    ],
    ids=["exit-1", "bad-json", "not-an-object", "extra-keys", "duplicate-urls"],
)
def test_broken_tasks_give_clear_failures(
    tmp_path: Path, body: str, failure: str, error: str
) -> None:
    task = make_task(tmp_path, "broken", body, type="non_parallel")
    result = run_task(task, args={}, kind="non_parallel", workdir=tmp_path)
    assert result.failure == failure
    assert error in (result.error or "")
    with pytest.raises(TaskRunError, match=f"failed \\[{failure}\\]") as info:
        result.raise_for_status()
    if failure == "exit":
        assert "RuntimeError: boom" in str(info.value)


def test_missing_interpreter_is_a_start_failure(tmp_path: Path) -> None:
    task = TaskCreateV2(name="t", command_non_parallel=f"{tmp_path}/nope/python {tmp_path}/t.py")
    result = run_task(task, args={}, kind="non_parallel", workdir=tmp_path)
    assert result.failure == "start"
    assert "Cannot run" in (result.error or "")


def test_timeout(tmp_path: Path) -> None:
    task = make_task(tmp_path, "slow", "import time; time.sleep(30)\n", type="non_parallel")
    result = run_task(task, args={}, kind="non_parallel", workdir=tmp_path, timeout=0.5)
    assert result.failure == "timeout"


def test_asking_for_a_missing_command_is_a_caller_error(tmp_path: Path) -> None:
    task = make_task(tmp_path, "only_np", WRITE_UPDATE, type="non_parallel")
    with pytest.raises(ValueError, match="has no command_parallel"):
        run_task(task, args={}, kind="parallel", workdir=tmp_path)


@pytest.mark.parametrize(
    "name",
    ["../../outside", "/etc/passwd", "a/b\\c", "." * 3, "x" * 5000, "na\u00efve \U0001f600", ".."],
)
def test_the_task_name_never_leaves_workdir(name: str, tmp_path: Path) -> None:
    """The name labels the run folder only: inside ``workdir``, short, whatever it holds."""
    scripts, workdir = tmp_path / "scripts", tmp_path / "deep" / "work"
    scripts.mkdir()
    task = make_task(scripts, "update", WRITE_UPDATE, type="non_parallel")
    task = task.model_copy(update={"name": name})

    result = run_task(task, args={"zarr_url": "/d/a.zarr"}, kind="non_parallel", workdir=workdir)

    assert result.ok, result.error
    assert result.task_name == name
    (run_dir,) = workdir.iterdir()
    assert result.args_json.parent == run_dir
    assert result.out_json.parent == run_dir
    assert len(run_dir.name) < 80
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "scripts"]
    assert sorted(p.name for p in run_dir.iterdir()) == ["args.json", "out.json"]


def test_an_unusable_workdir_is_a_start_failure(tmp_path: Path) -> None:
    task = make_task(tmp_path, "update", WRITE_UPDATE, type="non_parallel")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for workdir in (blocker, blocker / "below", tmp_path / "nul\0byte"):
        result = run_task(task, args={}, kind="non_parallel", workdir=workdir)
        assert (result.ok, result.failure, result.returncode) == (False, "start", None)
        assert (result.error or "").startswith(f"Cannot create the run folder in {workdir}: ")
        assert result.args_json.name == "args.json"
    assert blocker.read_text() == ""
