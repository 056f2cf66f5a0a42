"""A throw-away PostgreSQL cluster for the real-server tests.

Debian's ``postgresql`` package provides the binaries (installed with ``apt-get`` when they are
missing and we are root). ``initdb`` refuses to run as root, so the cluster belongs to the
``postgres`` user and lives in a fresh folder under the system temp dir (pytest's own temp dirs
are private to root). It trusts every local connection, listens on 127.0.0.1 on a free port with
its own socket folder, and runs with ``fsync=off``: nothing in it has to survive the session.

``psql`` (the client) runs every statement, so the tests need no database driver.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import filelock

__all__ = [
    "PostgresCluster",
    "PostgresError",
    "PostgresUnavailable",
    "find_postgres_bin",
    "free_port",
]

OWNER = "postgres"
SUPERUSER = "postgres"
APT_TIMEOUT_S = 900
START_TIMEOUT_S = 60
LOG_TAIL_LINES = 15


class PostgresError(RuntimeError):
    """The cluster could not be installed, created or started (message: one sentence, then
    the tail of the relevant log)."""


class PostgresUnavailable(PostgresError):
    """PostgreSQL is not installed and this process cannot install it (not root, no apt-get)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<major>/bin`` holding ``initdb`` and ``postgres``."""
    candidates = []
    for folder in Path("/usr/lib/postgresql").glob("*/bin"):
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            try:
                candidates.append((int(folder.parent.name), folder))
            except ValueError:
                continue
    return max(candidates)[1] if candidates else None


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def install_postgres() -> Path:
    """Install Debian's ``postgresql`` package if its binaries are missing; return the bin dir.

    Serialised across processes (pytest-xdist workers) with a lock file. Raises
    ``PostgresError`` when it cannot be installed (not root, no ``apt-get``, apt failed).
    """
    found = find_postgres_bin()
    if found is not None:
        return found
    lock = filelock.FileLock(os.path.join(tempfile.gettempdir(), "taskcollect-apt.lock"))
    with lock.acquire(timeout=APT_TIMEOUT_S * 2):
        found = find_postgres_bin()
        if found is not None:
            return found
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise PostgresUnavailable(
                "PostgreSQL is not installed and cannot be installed here (it needs root and "
                "apt-get): install Debian's `postgresql` package."
            )
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for args in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"],
        ):
            done = subprocess.run(
                args, capture_output=True, text=True, env=env, timeout=APT_TIMEOUT_S, check=False
            )
            if done.returncode != 0:
                raise PostgresError(
                    f"`{' '.join(args)}` failed with exit status {done.returncode}; last lines "
                    f"of its output:\n{_tail(done.stdout + done.stderr)}"
                )
    found = find_postgres_bin()
    if found is None:
        raise PostgresError("`apt-get install postgresql` succeeded but no initdb was found.")
    return found


def _as_owner(args: list[str]) -> list[str]:
    """Run ``args`` as the cluster's owner (we are root; ``initdb`` and ``postgres`` refuse
    root)."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", OWNER, "--", *args]


@dataclass
class PostgresCluster:
    """A running cluster: ``start()`` it, run SQL with ``psql``/``query_json``, ``stop()`` it."""

    bin_dir: Path
    root: Path
    port: int
    host: str = "127.0.0.1"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    @classmethod
    def create(cls, port: int | None = None) -> PostgresCluster:
        """Install PostgreSQL if needed, ``initdb`` a new cluster and start it (on ``port``,
        default a free one). Raises ``PostgresError``; nothing is left behind then."""
        bin_dir = install_postgres()
        root = Path(tempfile.mkdtemp(prefix="taskcollect-pg-"))
        cluster = cls(bin_dir=bin_dir, root=root, port=port or free_port())
        try:
            cluster._init()
            cluster.start()
        except BaseException:
            cluster.remove()
            raise
        return cluster

    def _run_owner(self, args: list[str], what: str) -> None:
        done = subprocess.run(
            _as_owner(args), capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False
        )
        if done.returncode != 0:
            log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
            raise PostgresError(
                f"PostgreSQL {what} failed with exit status {done.returncode}; last lines of "
                "its output and log:\n"
                f"{_tail(done.stdout + done.stderr + log)}"
            )

    def _init(self) -> None:
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, OWNER)
            shutil.chown(self.socket_dir, OWNER)
        self._run_owner(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            "initdb",
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-c listen_addresses={self.host} -c port={self.port} "
            f"-c unix_socket_directories={self.socket_dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run_owner(
            [
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                options,
                "-w",
                "-t",
                str(START_TIMEOUT_S),
                "start",
            ],
            f"start on {self.host}:{self.port}",
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while self.psql("SELECT 1", check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise PostgresError(
                    f"PostgreSQL on {self.host}:{self.port} did not accept connections within "
                    f"{START_TIMEOUT_S} s; last lines of its log:\n"
                    f"{_tail(self.log_file.read_text(errors='replace'))}"
                )
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server (fast shutdown); nothing happens if it is not running."""
        subprocess.run(
            _as_owner(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "stop"]
            ),
            capture_output=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )

    def remove(self) -> None:
        """Stop the server and delete the cluster's folder."""
        if self.data_dir.exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def psql(
        self, sql: str, *, database: str = "postgres", check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``sql`` (one or more statements) with ``psql``; tuples only, unaligned."""
        done = subprocess.run(
            [
                "psql",
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
            env=dict(os.environ, PGCONNECT_TIMEOUT="5"),
        )
        if check and done.returncode != 0:
            raise PostgresError(f"psql failed on {sql!r}: {done.stderr.strip()}")
        return done

    def query_json(self, sql: str, *, database: str) -> list[dict[str, object]]:
        """Rows of a ``SELECT`` as dicts (column name -> JSON value), in the query's order."""
        wrapped = f"SELECT coalesce(json_agg(row_to_json(q)), '[]') FROM ({sql}) AS q"
        rows: list[dict[str, object]] = json.loads(self.psql(wrapped, database=database).stdout)
        return rows

    def create_database(self, name: str, *, template: str | None = None) -> None:
        """``CREATE DATABASE name [TEMPLATE template]`` (a clone of a prepared template is
        fast)."""
        clause = f' TEMPLATE "{template}"' if template else ""
        self.psql(f'CREATE DATABASE "{name}"{clause}')

    def has_database(self, name: str) -> bool:
        escaped = name.replace("'", "''")
        out = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{escaped}'").stdout
        return out.strip() == "1"
