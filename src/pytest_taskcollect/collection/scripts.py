"""The server's bash templates, run step by step from Python (no shell, argument lists only).

fractal-server writes each template to ``<path>/scripts/<timestamp>_collect_<name>.sh`` and runs
``bash <script>`` through ``execute_command_sync``: it validates the command line with
``validate_cmd``, captures the script's stdout and stderr, and raises
``RuntimeError("Command bash <script> failed.\\nreturncode=...\\nSTDOUT:\\n...")`` (then
``STDERR``) on a non-zero exit. Every template runs under ``set -e``, prints
``[collect-task, <UTC time>]`` lines through ``write_log`` and ends with an elapsed-time footer.

``EmulatedScript`` reproduces that: the same stdout/stderr composition (a child's stdout goes to
the script's stdout unless the script captured it, its stderr always to the script's stderr),
``set -e`` (the first failing step ends the script with that step's return code), and the same
error message, with the script path the server would have used. No script file is written.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from ..schemas import validate_cmd
from . import progress
from .activity_log import ActivityLog

__all__ = [
    "EmulatedScript",
    "ScriptExit",
    "pip_environment",
    "run_script",
]

T = TypeVar("T")

# Inherited variables that would change what pip or the venv's python do. Every other
# ``PIP_*`` variable is dropped too, except those that only configure the transport.
_DROPPED_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONOPTIMIZE",
    "PYTHONUSERBASE",
    "PYTHONSAFEPATH",
    "VIRTUAL_ENV",
    "__PYVENV_LAUNCHER__",
    "_PIP_USE_IMPORTLIB_METADATA",
)
_KEPT_PIP_VARIABLES = (
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "PIP_PROXY",
    "PIP_TRUSTED_HOST",
    "PIP_DEFAULT_TIMEOUT",
    "PIP_TIMEOUT",
    "PIP_RETRIES",
)


def pip_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for pip and venv subprocesses: no pip configuration from this machine.

    ``PIP_CONFIG_FILE=os.devnull`` makes pip skip every configuration file (global, user and
    site), inherited ``PIP_*`` variables other than transport settings (certificates, proxy,
    timeouts) are removed, and so are variables that would redirect the venv's python
    (``PYTHONPATH``, ``PYTHONHOME``, ...). ``PYTHONDONTWRITEBYTECODE=1`` keeps child processes
    from writing ``.pyc`` files for modules they import (pip still byte-compiles what it
    installs), so a venv's content does not depend on which pip commands ran in it.
    """
    source = os.environ if base is None else base
    env = {
        key: value
        for key, value in source.items()
        if key not in _DROPPED_VARIABLES
        and (not key.startswith("PIP_") or key in _KEPT_PIP_VARIABLES)
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class ScriptExit(Exception):
    """A step failed under ``set -e``: the script ends with this return code."""

    def __init__(self, returncode: int) -> None:
        super().__init__(returncode)
        self.returncode = returncode


class EmulatedScript:
    """The stdout/stderr of one template run, built step by step."""

    def __init__(
        self,
        *,
        command: str,
        log: ActivityLog,
        env: Mapping[str, str],
        cwd: Path,
        timeout: float | None,
        log_tag: str = "collect-task",
    ) -> None:
        self.command = command
        self.log_tag = log_tag
        self.log = log
        self.env = dict(env)
        self.cwd = cwd
        self.timeout = timeout
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._started = time.time()

    @property
    def stdout(self) -> str:
        """The script's standard output so far."""
        return "".join(self._stdout)

    @property
    def stderr(self) -> str:
        """The script's standard error so far."""
        return "".join(self._stderr)

    def write_log(self, message: str) -> None:
        """The templates' ``write_log``: a ``[<tag>, <UTC time>]`` line on stdout (the tag is
        ``collect-task``, or the pixi scripts' own)."""
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._stdout.append(f"[{self.log_tag}, {stamp}] {message}\n")

    def echo(self, text: str = "") -> None:
        """A plain ``echo`` line on stdout."""
        self._stdout.append(f"{text}\n")

    def add_output(self, stdout: str = "", stderr: str = "") -> None:
        """Append output produced without a subprocess (a replayed or computed step)."""
        self._stdout.append(stdout)
        self._stderr.append(stderr)

    def footer(self) -> None:
        """The templates' closing lines."""
        elapsed = int(time.time() - self._started)
        self.write_log("All good up to here.")
        self.write_log(f"Elapsed: {elapsed} seconds")
        self.write_log("Exit.")
        self.echo()

    def run(
        self, argv: Sequence[str], *, capture: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """Run one command as the script would; raise ``ScriptExit`` on failure (``set -e``).

        With ``capture`` the script keeps the child's stdout for itself (as ``$(...)`` does)
        instead of printing it.
        """
        self.log.note(f"run: {shlex.join(argv)}")
        on_line = progress.pip_line_listener()
        try:
            if on_line is None:
                proc = subprocess.run(
                    list(argv),
                    capture_output=True,
                    encoding="utf-8",
                    errors="replace",
                    env=self.env,
                    cwd=self.cwd,
                    timeout=self.timeout,
                    check=False,
                )
            else:
                proc = _run_streaming(argv, self.env, self.cwd, self.timeout, on_line)
        except subprocess.TimeoutExpired as error:
            self._stderr.append(f"pytest-taskcollect: killed after {self.timeout} s: {error}\n")
            raise ScriptExit(124) from error
        except OSError as error:
            self._stderr.append(f"{argv[0]}: {error}\n")
            raise ScriptExit(127) from error
        if not capture:
            self._stdout.append(proc.stdout)
        self._stderr.append(proc.stderr)
        if proc.returncode != 0:
            raise ScriptExit(proc.returncode)
        return proc


def _run_streaming(
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    timeout: float | None,
    on_line: Callable[[str], None],
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` with captured output, handing each stdout line to ``on_line`` as it
    comes (for progress); stderr is drained by a thread. Raises ``TimeoutExpired`` like
    ``subprocess.run`` after killing the process."""
    with subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
        errors="replace",
        env=env,
        cwd=cwd,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        stderr_stream = proc.stderr
        stderr: list[str] = []
        drain = threading.Thread(target=lambda: stderr.append(stderr_stream.read()), daemon=True)
        drain.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill) if timeout is not None else None
        if timer is not None:
            timer.start()
        stdout: list[str] = []
        try:
            for line in proc.stdout:
                stdout.append(line)
                on_line(line)
            returncode = proc.wait()
        finally:
            if timer is not None:
                timer.cancel()
        drain.join()
    if timed_out.is_set():
        raise subprocess.TimeoutExpired(list(argv), timeout or 0, "".join(stdout), "".join(stderr))
    return subprocess.CompletedProcess(list(argv), returncode, "".join(stdout), "".join(stderr))


def run_script(
    *,
    template: str,
    scripts_dir: str,
    prefix: str,
    log: ActivityLog,
    env: Mapping[str, str],
    cwd: Path,
    timeout: float | None,
    body: Callable[[EmulatedScript], T],
    log_tag: str = "collect-task",
) -> tuple[T, str]:
    """Run one template the way ``_customize_and_run_template`` + ``execute_command_sync`` do.

    Returns ``body``'s value and the script's stdout. Raises ``ValueError`` when the command
    line ``bash <script path>`` has a forbidden character (the server's ``validate_cmd``) or a
    quote ``shlex.split`` cannot close (the server splits it before running it), and
    ``RuntimeError`` with the server's message when the script fails.
    """
    script_path = f"{scripts_dir}/{prefix}{template}"
    command = f"bash {script_path}"
    log.debug(f"_customize_and_run_template {template} - START")
    log.debug(f"Now run '{command}' ")
    log.debug(f"START subprocess call to '{command}'")
    validate_cmd(command)
    shlex.split(command)  # raises as the server's execute_command_sync does, before any run
    script = EmulatedScript(
        command=command, log=log, env=env, cwd=cwd, timeout=timeout, log_tag=log_tag
    )
    try:
        value = body(script)
    except ScriptExit as exit_:
        log.debug(f"ERROR in subprocess call to '{command}'")
        raise RuntimeError(
            f"Command {command} failed.\nreturncode={exit_.returncode}\n"
            f"STDOUT:\n{script.stdout}\nSTDERR:\n{script.stderr}\n"
        ) from None
    _log_outcome(log, script, 0)
    log.debug(f"END   subprocess call to '{command}'")
    log.debug(f"_customize_and_run_template {template} - END")
    return value, script.stdout


def _log_outcome(log: ActivityLog, script: EmulatedScript, returncode: int) -> None:
    log.debug(f"returncode={returncode}")
    log.debug("STDOUT:")
    log.debug(script.stdout)
    log.debug("STDERR:")
    log.debug(script.stderr)
