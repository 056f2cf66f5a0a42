"""A real fractal-server process, any release, for the differential tests.

``FractalServer`` runs ``fractalctl start`` from the release's cached venv
(``support.fractal_server_venv``) on 127.0.0.1, against a database cloned from a template that
``fractalctl set-db`` prepared once per cluster, with the local backend, its own tasks folder
and this machine's pyenv interpreters as the task Pythons. How those are configured depends on
the release (``ServerRelease``):

* up to 2.16.x, environment variables: ``FRACTAL_TASKS_DIR``,
  ``FRACTAL_TASKS_PYTHON_DEFAULT_VERSION``, ``FRACTAL_TASKS_PYTHON_3_X``; ``set-db`` creates
  the superuser;
* from 2.17.0, ``Resource`` and ``Profile`` database records (``tasks_local_dir``,
  ``tasks_python_config``), written by ``fractalctl init-db-data --resource FILE --profile FILE``
  together with the superuser.

The server's pip inherits its environment: ``PIP_CONFIG_FILE=/dev/null`` hides this machine's
pip configuration, ``PIP_NO_INDEX=1`` and ``PIP_FIND_LINKS`` give it exactly the sources our
runner gets. It starts in an empty working folder (no stray ``.fractal_server.env``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from .client import ApiResponse, FractalClient
from .postgres import PostgresCluster, free_port

__all__ = [
    "ADMIN_EMAIL",
    "ADMIN_PASSWORD",
    "FractalServer",
    "ServerCollection",
    "ServerRelease",
    "ServerStartError",
]

ADMIN_EMAIL = "admin@fractal.xy"
ADMIN_PASSWORD = "1234"
JWT_SECRET = "pytest-taskcollect-server-oracle"
START_TIMEOUT_S = 180
COLLECTION_TIMEOUT_S = 900
POLL_INTERVAL_S = 0.5
LOG_TAIL_LINES = 25
FINISHED = ("OK", "failed")

# Inherited variables that would change what the server or its pip do.
_DROPPED_PREFIXES = ("PIP_", "FRACTAL_", "POSTGRES_", "JWT_", "VIRTUALENV_")
_DROPPED = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")


class ServerStartError(RuntimeError):
    """The server (or its database) could not be prepared or started; the message is one
    sentence followed by the tail of the relevant log."""


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


@dataclass(frozen=True)
class ServerRelease:
    """What differs between releases in how the server is configured and stores a collection."""

    version: str

    @property
    def uses_resources(self) -> bool:
        """Task settings live in ``Resource``/``Profile`` records (2.17.0+)."""
        return Version(self.version) >= Version("2.17.0")

    @property
    def task_python_versions(self) -> tuple[str, ...]:
        """The ``X.Y`` the release accepts as task Pythons."""
        versions = ("3.9", "3.10", "3.11", "3.12")
        if Version(self.version) >= Version("2.15.7"):
            versions += ("3.13",)
        return versions

    @property
    def slug(self) -> str:
        return self.version.replace(".", "_")


def server_environment(find_links: Path) -> dict[str, str]:
    """The server's environment: this one without pip/fractal/python settings, plus offline
    pip from ``find_links`` (exactly the sources our runner gets) and no bytecode writing for
    imports (as our runner's pip subprocesses)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_DROPPED_PREFIXES) and key not in _DROPPED
    }
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(find_links),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@dataclass
class ServerCollection:
    """What the server did with one collection request, read back from the API and the DB.

    ``response`` is the collection endpoint's answer; for an accepted pip collection,
    ``activity`` is the finished activity row, ``task_group`` the task-group row (``None`` when
    the server deleted it after a failure) and ``tasks`` its task rows, in id order.
    """

    response: ApiResponse
    activity: dict[str, Any] | None = None
    task_group: dict[str, Any] | None = None
    tasks: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.response.status in (201, 202)

    @property
    def status(self) -> str:
        """``"OK"``, ``"failed"`` (background failure), ``"rejected"`` (a 422 for the
        request) or ``"HTTP <code>"`` for any other answer."""
        if self.response.status == 422:
            return "rejected"
        if not self.accepted:
            return f"HTTP {self.response.status}"
        if self.activity is None:
            return "OK"
        return str(self.activity["status"])


@dataclass
class FractalServer:
    """One running fractal-server of ``release`` (see the module docstring)."""

    release: ServerRelease
    python: Path
    cluster: PostgresCluster
    root: Path
    tasks_dir: Path
    find_links: Path
    interpreters: dict[str, Path]
    default_python_version: str = "3.11"
    label: str = ""
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    client: FractalClient = field(init=False)

    @property
    def version(self) -> str:
        return self.release.version

    @property
    def database(self) -> str:
        suffix = f"_{self.label}" if self.label else ""
        return f"fractal_{self.release.slug}{suffix}"

    @property
    def template(self) -> str:
        return f"fractal_{self.release.slug}_template"

    @property
    def fractalctl(self) -> Path:
        return self.python.parent / "fractalctl"

    @property
    def workdir(self) -> Path:
        return self.root / "cwd"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- configuration -------------------------------------------------------------------------

    def _env(self, database: str) -> dict[str, str]:
        env = server_environment(self.find_links)
        env.update(
            POSTGRES_HOST=self.cluster.host,
            POSTGRES_PORT=str(self.cluster.port),
            POSTGRES_USER="postgres",
            POSTGRES_DB=database,
            JWT_SECRET_KEY=JWT_SECRET,
            JWT_EXPIRE_SECONDS=str(24 * 3600),
            FRACTAL_RUNNER_BACKEND="local",
            FRACTAL_LOGGING_LEVEL="20",
        )
        if not self.release.uses_resources:
            env.update(self.task_settings_env(self.tasks_dir))
            env.update(FRACTAL_RUNNER_WORKING_BASE_DIR=str(self.root / "jobs"))
        return env

    def task_settings_env(self, tasks_dir: Path) -> dict[str, str]:
        """Up to 2.16.x: the task-collection variables the server gets, with ``tasks_dir``
        (``CollectionSettings.from_env`` reads the same)."""
        env = {
            "FRACTAL_TASKS_DIR": str(tasks_dir),
            "FRACTAL_TASKS_PYTHON_DEFAULT_VERSION": self.default_python_version,
        }
        for version, path in self.interpreters.items():
            env[f"FRACTAL_TASKS_PYTHON_{version.replace('.', '_')}"] = str(path)
        return env

    def resource(self, tasks_dir: Path) -> dict[str, Any]:
        """From 2.17.0: the ``Resource`` the server gets, with ``tasks_dir``
        (``CollectionSettings.from_resource`` reads the same)."""
        return {
            "name": "pytest-taskcollect local resource",
            "type": "local",
            "jobs_local_dir": str(self.root / "jobs"),
            "tasks_local_dir": str(tasks_dir),
            "tasks_python_config": {
                "default_version": self.default_python_version,
                "versions": {version: str(path) for version, path in self.interpreters.items()},
            },
            "jobs_poll_interval": 0,
            "jobs_runner_config": {},
            "tasks_pixi_config": {},
        }

    def _fractalctl(self, args: list[str], database: str, what: str) -> None:
        done = subprocess.run(
            [str(self.fractalctl), *args],
            cwd=self.workdir,
            env=self._env(database),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
        with self.log_file.open("a", encoding="utf-8") as log:
            log.write(f"$ fractalctl {' '.join(args)}\n{done.stdout}\n{done.stderr}\n")
        if done.returncode != 0:
            raise ServerStartError(
                f"fractal-server {self.version}: `fractalctl {args[0]}` ({what}) failed with "
                f"exit status {done.returncode}; last lines of its output:\n"
                f"{_tail(done.stdout + done.stderr)}"
            )

    def _prepare_template(self) -> None:
        """``fractalctl set-db`` into the template database, once per cluster."""
        if self.cluster.has_database(self.template):
            return
        staging = f"{self.template}_staging"
        self.cluster.psql(f'DROP DATABASE IF EXISTS "{staging}"')
        self.cluster.create_database(staging)
        self._fractalctl(["set-db"], staging, "database migrations")
        self.cluster.psql(f'ALTER DATABASE "{staging}" RENAME TO "{self.template}"')

    def _resource_records(self) -> None:
        """2.17+: the ``Resource`` (tasks folder, task Pythons) and ``Profile`` records and
        the superuser, with ``fractalctl init-db-data``."""
        resource = self.resource(self.tasks_dir)
        profile = {"resource_type": "local", "name": "pytest-taskcollect local profile"}
        resource_file, profile_file = self.root / "resource.json", self.root / "profile.json"
        resource_file.write_text(json.dumps(resource), encoding="utf-8")
        profile_file.write_text(json.dumps(profile), encoding="utf-8")
        (self.root / "projects").mkdir(exist_ok=True)
        self._fractalctl(
            [
                "init-db-data",
                "--resource",
                str(resource_file),
                "--profile",
                str(profile_file),
                "--admin-email",
                ADMIN_EMAIL,
                "--admin-pwd",
                ADMIN_PASSWORD,
                "--admin-project-dir",
                str(self.root / "projects"),
            ],
            self.database,
            "resource, profile and superuser",
        )

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Prepare the database and start the server; raise ``ServerStartError`` on failure."""
        for folder in (self.workdir, self.tasks_dir, self.root / "jobs"):
            folder.mkdir(parents=True, exist_ok=True)
        self._prepare_template()
        self.cluster.psql(f'DROP DATABASE IF EXISTS "{self.database}"')
        self.cluster.create_database(self.database, template=self.template)
        if self.release.uses_resources:
            self._resource_records()
        self.port = free_port()
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [str(self.fractalctl), "start", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.workdir,
                env=self._env(self.database),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.client = FractalClient(self.base_url)
        self._wait_alive()
        self.client.login(ADMIN_EMAIL, ADMIN_PASSWORD)

    def _wait_alive(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            returncode = self.process.poll()
            if returncode is not None:
                raise ServerStartError(
                    f"fractal-server {self.version} exited with status {returncode} while "
                    f"starting on port {self.port}; last lines of its log:\n{self.log_tail()}"
                )
            try:
                answer = self.client.get("/api/alive/", timeout=5)
            except OSError:
                answer = None
            if answer is not None and answer.status == 200:
                served = answer.body.get("version")
                if served != self.version:
                    raise ServerStartError(
                        f"the server on port {self.port} is fractal-server {served}, not "
                        f"{self.version}; last lines of its log:\n{self.log_tail()}"
                    )
                return
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(
                    f"fractal-server {self.version} did not answer GET /api/alive/ within "
                    f"{START_TIMEOUT_S} s; last lines of its log:\n{self.log_tail()}"
                )
            time.sleep(0.3)

    def log_tail(self) -> str:
        if not self.log_file.exists():
            return "(no log)"
        return _tail(self.log_file.read_text(encoding="utf-8", errors="replace"))

    def stop(self) -> None:
        """Stop the server (SIGTERM to its process group, SIGKILL after 15 s)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)

    def reset(self) -> None:
        """Forget every collection: wait for running ones, empty the task tables and the
        tasks folder. Cheaper than a new database, and the same for collection purposes."""
        deadline = time.monotonic() + COLLECTION_TIMEOUT_S
        while self._ongoing() and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL_S)
        self.cluster.psql(
            "TRUNCATE taskgroupactivityv2, taskv2, taskgroupv2 RESTART IDENTITY CASCADE",
            database=self.database,
        )
        for entry in self.tasks_dir.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def _ongoing(self) -> bool:
        rows = self.cluster.query_json(
            "SELECT id FROM taskgroupactivityv2 WHERE status IN ('pending', 'ongoing')",
            database=self.database,
        )
        return bool(rows)

    # -- collections ---------------------------------------------------------------------------

    def submit_pip(
        self, *, wheel: Path | None = None, filename: str | None = None, **fields: object
    ) -> PendingCollection:
        """Send a pip-collection request; ``.wait()`` on the result gives the outcome."""
        started = time.monotonic()
        return PendingCollection(
            self, self.client.collect_pip(wheel=wheel, filename=filename, **fields), started
        )

    def collect_custom(self, payload: dict[str, Any]) -> ServerCollection:
        """Send a custom-collection request and read back what it stored."""
        started = time.monotonic()
        response = self.client.collect_custom(payload)
        collection = ServerCollection(response)
        if response.status == 201 and isinstance(response.body, list) and response.body:
            group_id = response.body[0]["taskgroupv2_id"]
            collection.task_group = self.task_group_row(group_id)
            collection.tasks = self.task_rows(group_id)
        collection.seconds = time.monotonic() - started
        return collection

    def task_group_row(self, group_id: int) -> dict[str, Any] | None:
        rows = self.cluster.query_json(
            f"SELECT * FROM taskgroupv2 WHERE id = {int(group_id)}", database=self.database
        )
        return rows[0] if rows else None

    def task_rows(self, group_id: int) -> list[dict[str, Any]]:
        return self.cluster.query_json(
            f"SELECT * FROM taskv2 WHERE taskgroupv2_id = {int(group_id)} ORDER BY id",
            database=self.database,
        )

    def activity_row(self, activity_id: int) -> dict[str, Any]:
        return self.cluster.query_json(
            f"SELECT * FROM taskgroupactivityv2 WHERE id = {int(activity_id)}",
            database=self.database,
        )[0]


@dataclass
class PendingCollection:
    """A sent pip-collection request whose background part may still run."""

    server: FractalServer
    response: ApiResponse
    started: float

    def wait(self, timeout: float = COLLECTION_TIMEOUT_S) -> ServerCollection:
        """Poll the activity until it is ``OK`` or ``failed``; read the stored rows."""
        collection = ServerCollection(self.response)
        if self.response.status != 202:
            collection.seconds = time.monotonic() - self.started
            return collection
        activity_id = self.response.body["id"]
        deadline = time.monotonic() + timeout
        while True:
            answer = self.server.client.activity(activity_id)
            if answer.status == 200 and answer.body["status"] in FINISHED:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"fractal-server {self.server.version}: activity {activity_id} still "
                    f"{answer.body} after {timeout} s; last lines of its log:\n"
                    f"{self.server.log_tail()}"
                )
            time.sleep(POLL_INTERVAL_S)
        collection.seconds = time.monotonic() - self.started
        collection.activity = self.server.activity_row(activity_id)
        group_id = collection.activity.get("taskgroupv2_id")
        if group_id is not None:
            collection.task_group = self.server.task_group_row(group_id)
            collection.tasks = self.server.task_rows(group_id)
        return collection
