"""The collection's building blocks, without venvs: request rules, version rule, parsers."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from pytest_taskcollect.collection import (
    CollectionSettings,
    VersionLookupError,
    check_task_files_exist,
    collect_pip,
    parse_script_pip_show_stdout,
    prepare_tasks_metadata,
    resolve_package_version,
)
from pytest_taskcollect.collection.pip_path import _cut_field, _grep_joined
from pytest_taskcollect.collection.server_quirks import server_failure_warnings
from pytest_taskcollect.collection.venv import venv_size_and_file_number
from pytest_taskcollect.collection.versions import pick_version
from pytest_taskcollect.schemas import ManifestV2, TaskCollectPipV2, TaskCreateV2, WheelFile

SHOW_STDOUT = """\
Python interpreter: /some/venv/bin/python
Package name: fractal-tasks-mock
Package version: 0.0.1
Package parent folder: /some/venv/lib/python3.11/site-packages
Manifest absolute path: /some/venv/lib/python3.11/site-packages/x/__FRACTAL_MANIFEST__.json
"""


def test_parse_script_pip_show_stdout() -> None:
    assert parse_script_pip_show_stdout(SHOW_STDOUT) == {
        "python_bin": "/some/venv/bin/python",
        "package_name": "fractal-tasks-mock",
        "package_version": "0.0.1",
        "package_root_parent": "/some/venv/lib/python3.11/site-packages",
        "manifest_path": "/some/venv/lib/python3.11/site-packages/x/__FRACTAL_MANIFEST__.json",
    }
    with pytest.raises(ValueError, match="too many times"):
        parse_script_pip_show_stdout(SHOW_STDOUT + "Package name: again\n")
    with pytest.raises(ValueError, match="not found"):
        parse_script_pip_show_stdout("invalid")


def test_shell_text_helpers() -> None:
    show = "Name: pkg\nSummary: the Name: field\nLocation: /a:b/site\n"
    # grep "Name:" | cut -d ":" -f 2 | tr -d "[:space:]" joins every matching line.
    assert _cut_field(show, "Name:") == ("pkgthe Name", "pkgtheName")
    assert _cut_field(show, "Location:") == ("/a", "/a")
    assert _cut_field("Location: /my tasks/site\n", "Location:") == (
        "/my tasks/site",
        "/mytasks/site",
    )
    files = "Files:\n  a/__FRACTAL_MANIFEST__.json\n  tests/__FRACTAL_MANIFEST__.json\n"
    joined = "a/__FRACTAL_MANIFEST__.jsontests/__FRACTAL_MANIFEST__.json"
    assert _grep_joined(files, "__FRACTAL_MANIFEST__.json") == (joined, joined)


RELEASES = ["1.0.0", "1.2.0", "1.2.1", "1.2.9", "1.2.10", "1.20.0"]


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (None, "latest"),
        ("1.2.0", "1.2.0"),
        ("1.2.1", "1.2.1"),
        ("1.2.", "1.2.9"),
        ("1.2", "1.20.0"),
        ("1", "1.20.0"),
    ],
)
def test_pick_version(requested: str | None, expected: str) -> None:
    assert pick_version("pkg", requested, "latest", RELEASES) == expected


def test_pick_version_none_matching() -> None:
    with pytest.raises(VersionLookupError) as info:
        pick_version("pkg", "1.3", "1.20.0", RELEASES)
    assert str(info.value) == (
        "No version starting with 1.3 found.\nHint: specify the required version for 'pkg'."
    )


def test_offline_versions(versions_index: Path, tmp_path: Path) -> None:
    settings = CollectionSettings(tasks_dir=tmp_path, find_links=[versions_index])
    assert resolve_package_version("fractal-tasks-mock", None, settings) == "0.10.0"
    assert resolve_package_version("FrAcTaL_TaSkS.MoCk", "0.1", settings) == "0.10.0"
    assert resolve_package_version("fractal-tasks-mock", "0.1.1", settings) == "0.1.1"
    assert resolve_package_version("fractal-tasks-mock", "1.0", settings) == "1.0.0rc1"
    with pytest.raises(VersionLookupError, match="No version starting with 3 found"):
        resolve_package_version("fractal-tasks-mock", "3", settings)
    with pytest.raises(VersionLookupError, match="status_code 404"):
        resolve_package_version("fractal-tasks-unknown", None, settings)


def test_offline_versions_from_a_simple_index(versions_index: Path, tmp_path: Path) -> None:
    project = tmp_path / "simple" / "fractal-tasks-mock"
    project.mkdir(parents=True)
    links = "".join(
        f'<a href="../../files/{wheel.name}#sha256=00">{wheel.name}</a>\n'
        for wheel in sorted(versions_index.glob("*.whl"))
    )
    (project / "index.html").write_text(f"<html><body>{links}</body></html>")
    settings = CollectionSettings(
        tasks_dir=tmp_path, no_index=False, index_url=(tmp_path / "simple").as_uri()
    )
    assert resolve_package_version("fractal-tasks-mock", "0.1.", settings) == "0.1.1"
    assert resolve_package_version("fractal-tasks-mock", None, settings) == "0.10.0"


def _collect(settings: CollectionSettings, wheel: WheelFile | None = None, **request: object):
    return collect_pip(TaskCollectPipV2(**request), wheel=wheel, settings=settings)  # type: ignore[arg-type]


WHEEL = WheelFile(filename="fractal_tasks_mock-0.0.1-py3-none-any.whl", contents=b"")


@pytest.mark.parametrize(
    ("request_fields", "wheel", "stage", "message"),
    [
        ({}, None, "request", "When no `file` is provided, `package` is required."),
        ({"package": "fractal_tasks_mock"}, WHEEL, "request", "Cannot set `package` when"),
        ({"package_version": "0.0.1"}, WHEEL, "request", "Cannot set `package_version` when"),
        (
            {},
            WheelFile(filename="something;rm /invalid/path.whl", contents=b""),
            "request",
            "Wheel filename has forbidden characters, [';', '/']",
        ),
        ({}, WheelFile(filename="something.whl", contents=b""), "request", "Invalid wheel-file"),
        ({}, WheelFile(filename="a-", contents=b""), "paths", "Invalid task-group object"),
        (
            {"package": "invalid-task-package", "python_version": "3.9"},
            None,
            "python",
            "Python version 3.9 is not available for Fractal task collection.",
        ),
        ({"package": "not-in-any-index"}, None, "version", "status_code 404"),
    ],
)
def test_request_rules(
    settings: CollectionSettings,
    request_fields: dict[str, object],
    wheel: WheelFile | None,
    stage: str,
    message: str,
) -> None:
    result = _collect(settings, wheel, **request_fields)
    assert result.status == "failed"
    assert result.stage == stage
    assert result.error is not None
    assert message in result.error
    assert result.tasks == []
    assert not settings.tasks_dir.exists()
    with pytest.raises(RuntimeError, match="failed at stage"):
        result.raise_for_status()


def test_request_body_error_is_the_servers(settings: CollectionSettings) -> None:
    result = _collect(settings)
    assert result.error is not None
    assert result.error.startswith("Invalid request-body\n1 validation error for ")


def test_python_version_outside_the_servers_list(
    make_settings: Callable[..., CollectionSettings],
) -> None:
    result = _collect(make_settings(default_python_version="3.13"), package="x")
    assert result.stage == "python"
    assert result.error == "Python version 3.13 is not available for Fractal task collection."


def test_existing_folder_is_kept(settings: CollectionSettings) -> None:
    folder = settings.tasks_dir / "1" / "fractal-tasks-mock" / "0.0.1"
    folder.mkdir(parents=True)
    (folder / "keep-me").write_text("mine")
    result = _collect(settings, WHEEL)
    assert (result.status, result.stage) == ("failed", "paths")
    assert result.error == f"{folder.as_posix()} already exists."
    assert (folder / "keep-me").read_text() == "mine"
    assert not any("already owns" in warning for warning in result.warnings)


def test_a_collected_task_group_gets_the_servers_duplicate_answer_as_a_warning(
    settings: CollectionSettings,
) -> None:
    """The server refuses a duplicate from its database; we find the group by its folder."""
    folder = settings.tasks_dir / "1" / "fractal-tasks-mock" / "0.0.1"
    for name in ("venv", "scripts"):
        (folder / name).mkdir(parents=True)
    result = _collect(settings, WHEEL)
    assert (result.stage, result.error) == ("paths", f"{folder.as_posix()} already exists.")
    assert result.warnings == [
        f"{folder.as_posix()} holds a collected task group. fractal-server 2.14.5 refuses this "
        "collection before it looks at the folder, for the task group its database holds: "
        "\"User '<your email>' already owns a task group with name='fractal-tasks-mock' and "
        "version='0.0.1'.\" (with a note on that collection's status). pytest-taskcollect "
        "keeps no database, so it reports the folder, as the server does for a folder without "
        "a task group."
    ]


def test_prepare_tasks_metadata_and_file_check(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "a.py").write_text("")
    manifest = ManifestV2(
        manifest_version="2",
        has_args_schemas=False,
        args_schema_version="ignored",
        authors="Me",
        task_list=[
            {"name": "a", "executable_non_parallel": "a.py"},
            {"name": "b", "executable_parallel": "b.py", "type": "parallel"},
        ],
    )
    tasks = prepare_tasks_metadata(
        package_manifest=manifest,
        python_bin=Path("/v/bin/python"),
        package_root=root,
        package_version="1.0",
    )
    assert [task.type for task in tasks] == ["non_parallel", "parallel"]
    assert tasks[0].command_non_parallel == f"/v/bin/python {root.as_posix()}/a.py"
    assert all(task.version == "1.0" and task.authors == "Me" for task in tasks)
    assert all(task.args_schema_version is None for task in tasks)
    with pytest.raises(FileNotFoundError) as info:
        check_task_files_exist(tasks)
    assert str(info.value) == (
        f"Task `b` has `command_parallel` pointing to missing file `{root.as_posix()}/b.py`."
    )
    check_task_files_exist(tasks[:1])
    missing = TaskCreateV2(name="c", command_non_parallel="python /nowhere/c.py")
    with pytest.raises(FileNotFoundError, match="missing file"):
        check_task_files_exist([missing])


def test_server_failure_warnings() -> None:
    assert (
        server_failure_warnings(
            path="/t/1/p/1.0",
            venv_path="/t/1/p/1.0/venv",
            interpreter="/usr/bin/python3",
            install_string="/t/1/p/1.0/p-1.0-py3-none-any.whl[extra]",
            pip_cache_dir=None,
        )
        == []
    )
    warnings = server_failure_warnings(
        path="/t d/1/p/1.0",
        venv_path="/t d/1/p/1.0/venv",
        interpreter="/opt/my python/bin/python3",
        install_string="/t d/1/p/1.0/p-1.0-py3-none-any (2).whl",
        pip_cache_dir="/cache dir",
    )
    assert len(warnings) == 4
    assert all(warning.startswith("fractal-server 2.14.5 would fail here") for warning in warnings)


def test_venv_size_and_file_number_match_du_and_find(tmp_path: Path) -> None:
    root = tmp_path / "venv"
    (root / "sub").mkdir(parents=True)
    for index, size in enumerate((0, 1, 5000, 1 << 20)):
        (root / f"f{index}").write_bytes(b"x" * size)
    (root / "sub" / "g").write_bytes(b"y" * 70000)
    (root / "link").symlink_to("/" + "long-symlink-target/" * 10)
    (root / "hard").hardlink_to(root / "f3")
    du = subprocess.run(["du", "-sk", str(root)], capture_output=True, text=True, check=True)
    find = subprocess.run(
        ["find", str(root), "-type", "f"], capture_output=True, text=True, check=True
    )
    expected = (int(du.stdout.split()[0]), len(find.stdout.splitlines()))
    assert venv_size_and_file_number(root) == expected


class _FakePyPI(http.server.BaseHTTPRequestHandler):
    """``/pypi/<name>/json`` like PyPI's JSON API, for three made-up projects."""

    projects: ClassVar[dict[str, object]] = {
        "fractal-tasks-core": {
            "info": {"version": "1.3.0"},
            "releases": {v: [] for v in ("1.0.0", "1.2.0", "1.2.1", "1.3.0")},
        },
        "no-keys": {"key": "value"},
    }

    def do_GET(self) -> None:
        name = self.path.split("/")[2]
        if name not in self.projects:
            self.send_error(404)
            return
        body = json.dumps(self.projects[name]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def fake_pypi() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakePyPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/pypi"
    server.shutdown()
    server.server_close()


def test_json_api_lookup(fake_pypi: str, tmp_path: Path) -> None:
    """The server's rule and messages against a JSON API (here a local stand-in for PyPI)."""
    settings = CollectionSettings(tasks_dir=tmp_path, no_index=False, pypi_json_url=fake_pypi)
    assert resolve_package_version("fractal-tasks-core", None, settings) == "1.3.0"
    assert resolve_package_version("fractal-tasks-core", "1.2", settings) == "1.2.1"
    assert resolve_package_version("fractal-tasks-core", "1.2.0", settings) == "1.2.0"
    with pytest.raises(VersionLookupError) as info:
        resolve_package_version("fractal-tasks-core", "1.2.2", settings)
    assert str(info.value).startswith("No version starting with 1.2.2 found.")
    with pytest.raises(VersionLookupError) as info:
        resolve_package_version("unknown", None, settings)
    assert str(info.value) == (
        f"Could not get {fake_pypi}/unknown/json (status_code 404).\n"
        "Hint: specify the required version for 'unknown'."
    )
    with pytest.raises(VersionLookupError, match="A KeyError error occurred while getting"):
        resolve_package_version("no-keys", None, settings)
    unreachable = settings.model_copy(update={"pypi_json_url": "http://127.0.0.1:9/pypi"})
    with pytest.raises(VersionLookupError, match="An unknown error occurred while getting"):
        resolve_package_version("x", None, unreachable)
