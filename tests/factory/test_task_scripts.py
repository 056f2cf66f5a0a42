"""Generated task executables, installed in a venv and run the way fractal-server runs them:
``<venv python> <package_root>/<executable> --args-json A --out-json B``. Outputs are validated
with the server's output models (``TaskOutput`` / ``InitTaskOutput``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pytest_taskcollect import BuiltWheel, TaskArg, TaskPackageSpec, TaskSpec, build_task_wheel
from pytest_taskcollect.schemas import (
    cast_and_validate_init_task_output,
    cast_and_validate_task_output,
)

from .conftest import Venv, create_venv

ROLES_SPEC = TaskPackageSpec(
    name="fractal-tasks-roles",
    tasks=(
        TaskSpec("plain", type="non_parallel", args_non_parallel=(TaskArg("level", "integer"),)),
        TaskSpec("convert", type="converter_non_parallel"),
        TaskSpec(
            "compound",
            type="compound",
            executable_non_parallel="steps/init.py",
            executable_parallel="steps/compute.py",
            args_non_parallel=(TaskArg("channel", required=True),),
            output_types={"processed": True},
        ),
        TaskSpec(
            "convert_compound",
            type="converter_compound",
            executable_non_parallel="steps/convert_init.py",
            executable_parallel="steps/compute.py",
            output_types={"processed": True},
        ),
        TaskSpec("per_image", type="parallel", output_types={"processed": True}),
    ),
)
ZARR_DIR = "/data/plate.zarr"
IMAGES = [f"{ZARR_DIR}/A/01/0", f"{ZARR_DIR}/A/02/0"]
NON_PARALLEL_ARGS = {"zarr_urls": IMAGES, "zarr_dir": ZARR_DIR}
CONVERTED, INIT = f"{ZARR_DIR}/convert.zarr", f"{ZARR_DIR}/convert_init.zarr"
INIT_ROLES = ("compound_init", "converter_compound_init")


def run_task(
    python: Path, script: Path, args: dict[str, Any], workdir: Path
) -> subprocess.CompletedProcess[str]:
    """Run one executable with fresh ``--args-json`` / ``--out-json`` paths in ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    args_json = workdir / "args.json"
    args_json.write_text(json.dumps(args))
    command = [str(python), str(script), "--args-json", str(args_json)]
    return subprocess.run(
        [*command, "--out-json", str(workdir / "out.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )


def validate_output(role: str, output: Any) -> list[dict[str, Any]]:
    """Validate with the server's model for ``role``; return the items it produced."""
    if role in INIT_ROLES:
        init = cast_and_validate_init_task_output(output)
        return [item.model_dump() for item in init.parallelization_list]
    task_output = cast_and_validate_task_output(output)
    task_output.check_zarr_urls_are_unique()
    return [item.model_dump() for item in task_output.image_list_updates]


def arguments_for(schema: dict[str, Any]) -> dict[str, Any]:
    """Values for the required arguments of a generated args schema."""
    standard = {"zarr_urls": IMAGES, "zarr_dir": ZARR_DIR, "zarr_url": IMAGES[0], "init_args": {}}
    samples = {"string": "x", "integer": 1, "number": 1.0, "boolean": True, "object": {}}
    return {
        name: standard.get(name, samples.get(schema["properties"][name]["type"]))
        for name in schema.get("required", [])
    }


@pytest.fixture(scope="module")
def roles_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A venv with the roles package installed offline."""
    wheel = build_task_wheel(ROLES_SPEC, tmp_path_factory.mktemp("roles"))
    venv = create_venv(tmp_path_factory.mktemp("roles-venv") / "venv")
    result = venv.pip("install", "--no-index", wheel.path)
    assert result.returncode == 0, result.stderr
    return venv


@pytest.fixture
def roles_root(roles_venv: Venv) -> Path:
    """The installed package root of the roles package."""
    return roles_venv.site_packages / "fractal_tasks_roles"


@pytest.mark.parametrize(
    ("executable", "role", "args", "expected_urls"),
    [
        ("plain.py", "non_parallel", NON_PARALLEL_ARGS, IMAGES),
        ("convert.py", "converter_non_parallel", {"zarr_dir": ZARR_DIR}, [CONVERTED]),
        ("steps/init.py", "compound_init", {**NON_PARALLEL_ARGS, "channel": "DAPI"}, IMAGES),
        ("steps/convert_init.py", "converter_compound_init", {"zarr_dir": ZARR_DIR}, [INIT]),
        (
            "steps/compute.py",
            "compound_compute",
            {"zarr_url": IMAGES[0], "init_args": {}},
            IMAGES[:1],
        ),
        ("per_image.py", "parallel", {"zarr_url": IMAGES[1]}, IMAGES[1:]),
    ],
)
def test_each_role_writes_valid_output(
    roles_venv: Venv,
    roles_root: Path,
    tmp_path: Path,
    executable: str,
    role: str,
    args: dict[str, Any],
    expected_urls: list[str],
) -> None:
    result = run_task(roles_venv.python, roles_root / executable, args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "START" in result.stderr
    items = validate_output(role, json.loads((tmp_path / "out.json").read_text()))
    assert [item["zarr_url"] for item in items] == expected_urls
    if role == "compound_init":
        assert all(item["init_args"] == {"channel": "DAPI"} for item in items)
    if role in ("compound_compute", "parallel"):
        assert items[0]["types"] == {"processed": True}


def test_existing_out_json_is_refused(roles_venv: Venv, roles_root: Path, tmp_path: Path) -> None:
    (tmp_path / "out.json").write_text("keep me")
    result = run_task(
        roles_venv.python, roles_root / "per_image.py", {"zarr_url": IMAGES[0]}, tmp_path
    )
    assert result.returncode == 1
    assert f"Output file {tmp_path / 'out.json'} already exists. Terminating" in result.stderr
    assert (tmp_path / "out.json").read_text() == "keep me"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"zarr_dir": ZARR_DIR}, "missing=['zarr_urls', 'channel']"),
        ({"zarr_urls": [], "zarr_dir": ZARR_DIR, "channel": "x", "typo": 1}, "unexpected=['typo']"),
    ],
)
def test_arguments_are_checked_against_the_schema(
    roles_venv: Venv, roles_root: Path, tmp_path: Path, args: dict[str, Any], message: str
) -> None:
    result = run_task(roles_venv.python, roles_root / "steps" / "init.py", args, tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_help_describes_the_contract(roles_venv: Venv, roles_root: Path) -> None:
    result = subprocess.run(
        [str(roles_venv.python), str(roles_root / "plain.py"), "--help"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert "--args-json ARGS_JSON" in result.stdout
    assert "--out-json OUT_JSON" in result.stdout


def test_every_mock_executable_runs_from_the_installed_package(
    preset_venv: Venv, built_presets: dict[str, BuiltWheel], tmp_path: Path
) -> None:
    """All 16 tasks of the mock, run from where the server runs them, give valid output; a
    compound task's init output feeds its compute step."""
    root = preset_venv.site_packages / "fractal_tasks_mock"
    manifest = built_presets["fractal_tasks_mock"].manifest
    runs = 0
    for task in manifest["task_list"]:
        init_items: list[dict[str, Any]] = []
        for slot in ("non_parallel", "parallel"):
            if f"executable_{slot}" not in task:
                continue
            args = arguments_for(task[f"args_schema_{slot}"])
            if slot == "parallel" and init_items:
                args |= {
                    "zarr_url": init_items[0]["zarr_url"],
                    "init_args": init_items[0]["init_args"],
                }
            workdir = tmp_path / f"{task['name']}-{slot}"
            result = run_task(preset_venv.python, root / task[f"executable_{slot}"], args, workdir)
            assert result.returncode == 0, (task["name"], result.stderr)
            compound = task["type"] in ("compound", "converter_compound")
            role = "compound_init" if compound and slot == "non_parallel" else "update"
            items = validate_output(role, json.loads((workdir / "out.json").read_text()))
            if role == "compound_init":
                init_items = items
            runs += 1
    slots = ("executable_non_parallel", "executable_parallel")
    assert runs == sum(key in task for task in manifest["task_list"] for key in slots) == 22
