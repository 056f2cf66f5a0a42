"""``check_wheel_collectable``: the static wheel check, against the broken-package catalogue
(what the server does with each preset) and against wheels broken in other ways."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from build import ProjectBuilder

from pytest_taskcollect import (
    BuiltWheel,
    TaskPackageSpec,
    TaskSpec,
    check_wheel_collectable,
    get_preset,
    preset_names,
)
from pytest_taskcollect.collection import CollectionSettings, prepare_tasks_metadata
from pytest_taskcollect.schemas import ManifestV2

from .conftest import rewrite_wheel

STATIC_STAGES = {"request", "show", "manifest", "tasks", "files"}
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fractal-tasks-demo"
MOCK_FILENAME = "fractal_tasks_mock-0.0.1-py3-none-any.whl"


@pytest.mark.parametrize("name", preset_names())
def test_problems_match_the_servers_outcome(
    name: str, task_package: Callable[[str], BuiltWheel]
) -> None:
    """A problem iff the server fails at a stage a static check can see, at that stage, with
    the server's message first."""
    outcome = get_preset(name).server_outcome
    report = check_wheel_collectable(task_package(name))
    if outcome.stage in STATIC_STAGES:
        assert [problem.stage for problem in report.problems] == [outcome.stage]
        assert report.first_problem is not None
        assert outcome.message in report.first_problem.message
        assert not report.ok
    else:
        assert report.problems == ()


def test_mock_package_is_clean_and_gives_the_servers_tasks(
    task_package: Callable[[str], BuiltWheel],
) -> None:
    built = task_package("fractal_tasks_mock")
    settings = CollectionSettings(tasks_dir=Path("/srv/tasks"), default_python_version="3.11")
    report = check_wheel_collectable(built, settings=settings)
    assert report.ok, report.summary()
    assert report.warnings == ()
    assert (report.pkg_name, report.version, report.metadata_name) == (
        "fractal-tasks-mock",
        "0.0.1",
        "fractal-tasks-mock",
    )
    venv = "/srv/tasks/1/fractal-tasks-mock/0.0.1/venv"
    assert report.python_bin == f"{venv}/bin/python"
    assert report.package_root == f"{venv}/lib/python3.11/site-packages/fractal_tasks_mock"
    assert report.manifest_entries == ("fractal_tasks_mock/__FRACTAL_MANIFEST__.json",)
    assert report.manifest == ManifestV2(**built.manifest)
    assert report.tasks == prepare_tasks_metadata(
        package_manifest=ManifestV2(**built.manifest),
        python_bin=Path(report.python_bin),
        package_root=Path(report.package_root),
        package_version="0.0.1",
    )
    assert "nothing stops fractal-server 2.14.5 from collecting it (16 task(s)" in (
        report.summary()
    )


def test_example_package_is_clean(tmp_path: Path) -> None:
    wheel = Path(ProjectBuilder(EXAMPLE).build("wheel", tmp_path))
    report = check_wheel_collectable(wheel)
    assert report.ok, report.summary()
    assert [task.name for task in report.tasks] == [
        "Create Demo Zarr",
        "Threshold Image",
        "Measure Features",
    ]


def test_name_mismatch_is_a_warning(task_package: Callable[[str], BuiltWheel]) -> None:
    report = check_wheel_collectable(task_package("non_canonical_name"))
    assert report.ok
    assert report.pkg_name == "fractal-tasks-non-canonical"
    assert report.metadata_name == "FrAcTaL-TaSkS-NoN-CaNoNiCaL"
    (warning,) = report.warnings
    assert warning.startswith(
        "Package name mismatch: pkg_name_task_group='fractal-tasks-non-canonical', "
        "pkg_name_pip_show='FrAcTaL-TaSkS-NoN-CaNoNiCaL'."
    )


def test_an_sdist_is_not_checked(task_package: Callable[[str], BuiltWheel]) -> None:
    report = check_wheel_collectable(task_package("sdist_only"))
    assert (report.problems, report.contents_checked, report.ok) == ((), False, False)
    assert report.version == "0.0.1.tar.gz"
    assert "pip builds it from source" in report.warnings[0]
    assert report.summary().startswith(
        "fractal_tasks_sdist_only-0.0.1.tar.gz: not a wheel, so its contents were not checked."
    )


def test_missing_import_package_is_explained(task_package: Callable[[str], BuiltWheel]) -> None:
    report = check_wheel_collectable(task_package("import_name_differs"))
    (problem,) = report.problems
    assert "the wheel has no `fractal_tasks_import_name_differs/` folder" in problem.explanation
    assert problem.explanation.endswith("the wheel's packages: other_tasks.")
    assert report.manifest_entries == ("other_tasks/__FRACTAL_MANIFEST__.json",)


def test_every_missing_file_is_reported_in_the_servers_order(
    task_package: Callable[..., BuiltWheel],
) -> None:
    compound = TaskSpec("compound", type="compound")
    spec = TaskPackageSpec(
        "fractal-tasks-missing-two",
        tasks=(compound, TaskSpec("other", type="parallel")),
        omit_files=("compound_init.py", "other.py"),
        extra_files={"tools/compound_init.py": ""},
    )
    report = check_wheel_collectable(task_package(spec))
    assert [problem.message.split(" pointing")[0] for problem in report.problems] == [
        "Task `compound` has `command_non_parallel`",
        "Task `other` has `command_parallel`",
    ]
    assert report.problems[0].explanation == (
        "`compound_init.py` is in the wheel as `fractal_tasks_missing_two/tools/compound_init.py`"
        ", not under `fractal_tasks_missing_two/`."
    )
    assert report.problems[1].explanation == (
        "`fractal_tasks_missing_two/other.py` is not in the wheel."
    )


def test_whitespace_in_an_executable_cuts_the_checked_path(
    task_package: Callable[..., BuiltWheel],
) -> None:
    spec = TaskPackageSpec(
        "fractal-tasks-space",
        tasks=(TaskSpec("t", type="non_parallel", executable_non_parallel="my task.py"),),
    )
    report = check_wheel_collectable(task_package(spec))
    (problem,) = report.problems
    assert problem.stage == "files"
    assert problem.message.endswith("/site-packages/fractal_tasks_space/my`.")
    assert "contains whitespace" in problem.explanation


def test_absolute_executable_is_a_warning(task_package: Callable[..., BuiltWheel]) -> None:
    spec = TaskPackageSpec(
        "fractal-tasks-absolute",
        tasks=(TaskSpec("t", type="non_parallel"),),
        manifest_patch={"/task_list/0/executable_non_parallel": "/opt/t.py"},
    )
    report = check_wheel_collectable(task_package(spec))
    assert report.problems == ()
    assert report.warnings == (
        "Task `t` has `command_non_parallel` pointing to `/opt/t.py`, outside site-packages: "
        "it is not in the wheel and cannot be checked.",
    )


def test_several_task_failures_are_all_reported(task_package: Callable[..., BuiltWheel]) -> None:
    spec = TaskPackageSpec(
        "fractal-tasks-two-bad-tasks",
        tasks=(
            TaskSpec("a", type="non_parallel", category=""),
            TaskSpec("b", type="non_parallel"),
            TaskSpec("c", type="non_parallel", tags=("x", "x")),
        ),
    )
    report = check_wheel_collectable(task_package(spec))
    assert [problem.stage for problem in report.problems] == ["tasks", "tasks"]
    assert "task `a` passes ManifestV2" in report.problems[0].explanation
    assert "List has repetitions" in report.problems[1].message
    assert [task.name for task in report.tasks] == ["b"]


def test_invalid_manifest_json(task_package: Callable[..., BuiltWheel]) -> None:
    spec = TaskPackageSpec(
        "fractal-tasks-bad-json",
        tasks=(TaskSpec("t"),),
        extra_files={"__FRACTAL_MANIFEST__.json": "{"},
    )
    (problem,) = check_wheel_collectable(task_package(spec)).problems
    assert problem.stage == "manifest"
    assert problem.message.startswith("Expecting property name enclosed in double quotes")


def test_manifest_in_purelib_data_is_found(
    task_package: Callable[[str], BuiltWheel], tmp_path: Path
) -> None:
    """``<name>.data/purelib/`` members are installed into site-packages, like pip does."""
    built = task_package("fractal_tasks_mock")
    data = "fractal_tasks_mock-0.0.1.data/purelib/"
    moved = rewrite_wheel(
        built.path,
        tmp_path / MOCK_FILENAME,
        lambda name: name if ".dist-info/" in name else data + name,
    )
    report = check_wheel_collectable(moved)
    assert report.ok, report.summary()
    assert report.manifest_entries == ("fractal_tasks_mock/__FRACTAL_MANIFEST__.json",)


@pytest.mark.parametrize(
    ("filename", "stage", "message"),
    [
        ("fractal_tasks_mock.whl", "request", "Invalid wheel-file name fractal_tasks_mock.whl."),
        ("a;b-0.0.1-py3-none-any.whl", "request", "Wheel filename has forbidden characters"),
        ("fractal_tasks_mock-0.0.1.whl", "install", "is not a valid wheel filename."),
        ("other-0.0.1-py3-none-any.whl", "install", "does not start with 'other'"),
        ("fractal_tasks_mock-0.0.1-cp27-none-any.whl", "install", "not a supported wheel"),
        ("fractal_tasks_mock-0.0(1)-py3-none-any.whl", "venv", "must not contain any of"),
    ],
)
def test_file_name_problems(
    filename: str,
    stage: str,
    message: str,
    task_package: Callable[[str], BuiltWheel],
    tmp_path: Path,
) -> None:
    wheel = tmp_path / filename
    wheel.write_bytes(task_package("fractal_tasks_mock").path.read_bytes())
    report = check_wheel_collectable(wheel)
    assert report.first_problem is not None
    assert report.first_problem.stage == stage
    assert message in report.first_problem.message


def test_metadata_name_must_match_the_folder_name(
    task_package: Callable[[str], BuiltWheel], tmp_path: Path
) -> None:
    """pip installs the wheel under its .dist-info folder's name; 4_pip_show.sh then asks for
    METADATA's Name, which pip does not find (the hostile catalogue's metadata_name_differs
    shows the real collection failing the same way)."""
    renamed = rewrite_wheel(
        task_package("fractal_tasks_mock").path,
        tmp_path / "other_name-0.0.1-py3-none-any.whl",
        lambda name: name.replace("fractal_tasks_mock-0.0.1", "other_name-0.0.1"),
    )
    (problem,) = check_wheel_collectable(renamed).problems
    assert (problem.stage, problem.message) == (
        "show",
        "ERROR: manifest path not found for fractal-tasks-mock",
    )
    assert "its .dist-info folder names it 'other-name'" in problem.explanation


def test_version_differing_from_the_metadata_is_a_warning(
    task_package: Callable[[str], BuiltWheel], tmp_path: Path
) -> None:
    """pip checks the name of a wheel given as a file, not its version."""
    wheel = tmp_path / "fractal_tasks_mock-0.0.2-py3-none-any.whl"
    wheel.write_bytes(task_package("fractal_tasks_mock").path.read_bytes())
    report = check_wheel_collectable(wheel)
    assert report.ok, report.summary()
    assert report.warnings == (
        "The server reads version '0.0.2' from the file name, where the wheel's version is "
        "'0.0.1'; the task group and every task get the server's reading. (pip installs the "
        "wheel all the same.)",
    )


def test_broken_archive_and_missing_metadata(
    task_package: Callable[[str], BuiltWheel], tmp_path: Path
) -> None:
    garbage = tmp_path / MOCK_FILENAME
    garbage.write_bytes(b"not a zip")
    (problem,) = check_wheel_collectable(garbage).problems
    assert problem.stage == "install"
    assert problem.message == (
        "ERROR: Wheel 'fractal-tasks-mock' located at "
        f"/fractal-tasks/1/fractal-tasks-mock/0.0.1/{MOCK_FILENAME} is invalid."
    )

    (tmp_path / "no-metadata").mkdir()
    no_metadata = rewrite_wheel(
        task_package("fractal_tasks_mock").path,
        tmp_path / "no-metadata" / MOCK_FILENAME,
        lambda name: None if name.endswith("METADATA") else name,
    )
    (problem,) = check_wheel_collectable(no_metadata).problems
    assert problem.message == "TypeError: expected string or bytes-like object, got 'NoneType'"
    assert "METADATA is missing or has no Version" in problem.explanation


def test_summary_lists_problems_with_their_explanation(
    task_package: Callable[[str], BuiltWheel],
) -> None:
    summary = check_wheel_collectable(task_package("empty_category")).summary()
    lines = summary.splitlines()
    assert lines[0] == (
        "fractal_tasks_empty_category-0.0.1-py3-none-any.whl: fractal-server 2.14.5 would fail "
        "to collect it (1 problem(s)):"
    )
    assert lines[1] == "  [tasks] 1 validation error for TaskCreateV2"
    assert lines[2] == "      category"
    assert lines[-1].startswith("      why: task `generic_task` passes ManifestV2 but not")


def test_version_read_differently_by_the_server_is_a_warning(
    task_package: Callable[[str], BuiltWheel], tmp_path: Path
) -> None:
    wheel = tmp_path / "fractal_tasks_mock-0.0.01-py3-none-any.whl"
    wheel.write_bytes(task_package("fractal_tasks_mock").path.read_bytes())
    report = check_wheel_collectable(wheel)
    assert report.ok, report.summary()  # pip compares parsed versions: 0.0.01 is 0.0.1
    assert report.version == "0.0.01"
    assert {task.version for task in report.tasks} == {"0.0.01"}
    assert report.warnings == (
        "The server reads version '0.0.01' from the file name, where the wheel's version is "
        "'0.0.1'; the task group and every task get the server's reading.",
    )


def test_task_group_rejected_by_the_endpoint(tmp_path: Path) -> None:
    wheel = tmp_path / "pkg--py3-none-any.whl"
    wheel.write_bytes(b"")
    report = check_wheel_collectable(wheel)
    assert [problem.stage for problem in report.problems] == ["paths", "install"]
    assert report.problems[0].message.startswith("Invalid task-group object. Original error:")
