"""``collect_pip``: fractal-server's pip task collection as a library call, for any release.

The endpoint (``POST /api/v2/task/collect/pip/``) and its background task (``collect_local``)
run in order, with the server's messages (spec §2): request rules, Python version, version
lookup, task-group paths, then the bash templates (venv, pip install, pip freeze, pip show, and
venv size up to 2.18.1), the package-name check, the manifest, the tasks and the task-file
check. On any failure after the group folder was created, that folder is removed (and only that
one); so it is on an interrupt (Ctrl-C, or SIGTERM: see ``interrupts``), after which the
interrupt goes on. A folder left by a collection that was killed outright is recognised
(``leftovers``) and the server's "already exists" refusal comes with a warning that says how to
clear it. What changed between releases is read from ``settings.profile``: the request model,
the Python check and its message, the pip cap, the pin sequence and how bash reads the pin lists
(``install_lines``: an input that would run a command on the server is reported, never run),
``pip show`` once, ``fractal_task_group_id.txt``, the file check's token, the record's columns
and the log's wording.

Each template becomes an ``EmulatedScript``: real subprocesses with argument lists (never a
shell), the script's stdout/stderr composed as bash would, and the server's error message on
failure. Two modes (``CollectionSettings.mode``):

* ``"faithful"``: every command of the templates runs: ``python -m venv --copies``, then every
  pip command (upgrade, setuptools, install, pins, freeze, ``pip show``).
* ``"fast"`` (default): the same installed packages, but the venv is made by virtualenv with
  symlinked seed packages (``venv.create_venv``), and a pip call is skipped when its outcome is
  provably known, and the log says so: the release's pip upgrade when offline (the venv is
  created with the pip, and setuptools, that upgrade would install, ``pip_seed``, and pip's
  output for it is written), ``pip install setuptools`` when setuptools is already installed,
  and ``pip show``/``pip freeze`` when ``dist_info.scan_environment`` can reproduce their output
  from the installed metadata. With ``reuse_venvs``, a later collection of the same inputs, in
  any process, rebuilds the first one's venv from the persistent store (``venv_cache``).
  Results (status, errors, task group, tasks, freeze, log) are those of faithful mode except,
  up to 2.18.1 (whose record holds them), ``venv_size_in_kB`` and ``venv_file_number``, which
  are those of the smaller venv; ``warnings`` says so.

Offline, when the pip the collection ends with is not the one the release stores (its cap, or
without a cap the newest pip: ``pip_seed``), ``warnings`` says so; the release's pip (and the
newest setuptools) are taken from the wheels ``taskcollect cache fetch-pip`` stored
(``pip_wheels``) when the configured sources do not offer them.

"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar, cast

from packaging.utils import canonicalize_name
from pydantic import ValidationError

from ..profiles.switches import PinInstall, PinOrder, PipShowStyle
from ..schemas import TaskGroupActivityStatusV2
from ..schemas.manifest import ManifestBase
from ..schemas.names import compare_package_names, normalize_package_name
from ..schemas.task import TaskCreateBase
from ..schemas.task_collection import PipRequestBase, UploadedFileBase
from . import progress, venv_cache
from .activity_log import ActivityLog
from .bytecode_cache import BytecodeCache, default_bytecode_cache
from .dist_info import PipEnvironment, scan_environment
from .install_lines import InstallHazard, PinList, hazards, jsonb_order, pin_lists
from .interpreters import InterpreterInfo, probe_interpreter
from .interrupts import signals_deferred, sigterm_raises
from .leftovers import (
    explain_collected_folder,
    explain_existing_folder,
    mark_unfinished,
    unmark,
)
from .pip_request import (
    RequestRejected,
    TaskGroupPlan,
    check_request,
    load_wheel,
    plan_task_group,
    python_interpreter,
    wheel_name_and_version,
)
from .pip_seed import PipUpgrade, plan_pip_upgrade, server_pip_warning, upgrade_stdout
from .pip_wheels import server_wheels
from .records import archive_field, dump_lines, environment_field, task_group_record_model
from .request_models import for_release
from .result import CollectionResult, CollectionStage, TaskGroupRecord
from .scripts import EmulatedScript, ScriptExit, pip_environment, run_script
from .server_quirks import server_failure_warnings, two_pins_explanation
from .settings import CollectionSettings
from .shell_reading import split_words
from .tasks import TASK_GROUP_ID_FILENAME, check_task_files_exist, prepare_tasks_metadata
from .uv_installer import UV_LOG_WARNING, UvInstall, find_uv, simple_shebang
from .venv import (
    FAST_VENV_SIZE_WARNING,
    bootstrap_wheels,
    create_venv,
    server_venv_command,
    venv_size_and_file_number,
)
from .versions import (
    VersionLookupError,
    resolve_package_version,
)

__all__ = ["collect_pip", "parse_script_pip_show_stdout"]

T = TypeVar("T")

_SHOW_LABELS = (
    ("Python interpreter:", "python_bin"),
    ("Package name:", "package_name"),
    ("Package version:", "package_version"),
    ("Package parent folder:", "package_root_parent"),
    ("Manifest absolute path:", "manifest_path"),
)


def parse_script_pip_show_stdout(stdout: str) -> dict[str, str]:
    """The server's parser for script 4's stdout (each label exactly once, spaces stripped)."""
    lines = stdout.splitlines()
    attributes = {}
    for label, key in _SHOW_LABELS:
        matching = [line for line in lines if label in line]
        if not matching:
            raise ValueError(f"String '{label}' not found in stdout.")
        if len(matching) > 1:
            raise ValueError(f"String '{label}' found too many times ({len(matching)}).")
        attributes[key] = matching[0].split(label)[-1].strip(" ")
    return attributes


def collect_pip(
    request: PipRequestBase,
    *,
    wheel: UploadedFileBase | os.PathLike[str] | str | None = None,
    settings: CollectionSettings,
) -> CollectionResult:
    """Collect a task package the way the pip endpoint of ``settings.server_version`` does.

    ``request`` is that release's pip request (``get_profile(v).schemas.pip_request``:
    ``TaskCollectPipV2`` for 2.14.5, ``TaskCollectPip`` from 2.18.0...); another release's
    model is converted when every field it sets exists in this release's model (else
    ``RequestModelError`` says which model to use), and a value this release refuses fails at
    stage ``"request"``. ``wheel`` is the uploaded file: a ``WheelFile`` (or
    ``FractalUploadedFile``) or a path (uploaded under its file name). Without it,
    ``request.package`` is installed by name from the configured sources. The collection never
    raises for a collection failure: it returns a ``CollectionResult`` with
    ``status="failed"``, the stage and the server's message (see ``raise_for_status``). An
    interrupt (``KeyboardInterrupt``, or SIGTERM in the main thread) removes the task-group
    folder the collection created, then propagates.
    """
    with sigterm_raises():
        return _PipCollection(request, wheel, settings).run()


class _Failed(Exception):
    """A collection failure: the stage it happened in and the server's message."""

    def __init__(self, stage: CollectionStage, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.message = message


def _cut_field(text: str, label: str) -> tuple[str, str]:
    """``grep "<label>" | cut -d ":" -f 2 | tr -d "[:space:]"`` over ``text``.

    Returns ``(ours, server's)``: ours only strips each piece, so a value with inner spaces (a
    path with a space) survives; the server's deletes every whitespace character.
    """
    pieces = []
    for line in text.splitlines():
        if label in line:
            pieces.append(line.split(":")[1] if ":" in line else line)
    return "".join(piece.strip() for piece in pieces), "".join("".join(pieces).split())


def _grep_joined(text: str, pattern: str) -> tuple[str, str]:
    """``grep "<pattern>" | tr -d "[:space:]"`` over ``text``, as ``(ours, server's)``."""
    lines = [line for line in text.splitlines() if pattern in line]
    return "".join(line.strip() for line in lines), "".join("".join(lines).split())


def _display_path(path: str, cwd: str) -> str:
    """pip's ``display_path``: relative to the working directory when inside it."""
    if path.startswith(cwd + os.sep):
        return "." + path[len(cwd) :]
    return path


def _installed_version(site_packages: Path, project: str) -> str | None:
    """The version of ``project`` installed in ``site_packages`` (from its dist-info name)."""
    if not site_packages.is_dir():
        return None
    for entry in os.listdir(site_packages):
        if entry.endswith(".dist-info"):
            name, _, version = entry[: -len(".dist-info")].partition("-")
            if canonicalize_name(name) == project:
                return version
    return None


class _PipCollection:
    """One collection's state; ``run`` walks the server's steps."""

    def __init__(
        self,
        request: PipRequestBase,
        wheel: UploadedFileBase | os.PathLike[str] | str | None,
        settings: CollectionSettings,
    ) -> None:
        self.given_request = request
        self.request = request
        self.wheel_input = wheel
        self.settings = settings
        self.profile = settings.profile
        self.fast = settings.mode == "fast"
        self.log = ActivityLog()
        self.env = pip_environment()
        self.timings: dict[str, float] = {}
        self.warnings: list[str] = []
        self.stage: CollectionStage = "request"
        self._stage_started = time.perf_counter()
        self.plan: TaskGroupPlan | None = None
        self.group: TaskGroupRecord | None = None
        self.tasks: list[TaskCreateBase] = []
        self.created_path = False
        self.wheel: UploadedFileBase | None = None
        self.wheel_path: str | None = None
        self.started = datetime.now(timezone.utc)
        self.pip_freeze: str | None = None
        self.venv_size: tuple[int, int] | None = None
        self.info: InterpreterInfo | None = None
        self.interpreter: Path | None = None
        self.reused: venv_cache.CachedVenv | None = None
        self.cache_key: str | None = None
        self.pip_upgrade: PipUpgrade | None = None
        self._links: list[str] | None = None
        self._scanned: tuple[tuple[str, ...], PipEnvironment | None] | None = None
        self._script_outputs: dict[str, tuple[str, str]] = {}
        self._prefix = ""
        self._show_stdout = ""

    # -- bookkeeping -------------------------------------------------------------------------

    def _enter(self, stage: CollectionStage) -> None:
        now = time.perf_counter()
        self.timings[self.stage] = self.timings.get(self.stage, 0.0) + now - self._stage_started
        self.stage = stage
        self._stage_started = now
        progress.emit("stage", stage)

    def _guard(self, stage: CollectionStage, step: Callable[[], T]) -> T:
        """Run ``step`` in ``stage``; any exception becomes that stage's failure."""
        self._enter(stage)
        try:
            return step()
        except _Failed:
            raise
        except Exception as error:
            raise _Failed(self.stage, str(error)) from error

    def run(self) -> CollectionResult:
        started = self.started
        status = TaskGroupActivityStatusV2.OK
        failed_stage: CollectionStage | None = None
        error: str | None = None
        try:
            self._endpoint()
            self._background()
        except _Failed as failure:
            status = TaskGroupActivityStatusV2.FAILED
            failed_stage, error = failure.stage, failure.message
            self.tasks = []
        self._enter(self.stage)
        return CollectionResult(
            status=status,
            server_version=self.settings.server_version,
            task_group=self.group,
            tasks=self.tasks,
            log=self.log.close(),
            stage=failed_stage,
            error=error,
            timings={key: round(value, 6) for key, value in self.timings.items()},
            warnings=self.warnings,
            timestamp_started=started,
            timestamp_ended=datetime.now(timezone.utc),
        )

    # -- the endpoint (HTTP 422s) --------------------------------------------------------------

    def _reject(self, stage: CollectionStage, message: str) -> _Failed:
        self.log.error(message)
        return _Failed(stage, message)

    def _endpoint(self) -> None:
        settings = self.settings
        self._enter("request")
        try:
            self.request = cast(
                PipRequestBase,
                for_release(self.given_request, self.profile.schemas.pip_request, self.profile),
            )
        except ValidationError as error:
            raise self._reject("request", f"Invalid request-body\n{error}") from error
        request = self.request
        try:
            self.wheel = load_wheel(self.wheel_input)
            origin = check_request(request, self.wheel)
        except (RequestRejected, OSError) as error:
            raise self._reject("request", str(error)) from error
        except ValueError as error:  # a path the operating system refuses (a NUL byte)
            message = f"Cannot read the wheel file {self.wheel_input!r}: {error}."
            raise self._reject("request", message) from error

        self._enter("python")
        python_version = request.python_version or settings.default_python_version
        try:
            self.interpreter = python_interpreter(
                python_version, settings, explicit=request.python_version is not None
            )
        except RequestRejected as error:
            raise self._reject("python", str(error)) from error

        if self.wheel is not None:
            self._enter("request")
            try:
                pkg_name, version = wheel_name_and_version(self.wheel.filename)
            except RequestRejected as error:
                raise self._reject("request", str(error)) from error
        else:
            assert request.package is not None
            self._enter("version")
            pkg_name = normalize_package_name(request.package)
            try:
                version = resolve_package_version(
                    request.package, request.package_version, settings
                )
            except VersionLookupError as error:
                raise self._reject("version", str(error)) from error

        self._enter("paths")
        try:
            self.plan = plan_task_group(
                request=request,
                origin=origin,
                pkg_name=pkg_name,
                version=version,
                python_version=python_version,
                settings=settings,
            )
        except RequestRejected as error:
            raise self._reject("paths", str(error)) from error
        if Path(self.plan.path).exists():
            self._explain_existing_folder()
            raise self._reject("paths", f"{self.plan.path} already exists.")
        if self.wheel is not None:
            self.wheel_path = (Path(self.plan.path) / self.wheel.filename).as_posix()
        self.warnings = server_failure_warnings(
            path=self.plan.path,
            venv_path=self.plan.venv_path,
            interpreter=str(self.interpreter or ""),
            install_string=self.plan.pip_install_string(self.wheel_path),
            pip_cache_dir=str(settings.pip_cache_dir) if settings.pip_cache_dir else None,
            release=settings.server_version,
        )
        self.group = self._record()

    def _record(self) -> TaskGroupRecord:
        """The release's task-group record, as the endpoint inserts it."""
        assert self.plan is not None
        plan = self.plan
        model = task_group_record_model(self.profile)
        values = {
            "user_id": plan.user_id,
            "resource_id": plan.resource_id,
            "origin": plan.origin.value,
            "pkg_name": plan.pkg_name,
            "version": plan.version,
            "python_version": plan.python_version,
            "path": plan.path,
            "venv_path": plan.venv_path,
            "pip_extras": plan.pip_extras,
            **{name: self._stored_pins(pins) for name, pins in plan.pins.items()},
        }
        return model(**{key: value for key, value in values.items() if key in model.model_fields})

    def _stored_pins(self, pins: dict[str, str] | None) -> dict[str, str]:
        """A pin dict as the release stores it: JSONB key order from 2.15.0."""
        if self.profile.pin_order is PinOrder.JSONB:
            return jsonb_order(pins or {})
        return dict(pins or {})

    # -- the background task (collect_local) ---------------------------------------------------

    def _background(self) -> None:
        assert self.plan is not None
        assert self.group is not None
        plan, log = self.plan, self.log
        log.info("START")
        for line in dump_lines(
            self.profile,
            self.group,
            task_group_id=self.settings.task_group_id,
            timestamp=self.started,
        ):
            log.debug(line)
        try:
            self._create_folder()
            self._run_scripts()
            self._build_tasks()
        except Exception as error:
            self._remove_created_folder(logged=True)
            failure = error if isinstance(error, _Failed) else _Failed(self.stage, str(error))
            log.warning(f"Task collect failed. Original error: {failure.message}")
            if failure is error:
                raise
            raise failure from error
        except BaseException:  # KeyboardInterrupt, Terminated: clean up, then let it go on
            self._remove_created_folder(logged=False)
            raise
        unmark(plan.path)

    def _remove_created_folder(self, *, logged: bool) -> None:
        """Remove the task-group folder if this collection created it, shielded from a second
        interrupt; ``logged``: as the server's failure path does, with its log lines."""
        assert self.plan is not None
        if not self.created_path:
            return
        path, log = self.plan.path, self.log
        with signals_deferred():
            if not logged:
                shutil.rmtree(path, ignore_errors=True)
                return
            log.info(f"Now delete folder {path}")
            try:
                shutil.rmtree(path)
                log.info(f"Deleted folder {path}")
            except Exception as rm_error:
                log.error(f"Removing folder failed.\nOriginal error:\n{rm_error}")

    def _create_folder(self) -> None:
        assert self.plan is not None
        assert self.group is not None
        plan = self.plan
        self._enter("paths")
        try:
            Path(plan.path).mkdir(parents=True)
        except FileExistsError as error:
            message = f"{plan.path} already exists."
            self._explain_existing_folder()
            self.log.error(message)
            raise _Failed("paths", message) from error
        except OSError as error:
            raise _Failed("paths", str(error)) from error
        self.created_path = True
        self._guard("paths", lambda: mark_unfinished(plan.path))
        self.log.info(f"Created {plan.path}")
        if self.profile.writes_task_group_id_file:
            id_file = (Path(plan.path) / TASK_GROUP_ID_FILENAME).as_posix()
            self.log.info(f"Write txt-file contents into {id_file}")
            group_id = str(self.settings.task_group_id)
            self._guard("paths", lambda: Path(id_file).write_text(group_id))
        if self.wheel is not None and self.wheel_path is not None:
            wheel, wheel_path = self.wheel, self.wheel_path
            self.log.info(f"Write wheel-file contents into {wheel_path}")
            self._guard("paths", lambda: Path(wheel_path).write_bytes(wheel.contents))
            self.group = self.group.model_copy(update={archive_field(self.profile): wheel_path})

    def _explain_existing_folder(self) -> None:
        """A warning saying how to clear the folder, when it is an unfinished collection's, or
        what the server answers instead, when it is a collected task group."""
        assert self.plan is not None
        plan = self.plan
        explanation = explain_existing_folder(plan.path) or explain_collected_folder(
            plan.path, pkg_name=plan.pkg_name, version=plan.version, release=self.profile.version
        )
        if explanation is not None:
            self.warnings.append(explanation)

    def _script(self, template: str, body: Callable[[EmulatedScript], T]) -> tuple[T, str]:
        assert self.plan is not None
        try:
            return run_script(
                template=template,
                scripts_dir=f"{self.plan.path}/scripts",
                prefix=self._prefix,
                log=self.log,
                env=self.env,
                cwd=Path(self._cwd),
                timeout=self.settings.pip_timeout,
                body=body,
            )
        except Exception as error:
            message = str(error)
            precheck = self.profile.pin_install_sequence is PinInstall.PRECHECK_THEN_QUOTED_LIST
            if precheck and self.stage == "pins" and "Invalid requirement" in message:
                message = f"{message}\n{two_pins_explanation(self.settings.server_version)}"
            raise _Failed(self.stage, message) from error

    def _run_scripts(self) -> None:
        assert self.plan is not None
        assert self.group is not None
        self._prefix = f"{int(time.time())}_collect_"
        Path(self._cwd).mkdir(exist_ok=True)
        self._enter("venv")
        if self.interpreter is None:  # 2.22.10 on: the default version is checked only here
            version = self.plan.python_version
            raise _Failed("venv", f"Requested python_version={version!r} is not available.")
        self._script("1_create_venv.sh", self._script_1)
        self._enter("install")
        self._script("2_pip_install.sh", self._script_2)
        self._enter("freeze")
        pip_freeze, _ = self._script("3_pip_freeze.sh", self._script_3)
        self.pip_freeze = pip_freeze
        self._store_in_cache(pip_freeze)
        self._enter("show")
        _, show_stdout = self._script("4_pip_show.sh", self._script_4)
        if self.profile.venv_size_step:
            self._enter("size")
            self.venv_size, _ = self._script("5_get_venv_size_and_file_number.sh", self._script_5)
        self._enter("show")
        self._show_stdout = show_stdout

    # -- script 1: the venv --------------------------------------------------------------------

    def _script_1(self, script: EmulatedScript) -> None:
        assert self.plan is not None
        assert self.interpreter is not None
        venv_path = self.plan.venv_path
        try:
            self.info = probe_interpreter(self.interpreter)
        except RuntimeError as error:
            script.write_log(f"START create venv in {venv_path}")
            script.add_output(stderr=f"{error}\n")
            raise ScriptExit(127) from error
        if self.fast and self.profile.venv_size_step:  # the record holds the venv's size
            self.warnings.append(FAST_VENV_SIZE_WARNING)
        self.cache_key = self._cache_key()
        entry = venv_cache.lookup(self._store, self.cache_key) if self.cache_key else None
        if entry is not None and self._restore(entry):
            self.reused = entry
            progress.emit("note", "venv", "reused the venv of an earlier collection")
            self.log.note(
                f"reused the venv of an earlier collection of the same inputs "
                f"({entry.venv_path}, stored in {entry.folder}), linked and relocated; the pip "
                "output of scripts 1-3 below is replayed from that collection"
            )
            script.add_output(*entry.replay("1_create_venv.sh", self._relocations()))
            return
        script.write_log(f"START create venv in {venv_path}")
        self.pip_upgrade = self._plan_pip_upgrade()
        if self.fast:
            self._create_fast_venv(script, venv_path)
        else:
            script.run(server_venv_command(str(self.interpreter), venv_path))
        script.write_log(f"END   create venv in {venv_path}")
        script.echo()
        script.footer()
        self._script_outputs["1_create_venv.sh"] = (script.stdout, script.stderr)

    def _create_fast_venv(self, script: EmulatedScript, venv_path: str) -> None:
        """Fast mode's venv: virtualenv with the seed packages (``pip_seed``) linked."""
        assert self.info is not None
        seeds = self.pip_upgrade.seeds if self.pip_upgrade is not None else {}
        try:
            args = create_venv(
                venv_path,
                self.info,
                self.env,
                pip=seeds.get("pip"),
                setuptools=seeds.get("setuptools"),
            )
        except Exception as error:
            script.add_output(stderr=f"{type(error).__name__}: {error}\n")
            raise ScriptExit(1) from error
        seeded = "same seed packages"
        if seeds:
            versions = ", ".join(f"{project} {version}" for project, (version, _) in seeds.items())
            seeded = f"seeded with {versions}"
        self.log.note(
            f"server command: {self.interpreter} -m venv {venv_path} --copies; "
            f"ran instead ({seeded}): virtualenv {' '.join(args)}"
        )

    # -- script 2: pip install -----------------------------------------------------------------

    @property
    def _cwd(self) -> str:
        """Where the scripts' commands run: the group's ``scripts`` folder. The server runs
        them in its own working folder, outside the tasks folder, so pip prints absolute paths
        there; ``scripts`` (which the server creates too) is outside ``venv`` and the wheel's
        folder alike, and holds nothing ``python -m pip`` could pick up from ``sys.path``."""
        assert self.plan is not None
        return f"{self.plan.path}/scripts"

    @property
    def _venv_python(self) -> str:
        assert self.plan is not None
        return f"{self.plan.venv_path}/bin/python"

    @property
    def _site_packages(self) -> Path:
        assert self.plan is not None
        assert self.info is not None
        return (
            Path(self.plan.venv_path) / "lib" / f"python{self.info.major_minor}" / "site-packages"
        )

    def _cache_arguments(self) -> list[str]:
        if self.settings.pip_cache_dir is None:
            return ["--no-cache-dir"]
        return ["--cache-dir", str(self.settings.pip_cache_dir)]

    def _find_links(self) -> list[str]:
        """The sources pip gets: the configured ones, plus offline the bootstrap wheels and
        the fetched wheels of the release's pip and setuptools (``pip_wheels``), computed
        once."""
        assert self.info is not None
        if self._links is None:
            links = list(self.settings.find_links)
            if not self.settings.uses_pypi:
                links += [str(wheel) for wheel in bootstrap_wheels(self.info, links)]
                links += [str(wheel) for wheel in server_wheels(self.settings.pip_cap, links)]
            self._links = links
        return list(self._links)

    def _index_arguments(self) -> list[str]:
        args = []
        if self.settings.no_index:
            args.append("--no-index")
        elif self.settings.index_url is not None:
            args += ["--index-url", self.settings.index_url]
        for link in self._find_links():
            args += ["--find-links", link]
        return args

    def _pip_install(self, *requirements: str) -> list[str]:
        return [
            self._venv_python,
            "-m",
            "pip",
            "install",
            *self._cache_arguments(),
            *self._index_arguments(),
            *requirements,
        ]

    def _uses_uv(self) -> bool:
        """Whether uv installs (``installer="uv"``, fast mode, uv found, a plain shebang)."""
        return (
            self.fast
            and self.settings.installer == "uv"
            and find_uv() is not None
            and simple_shebang(self._venv_python)
        )

    def _uv(self) -> UvInstall | None:
        """uv for this collection's installs, when ``installer="uv"`` and it can be used."""
        assert self.plan is not None
        if not self.fast or self.settings.installer != "uv":
            return None
        uv = find_uv()
        reason = None
        if uv is None:
            reason = "no uv executable was found (on PATH or as the `uv` package)"
        elif not simple_shebang(self._venv_python):
            reason = (
                "the venv's python path has a space or is too long for a plain shebang, so "
                "pip writes console scripts with a /bin/sh trampoline that we do not reproduce"
            )
        if reason is not None:
            warning = f"installer='uv' not used: {reason}; pip installed the package."
            if warning not in self.warnings:
                self.warnings.append(warning)
            return None
        assert uv is not None
        assert self.info is not None
        return UvInstall(
            uv=uv,
            venv_path=Path(self.plan.venv_path),
            site_packages=self._site_packages,
            env=self.env,
            cwd=Path(self.plan.path),
            bytecode=BytecodeCache(
                default_bytecode_cache(),
                self.info.magic,
                max_bytes=self.settings.bytecode_cache_max_bytes,
            ),
            cache_tag=self.info.cache_tag,
            timeout=self.settings.pip_timeout,
        )

    def _install(self, script: EmulatedScript, *requirements: str) -> None:
        """``pip install <requirements>`` with the configured sources, by pip or by uv.

        With uv, what it installed is rewritten into pip's (``uv_installer``) and its output
        stands in for pip's (``warnings`` says so). When uv fails, pip runs the same command,
        so the failure is pip's, with pip's message.
        """
        uv = self._uv()
        if uv is None:
            script.run(self._pip_install(*requirements))
            return
        argv = uv.argv(self._index_arguments(), requirements)
        self.log.note(f"installer uv, instead of pip: {shlex.join(argv)}")
        try:
            proc = uv.run(self._index_arguments(), requirements)
        except subprocess.TimeoutExpired as error:
            script.add_output(
                stderr=f"pytest-taskcollect: killed after {self.settings.pip_timeout} s: {error}\n"
            )
            raise ScriptExit(124) from error
        if proc.returncode != 0:
            self.log.note(
                f"uv failed (exit {proc.returncode}); pip runs the same install for pip's "
                "output and error"
            )
            script.run(self._pip_install(*requirements))
            return
        script.add_output(proc.stdout, proc.stderr)
        if UV_LOG_WARNING not in self.warnings:
            self.warnings.append(UV_LOG_WARNING)

    def _looking_in(self) -> str:
        """The "Looking in ..." lines pip prints for an install with these sources."""
        lines = []
        if not self.settings.no_index and self.settings.index_url is not None:
            lines.append(f"Looking in indexes: {self.settings.index_url}")
        links = self._find_links()
        if links:
            lines.append(f"Looking in links: {', '.join(links)}")
        return "".join(f"{line}\n" for line in lines)

    def _pip_output_is_predictable(self) -> bool:
        """pip prints paths relative to its real working directory: ours must be real."""
        assert self.plan is not None
        return os.path.realpath(self.plan.path) == self.plan.path

    def _plan_pip_upgrade(self) -> PipUpgrade | None:
        """Fast mode: the outcome of script 2's upgrade command, when known before it runs."""
        assert self.info is not None
        if not (self.fast and self.settings.no_index and self._pip_output_is_predictable()):
            return None
        pip, setuptools = self.info.bundled("pip"), self.info.bundled("setuptools")
        return plan_pip_upgrade(
            cap=self.settings.pip_cap,
            installed=pip[0] if pip is not None else None,
            installed_setuptools=setuptools[0] if setuptools is not None else None,
            links=self._find_links(),
            info=self.info,
        )

    def _warn_about_pip(self) -> None:
        """Offline, say so when the upgrade did not end with the release's pip."""
        if self.settings.uses_pypi:
            return
        assert self.info is not None
        bundled = self.info.bundled("pip")
        warning = server_pip_warning(
            cap=self.settings.pip_cap,
            ends_with=_installed_version(self._site_packages, "pip"),
            bundled=bundled[0] if bundled is not None else None,
            server_version=self.settings.server_version,
            field=environment_field(self.profile),
        )
        if warning is not None:
            self.warnings.append(warning)

    def _seeded_upgrade(self, script: EmulatedScript, upgrade: PipUpgrade) -> None:
        """The upgrade command's output, its outcome already in the venv (``pip_seed``)."""
        assert self.plan is not None
        cwd = self._cwd
        if upgrade.seeds:
            installed = ", ".join(
                f"{step.project} {step.target} from {step.wheel}"
                for step in upgrade.projects
                if step.wheel is not None
            )
            self.log.note(
                f"skipped `{upgrade.command}`: the venv was created with {installed}, what "
                "that command installs; its output below is pip's"
            )
        elif upgrade.cap is not None:
            self.log.note(
                f"skipped `{upgrade.command}`: offline, pip {upgrade.pip.installed} satisfies "
                f"the cap and no source offers a newer pip <= {upgrade.cap}"
            )
        else:
            kept = ", ".join(f"{step.project} {step.installed}" for step in upgrade.projects)
            self.log.note(
                f"skipped `{upgrade.command}`: offline, no source offers a newer pip or "
                f"setuptools than the venv's ({kept})"
            )
        display = {
            step.wheel: _display_path(str(step.wheel), cwd)
            for step in upgrade.projects
            if step.wheel is not None
        }
        script.add_output(
            upgrade_stdout(
                upgrade,
                looking_in=self._looking_in(),
                site=_display_path(str(self._site_packages), cwd),
                display=display,
            )
        )

    def _upgrade_pip(self, script: EmulatedScript) -> None:
        """Step 1 of the script: the capped pip upgrade and ``setuptools`` (up to 2.15.9), or
        ``pip install pip setuptools --upgrade`` (2.16.0 on: no cap)."""
        cap = self.settings.pip_cap
        script.write_log("START upgrade pip and install setuptools")
        if cap is None and self.pip_upgrade is not None:
            self._seeded_upgrade(script, self.pip_upgrade)
        elif cap is None:
            script.run(self._pip_install("pip", "setuptools", "--upgrade"))
        else:
            self._upgrade_pip_capped(script, cap)
        self._warn_about_pip()
        script.write_log("END   upgrade pip and install setuptools")
        script.echo()

    def _upgrade_pip_capped(self, script: EmulatedScript, cap: str) -> None:
        assert self.plan is not None
        site = _display_path(str(self._site_packages), self._cwd)
        predictable = self.fast and self._pip_output_is_predictable()
        if self.pip_upgrade is not None:
            self._seeded_upgrade(script, self.pip_upgrade)
        else:
            script.run(self._pip_install(f"pip<={cap}", "--upgrade"))
        setuptools_version = _installed_version(self._site_packages, "setuptools")
        if predictable and setuptools_version is not None:
            self.log.note(
                "skipped `pip install setuptools`: setuptools "
                f"{setuptools_version} is installed and pip would keep it"
            )
            script.add_output(
                f"{self._looking_in()}Requirement already satisfied: setuptools in {site} "
                f"({setuptools_version})\n"
            )
        else:
            script.run(self._pip_install("setuptools"))

    def _check_hazards(self, script: EmulatedScript, lists: list[PinList], install: str) -> None:
        """Before any command of the script: report what the server's bash would not do as
        asked (``install_lines``); a fatal hazard ends the script without running anything."""
        found: list[InstallHazard] = hazards(
            self.profile, lists, install, script.command.removeprefix("bash ")
        )
        fatal = next((hazard for hazard in found if hazard.fatal), None)
        for hazard in found:
            self.log.note(hazard.message)
            if hazard is not fatal or hazard.bash_failure is not None:
                self.warnings.append(hazard.message)
        if fatal is None:
            return
        if fatal.bash_failure is not None:
            returncode, stderr = fatal.bash_failure
            script.add_output(stderr=stderr)
            raise ScriptExit(returncode)
        raise _Failed("install", fatal.message)

    def _script_2(self, script: EmulatedScript) -> None:
        assert self.plan is not None
        if self.reused is not None:
            script.add_output(*self.reused.replay("2_pip_install.sh", self._relocations()))
            self._warn_about_pip()
            if self._uses_uv():
                self.warnings.append(UV_LOG_WARNING)
            return
        install = self.plan.pip_install_string(self.wheel_path)
        lists = pin_lists(self.profile, self.plan.pins)
        self._check_hazards(script, lists, install)
        self._upgrade_pip(script)
        sequence = self.profile.pin_install_sequence
        if sequence is PinInstall.PRE_AND_POST:
            self._pin_step(script, lists[0], "pre-pinned versions")
        if sequence is PinInstall.WITH_PACKAGE:
            both = f"INSTALL_STRING={install} and PINNED_PACKAGE_LIST={lists[0].reading.value}"
            script.write_log(f"START install with {both}")
            self._install(script, install, *lists[0].arguments)
            script.write_log(f"END   install with {both}")
            script.echo()
        else:
            self._enter("install")
            precheck = sequence is PinInstall.PRECHECK_THEN_QUOTED_LIST
            label = "" if precheck else "with INSTALL_STRING="
            script.write_log(f"START install {label}{install}")
            self._install(script, install)
            script.write_log(f"END   install {label}{install}")
            script.echo()
        if sequence is PinInstall.PRECHECK_THEN_QUOTED_LIST:
            self._precheck_pins(script, lists[0])
        elif sequence is PinInstall.AFTER_PACKAGE:
            self._pin_step(script, lists[0], "pinned versions")
        elif sequence is PinInstall.PRE_AND_POST:
            self._pin_step(script, lists[1], "post-pinned versions")
        script.footer()
        self._script_outputs["2_pip_install.sh"] = (script.stdout, script.stderr)

    def _pin_step(self, script: EmulatedScript, pins: PinList, what: str) -> None:
        """``pip install $<VAR>`` when the list is not empty (2.14.12 on), else the skip line."""
        value = pins.reading.value
        if not value:
            script.write_log(f"SKIP installing {what} {value} (empty list)")
            return
        self._enter("pins")
        script.write_log(f"START install with {pins.variable}={value}")
        self._install(script, *pins.arguments)
        script.write_log(f"END install with {pins.variable}={value}")
        script.echo()

    def _precheck_pins(self, script: EmulatedScript, pins: PinList) -> None:
        """Up to 2.14.10: ``pip show`` each pinned name, then the list as one argument."""
        value = pins.reading.value
        if not value:
            script.write_log(f"SKIP installing pinned versions {value} (empty list)")
            return
        self._enter("pins")
        script.write_log(f"START installing pinned versions {value}")
        for item in split_words(value):
            name = item.split("=")[0]
            script.write_log(f"INFO: package name {name}")
            self._pip_show(script, [name])
        script.write_log(
            f"All packages in {value} are already installed, proceed with specific versions."
        )
        self._install(script, value)
        script.write_log(f"END installing pinned versions {value}")

    # -- scripts 3 and 4: pip freeze, pip show -------------------------------------------------

    def _environment(self) -> PipEnvironment | None:
        """The emulated pip environment, when fast mode may use it (read again only when the
        site-packages listing changed: every pip install or uninstall changes it)."""
        if not self.fast:
            return None
        assert self.plan is not None
        assert self.info is not None
        listing = tuple(sorted(os.listdir(self._site_packages)))
        if self._scanned is None or self._scanned[0] != listing:
            environment = scan_environment(
                venv_path=self.plan.venv_path,
                cwd=self._cwd,
                info=self.info,
                pip_version=_installed_version(self._site_packages, "pip"),
            )
            self._scanned = (listing, environment)
        return self._scanned[1]

    def _pip_show(
        self,
        script: EmulatedScript,
        names: list[str],
        *,
        files: bool = False,
        capture: bool = False,
        check: bool = True,
    ) -> str:
        """``pip show [--files] <names>`` as a script step; returns its stdout."""
        environment = self._environment()
        if environment is not None:
            stdout, stderr, returncode = environment.show(names, files=files)
            self.log.note(
                f"pip show {' '.join(names)}{' --files' if files else ''}: read from the "
                "installed metadata (same output as pip's)"
            )
            script.add_output("" if capture else stdout, stderr)
            if check and returncode != 0:
                raise ScriptExit(returncode)
            return stdout
        argv = [self._venv_python, "-m", "pip", "show", *names]
        if files:
            argv.append("--files")
        if check:
            return script.run(argv, capture=capture).stdout
        try:
            return script.run(argv, capture=capture).stdout
        except ScriptExit:
            return ""

    def _script_3(self, script: EmulatedScript) -> str:
        if self.reused is not None and self.reused.pip_freeze is not None:
            freeze = self.reused.relocated_freeze(self._relocations())
            script.add_output(freeze)
            return freeze
        environment = self._environment()
        if environment is not None:
            self.log.note("pip freeze --all: read from the installed metadata (same output)")
            freeze = environment.freeze()
            script.add_output(freeze)
            return freeze
        return script.run([self._venv_python, "-m", "pip", "freeze", "--all"]).stdout

    def _script_4(self, script: EmulatedScript) -> None:
        assert self.plan is not None
        pkg_name = self.plan.pkg_name
        once = self.profile.pip_show_style is PipShowStyle.ONCE_CAPTURED
        script.write_log(f"Python interpreter: {self._venv_python}")
        script.echo()
        script.write_log("START pip show")
        first = self._pip_show(script, pkg_name.split(), capture=once)
        script.write_log("END   pip show")
        script.echo()

        def output(name: str) -> str:
            return first if once else self._show_again(script, name, first)

        name = self._shell_value("Name", _cut_field(output(pkg_name), "Name:"))
        script.write_log(f"Package name: {name}")
        script.echo()
        version = self._shell_value("Version", _cut_field(output(name), "Version:"))
        script.write_log(f"Package version: {version}")
        script.echo()
        location = self._shell_value("Location", _cut_field(output(name), "Location:"))
        script.write_log(f"Package parent folder: {location}")
        script.echo()
        files_output = self._pip_show(script, [name], files=True, capture=True, check=False)
        relative = self._shell_value(
            "the manifest path", _grep_joined(files_output, "__FRACTAL_MANIFEST__.json")
        )
        script.write_log(f"Manifest relative path: {relative}")
        script.echo()
        if not relative:
            script.write_log(f"ERROR: manifest path not found for {name}")
            raise ScriptExit(2)
        script.write_log("OK: manifest path exists")
        script.echo()
        script.write_log(f"Manifest absolute path: {location}/{relative}")
        script.echo()
        script.footer()

    def _shell_value(self, what: str, values: tuple[str, str]) -> str:
        """Our reading of a value parsed by the script; warn when the server's differs."""
        ours, servers = values
        if ours != servers:
            self.warnings.append(
                f"fractal-server {self.settings.server_version} would fail here: "
                f'4_pip_show.sh reads {what} from pip show with `tr -d "[:space:]"`, which '
                f"gives {servers!r} instead of {ours!r}."
            )
        return ours

    def _show_again(self, script: EmulatedScript, name: str, first: str) -> str:
        """``$(pip show <name> | ...)``: stdout captured, failure ignored (pipeline status).

        In fast mode the first ``pip show`` output is reused when ``name`` is one name that
        pip resolves to the same distribution: nothing changed in between, so pip would print
        the same.
        """
        assert self.plan is not None
        names = name.split()
        pkg_names = self.plan.pkg_name.split()
        same = (
            len(names) == 1
            and len(pkg_names) == 1
            and canonicalize_name(names[0]) == canonicalize_name(pkg_names[0])
        )
        if self.fast and same:
            self.log.note(f"pip show {name} (repeated by the script): same output as above")
            return first
        if not names:
            return ""
        return self._pip_show(script, names, capture=True, check=False)

    def _script_5(self, script: EmulatedScript) -> tuple[int, int]:
        assert self.plan is not None
        size, number = venv_size_and_file_number(self.plan.venv_path)
        self.log.note("du -sk and find -type f | wc -l computed in-process")
        script.add_output(f"{size} {number}\n")
        return size, number

    # -- after the scripts ---------------------------------------------------------------------

    def _build_tasks(self) -> None:
        assert self.plan is not None
        assert self.group is not None
        plan, log = self.plan, self.log
        self._enter("show")
        attributes = self._guard("show", lambda: parse_script_pip_show_stdout(self._show_stdout))
        for key, value in attributes.items():
            log.debug(f"Parsed from pip-show: {key}={value}")
        self._guard(
            "show",
            lambda: compare_package_names(
                attributes["package_name"], plan.pkg_name, log.logger_name
            ),
        )
        python_bin = attributes["python_bin"]
        package_root = Path(attributes["package_root_parent"]) / plan.pkg_name.replace("-", "_")
        manifest_path = attributes["manifest_path"]
        schemas = self.profile.schemas

        def load_manifest() -> ManifestBase:
            log.info(f"now loading {manifest_path=}")
            with open(manifest_path) as handle:
                data = json.load(handle)
            log.info(f"loaded {manifest_path=}")
            log.info("now validating manifest content")
            manifest = schemas.manifest(**data)
            log.info("validated manifest content")
            assert isinstance(manifest, ManifestBase)
            return manifest

        manifest = self._guard("manifest", load_manifest)
        log.info("_prepare_tasks_metadata - start")
        tasks = self._guard(
            "tasks",
            lambda: prepare_tasks_metadata(
                package_manifest=manifest,
                package_version=plan.version,
                package_root=package_root,
                python_bin=Path(python_bin),
                task_create=cast(type[TaskCreateBase], schemas.task_create),
            ),
        )
        self.warnings += self._guard(
            "files",
            lambda: check_task_files_exist(
                tasks,
                python_bin=python_bin,
                token=self.profile.executable_check_token,
                release=self.settings.server_version,
            ),
        )
        log.info("_prepare_tasks_metadata - end")
        # Every release stores the activity log for the last time here: what it logs next
        # (the database updates, "finalising", "END") reaches its log file only.
        self._store_environment()
        self.tasks = tasks

    def _store_environment(self) -> None:
        """The final update: the freeze (``pip_freeze``, then ``env_info``) and, up to 2.18.1,
        the venv's size."""
        assert self.group is not None
        update: dict[str, object] = {environment_field(self.profile): self.pip_freeze}
        if self.venv_size is not None:
            update |= {"venv_size_in_kB": self.venv_size[0], "venv_file_number": self.venv_size[1]}
        self.group = self.group.model_copy(update=update)

    # -- venv reuse ----------------------------------------------------------------------------

    def _relocations(self) -> venv_cache.Relocation:
        assert self.plan is not None
        return venv_cache.Relocation(
            group_path=self.plan.path,
            venv_path=self.plan.venv_path,
            wheel_path=self.wheel_path,
            links=tuple(self._find_links()),
        )

    def _cache_key(self) -> str | None:
        if not (self.fast and self.settings.reuse_venvs) or self.info is None:
            return None
        assert self.plan is not None
        return venv_cache.cache_key(
            plan=self.plan,
            wheel=self.wheel,
            info=self.info,
            settings=self.settings,
            find_links=self._find_links(),
            installer="uv" if self._uses_uv() else "pip",
        )

    def _restore(self, entry: venv_cache.CachedVenv) -> bool:
        assert self.info is not None
        return venv_cache.restore(entry, self._relocations(), self.info, self.env, self.log)

    @property
    def _store(self) -> Path:
        return venv_cache.store_root(self.settings)

    def _store_in_cache(self, pip_freeze: str) -> None:
        if self.cache_key is None or self.reused is not None:
            return
        if set(self._script_outputs) != {"1_create_venv.sh", "2_pip_install.sh"}:
            return
        stored = venv_cache.store(
            self._store,
            self.cache_key,
            relocation=self._relocations(),
            outputs=dict(self._script_outputs),
            pip_freeze=pip_freeze,
            max_bytes=self.settings.venv_store_max_bytes,
        )
        if stored:
            self.log.note(f"stored the venv for later collections of these inputs in {self._store}")
