"""The harness itself, for every release it starts: a success, a background failure and a
rejection as the running server stores them, and clear errors when the harness cannot start.

These check the harness's reading of the server on its own (facts a differential test would
take for granted: where the group lives, which pip the venv ends with, what a failure leaves);
the differential tests compare our runners with the same records.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_taskcollect import TaskPackageFactory
from pytest_taskcollect.factory.cache import WheelCache

from .cases import three_task_spec
from .conftest import SERVER_RELEASES, ServerPool
from .fractal_server import FractalServer, ServerRelease, ServerStartError
from .postgres import PostgresCluster, PostgresError

pytestmark = [pytest.mark.server, pytest.mark.server_subset]

ONE_SENTENCE_AND_TAIL = re.compile(r"^[^\n]+; last lines of [^\n]+:\n.+", re.DOTALL)


@pytest.fixture(scope="session")
def release_wheels(
    task_wheel_cache: WheelCache, tmp_path_factory: pytest.TempPathFactory
) -> TaskPackageFactory:
    return TaskPackageFactory(task_wheel_cache, tmp_path_factory.mktemp("release-wheels"))


def _python_for(server: FractalServer) -> str:
    """The newest task Python of the release (3.13 for 2.26.0)."""
    newest = max(server.interpreters, key=lambda version: tuple(map(int, version.split("."))))
    return newest


@pytest.mark.parametrize("server_version", SERVER_RELEASES)
def test_success_is_stored(
    fractal_server: FractalServer, release_wheels: TaskPackageFactory, tmp_path: Path
) -> None:
    """A three-task wheel on the release's newest task Python: activity OK, the group and
    its three tasks stored with commands into the group's venv, the uploaded wheel kept."""
    wheel = release_wheels(three_task_spec())
    python = _python_for(fractal_server)
    served = fractal_server.submit_pip(wheel=wheel.path, python_version=python).wait()
    assert served.status == "OK", served.activity
    group = served.task_group
    assert group is not None
    path = f"{fractal_server.tasks_dir}/1/fractal-tasks-three/0.1.0"
    site = f"{path}/venv/lib/python{python}/site-packages/fractal_tasks_three"
    assert (group["pkg_name"], group["version"], group["python_version"]) == (
        "fractal-tasks-three",
        "0.1.0",
        python,
    )
    assert (group["path"], group["venv_path"], group["active"]) == (path, f"{path}/venv", True)
    release = ServerRelease(fractal_server.version)
    if release.uses_resources:
        # 2.17+: the uploaded file is `archive_path`, the freeze `env_info`, no venv size.
        assert group["archive_path"] == f"{path}/{wheel.filename}"
        freeze = group["env_info"]
        assert "venv_size_in_kB" not in group
        assert group["resource_id"] == 1
    else:
        assert group["wheel_path"] == f"{path}/{wheel.filename}"
        freeze = group["pip_freeze"]
        assert group["venv_size_in_kB"] > 10_000
        assert group["venv_file_number"] > 500
    assert freeze.startswith(f"fractal-tasks-three @ file://{path}/{wheel.filename}#sha256=")
    pip = re.search(r"\npip==(\S+)\n", freeze)
    assert pip is not None, freeze
    if release.uses_resources:
        # `pip install pip setuptools --upgrade`, uncapped: the folder's newest pip (26.3);
        # setuptools from the folder (3.13 venvs have none).
        assert pip[1] == "26.3"
        assert "\nsetuptools==80.9.0\n" in freeze
    else:
        assert pip[1] == "24.0"  # `pip<=24.0 --upgrade` from the shared folder
    commands = [task["command_non_parallel"] or task["command_parallel"] for task in served.tasks]
    assert commands == [
        f"{path}/venv/bin/python {site}/{name}.py" for name in ("create", "process", "measure")
    ]
    assert served.activity is not None
    assert served.activity["log"].rstrip().endswith("_prepare_tasks_metadata - end")


@pytest.mark.parametrize("server_version", SERVER_RELEASES)
def test_background_failure_is_stored(
    fractal_server: FractalServer, release_wheels: TaskPackageFactory
) -> None:
    """A wheel without manifest is accepted (202), then fails in ``4_pip_show.sh``: activity
    ``failed`` with the script's output, group row and folder deleted."""
    wheel = release_wheels("missing_manifest")
    served = fractal_server.submit_pip(wheel=wheel.path).wait()
    assert served.response.status == 202
    assert served.status == "failed"
    assert served.task_group is None
    assert served.tasks == []
    assert served.activity is not None
    assert served.activity["taskgroupv2_id"] is None
    log = served.activity["log"]
    assert "Task collect failed. Original error: Command bash " in log
    assert "ERROR: manifest path not found for fractal-tasks-missing-manifest" in log
    group_path = fractal_server.tasks_dir / "1" / "fractal-tasks-missing-manifest" / "0.0.1"
    assert not group_path.exists()


@pytest.mark.parametrize("server_version", SERVER_RELEASES)
def test_rejection_is_a_422(fractal_server: FractalServer, tmp_path: Path) -> None:
    """A file name that is not a wheel's: 422 with a one-element list (not a string)."""
    upload = tmp_path / "upload.bin"
    upload.write_bytes(b"not read")
    served = fractal_server.submit_pip(wheel=upload, filename="tasks.whl").wait()
    assert served.status == "rejected"
    detail = served.response.detail
    assert isinstance(detail, list)
    assert len(detail) == 1
    assert detail[0].startswith("Invalid wheel-file name tasks.whl. Original error: ")
    assert list(fractal_server.tasks_dir.iterdir()) == []


def test_a_server_that_cannot_start_fails_with_one_sentence_and_its_log(
    fractal_servers: ServerPool, postgres_cluster: PostgresCluster
) -> None:
    """An invalid setting (default task Python 3.8) stops the server at start-up: one
    sentence, then the tail of its log, which names the setting."""
    running = fractal_servers.get("2.14.5")
    root = fractal_servers.root / "broken-server"
    broken = FractalServer(
        release=running.release,
        python=running.python,
        cluster=postgres_cluster,
        root=root,
        tasks_dir=root / "tasks",
        find_links=running.find_links,
        interpreters=running.interpreters,
        default_python_version="3.8",
        label="broken",
    )
    with pytest.raises(ServerStartError) as raised:
        broken.start()
    broken.stop()
    message = str(raised.value)
    assert ONE_SENTENCE_AND_TAIL.match(message), message
    assert message.startswith("fractal-server 2.14.5 ")
    assert "FRACTAL_TASKS_PYTHON_DEFAULT_VERSION" in message


def test_a_cluster_that_cannot_start_fails_with_one_sentence_and_its_log(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    """A second cluster on the first one's port: one sentence, then PostgreSQL's own words."""
    with pytest.raises(PostgresError) as raised:
        PostgresCluster.create(port=postgres_cluster.port)
    message = str(raised.value)
    assert ONE_SENTENCE_AND_TAIL.match(message), message
    assert f"127.0.0.1:{postgres_cluster.port}" in message.splitlines()[0]
