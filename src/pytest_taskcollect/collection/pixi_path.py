"""``collect_pixi``: fractal-server's pixi collection (``POST /api/v2/task/collect/pixi/``,
2.15.0 on), up to the point where the server runs ``pixi``.

A pixi task package is uploaded as ``<pkg_name>-<version>.tar.gz`` holding a top-level folder
``<pkg_name>-<version>`` with a pixi project. The endpoint's checks run in the server's order
with the release's messages: the pixi version (``"Pixi task collection is not available."``,
``"Pixi version ... is not available. Available versions: [...]"``), the file name (ends with
``.tar.gz``, exactly one ``-``), the group path (and ``verify_url_is_relative_to`` from
2.22.13), an existing folder, and the ``use_pixi_lockfile`` form field as the release declares
it (absent until 2.19.x, a bool from 2.20.0, ``"true"``/``"false"`` from 2.26.0). Then the
background task: the folder, ``fractal_task_group_id.txt`` (2.22.9 on), the archive,
``pixi_1_extract.sh`` (the real ``tar`` and ``mv``), the ``pyproject.toml`` checks of
``simplify_pyproject_toml`` (2.15.4 on; with the standard library's ``tomllib``, which Python
3.10 lacks), and ``pixi_2_install.sh``, which runs ``<PIXI_HOME>/bin/pixi install``.

No pixi binary is installable from the package indexes this project uses, and pixi's install
needs conda channels. Where ``<PIXI_HOME>/bin/pixi`` does not exist, the script fails as the
server's would (``No such file or directory``, exit 127, stage ``install``). Where it exists,
the collection stops there too, with a message saying that pixi is not run: a pixi collection
never reports a success it did not have. On failure the group folder is removed, as on the
server.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import socket
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from ..profiles.switches import LockfileField
from ..schemas import NonEmptyStr, TaskGroupActivityStatusV2
from ..schemas.names import normalize_package_name
from ..schemas.task_collection import UploadedFileBase
from . import progress
from .activity_log import ActivityLog
from .pip_request import PathOutsideTasksDir, check_inside_tasks_dir
from .records import dump_lines, task_group_record_model
from .result import CollectionResult, CollectionStage, TaskGroupRecord
from .scripts import EmulatedScript, ScriptExit, pip_environment, run_script
from .settings import CollectionSettings
from .tasks import TASK_GROUP_ID_FILENAME

__all__ = ["PixiUnavailableError", "collect_pixi", "pixi_name_and_version"]

T = TypeVar("T")

SOURCE_DIR_NAME = "source_dir"
_EXTRACT_TAG = "extract-tar-gz-pixi"
_INSTALL_TAG = "install-tasks-pixi"
_PIXI_COMMAND_LINE = 42
"""Line of ``${PIXI_EXECUTABLE} install`` in 2.15.0's ``pixi_2_install.sh``."""


class PixiUnavailableError(ValueError):
    """The emulated release has no pixi endpoint (before 2.15.0)."""


class _Failed(Exception):
    def __init__(self, stage: CollectionStage, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.message = message


def pixi_name_and_version(filename: str) -> tuple[str, str]:
    """``(normalised pkg_name, version)`` from ``<pkg_name>-<version>.tar.gz``, or
    ``ValueError`` with the endpoint's 422 detail."""
    if not filename.endswith(".tar.gz"):
        raise ValueError(f"{filename=} does not end with '.tar.gz'.")
    parts = filename.split("-")
    if len(parts) != 2:
        raise ValueError(
            f"Invalid filename: '{filename}' must contain a single `-` character, separating "
            "the package name from the version (expected format: 'pkg_name-version')."
        )
    version = parts[1].removesuffix(".tar.gz")
    return normalize_package_name(parts[0]), version


def _bool_form(value: object) -> bool:
    """A ``bool = Form(...)`` field, as FastAPI (pydantic, lax mode) reads it."""
    result: bool = TypeAdapter(bool).validate_python(value)
    return result


def _form_error(field: str, error: ValidationError, value: object) -> str:
    item = error.errors(include_url=False)[0]
    detail = {"type": item["type"], "loc": ["body", field], "msg": item["msg"], "input": value}
    if "ctx" in item:
        detail["ctx"] = {key: str(ctx) for key, ctx in item["ctx"].items()}
    return json.dumps([detail])


def collect_pixi(
    archive: UploadedFileBase | os.PathLike[str] | str,
    *,
    pixi_version: str | None = None,
    use_pixi_lockfile: bool | str | None = None,
    settings: CollectionSettings,
) -> CollectionResult:
    """Collect a pixi task package as the pixi endpoint of ``settings.server_version`` does,
    up to ``pixi install`` (see the module docstring: never a success without pixi).

    ``archive`` is the upload (a ``FractalUploadedFile``, or a path uploaded under its file
    name). ``pixi_version``: the form field (default: the configured default version).
    ``use_pixi_lockfile``: the form field as the client sends it (``None``: not sent); a
    release without the field ignores it, with a warning. Raises ``PixiUnavailableError`` for a
    release without pixi collection (before 2.15.0).
    """
    profile = settings.profile
    if not profile.pixi_collection:
        raise PixiUnavailableError(
            f"fractal-server {settings.server_version} has no pixi collection: the endpoint "
            "POST /api/v2/task/collect/pixi/ exists from 2.15.0 (choose server_version "
            "'2.15.0' or later)."
        )
    return _PixiCollection(archive, pixi_version, use_pixi_lockfile, settings).run()


class _PixiCollection:
    def __init__(
        self,
        archive: UploadedFileBase | os.PathLike[str] | str,
        pixi_version: str | None,
        use_pixi_lockfile: bool | str | None,
        settings: CollectionSettings,
    ) -> None:
        self.archive_input = archive
        self.pixi_version_input = pixi_version
        self.lockfile_input = use_pixi_lockfile
        self.settings = settings
        self.profile = settings.profile
        self.log = ActivityLog()
        self.warnings: list[str] = []
        self.timings: dict[str, float] = {}
        self.stage: CollectionStage = "request"
        self._tick = time.perf_counter()
        self.started = datetime.now(timezone.utc)
        self.group: TaskGroupRecord | None = None
        self.path = ""
        self.created_path = False
        self.frozen = False
        self.pixi_home = ""
        self.pixi_version = ""
        self.archive: UploadedFileBase | None = None
        self.archive_path = ""
        self.prefix = ""

    def _enter(self, stage: CollectionStage) -> None:
        now = time.perf_counter()
        self.timings[self.stage] = self.timings.get(self.stage, 0.0) + now - self._tick
        self.stage, self._tick = stage, now
        progress.emit("stage", stage)

    def run(self) -> CollectionResult:
        status = TaskGroupActivityStatusV2.OK
        stage: CollectionStage | None = None
        error: str | None = None
        try:
            self._endpoint()
            self._background()
        except _Failed as failure:
            status, stage, error = TaskGroupActivityStatusV2.FAILED, failure.stage, failure.message
        self._enter(self.stage)
        return CollectionResult(
            status=status,
            server_version=self.settings.server_version,
            task_group=self.group,
            log=self.log.close(),
            stage=stage,
            error=error,
            timings={key: round(value, 6) for key, value in self.timings.items()},
            warnings=self.warnings,
            timestamp_started=self.started,
            timestamp_ended=datetime.now(timezone.utc),
        )

    # -- the endpoint --------------------------------------------------------------------------

    def _reject(self, stage: CollectionStage, message: str) -> _Failed:
        self.log.error(message)
        return _Failed(stage, message)

    def _archive(self) -> UploadedFileBase:
        archive = self.archive_input
        if isinstance(archive, UploadedFileBase):
            return archive
        path = Path(archive)
        try:
            contents = path.read_bytes()
        except OSError as error:
            raise self._reject("request", f"Cannot read {path}: {error}") from error
        upload = self.profile.schemas.uploaded_file(filename=path.name, contents=contents)
        assert isinstance(upload, UploadedFileBase)
        return upload

    def _lockfile(self) -> bool:
        """The ``--frozen`` decision from the form field, as the release declares it."""
        value, kind = self.lockfile_input, self.profile.pixi_lockfile_form_field
        if kind is LockfileField.NONE:
            if value is not None:
                self.warnings.append(
                    f"fractal-server {self.settings.server_version}'s pixi endpoint has no "
                    "use_pixi_lockfile form field (it comes in 2.20.0): the server ignores it "
                    "and never runs pixi install with --frozen."
                )
            return False
        if kind is LockfileField.BOOL:
            try:
                return True if value is None else _bool_form(value)
            except ValidationError as error:
                raise self._reject(
                    "request", _form_error("use_pixi_lockfile", error, value)
                ) from error
        text = value
        if value is None or isinstance(value, bool):  # what a client sends for a Python bool
            text = "false" if value is False else "true"
        if text not in ("true", "false"):
            expected = "'true' or 'false'"
            detail = {
                "type": "literal_error",
                "loc": ["body", "use_pixi_lockfile"],
                "msg": f"Input should be {expected}",
                "input": text,
                "ctx": {"expected": expected},
            }
            raise self._reject("request", json.dumps([detail]))
        return text == "true"

    def _endpoint(self) -> None:
        settings, profile = self.settings, self.profile
        self.frozen = self._lockfile()
        version_input = self.pixi_version_input
        if version_input is not None:
            try:
                version_input = TypeAdapter(NonEmptyStr).validate_python(version_input)
            except ValidationError as error:
                raise self._reject(
                    "request", _form_error("pixi_version", error, version_input)
                ) from error
        archive = self._archive()
        pixi = settings.pixi
        if pixi is None:
            raise self._reject("request", "Pixi task collection is not available.")
        pixi_version = version_input or pixi.default_version
        if pixi_version not in pixi.versions:
            message = profile.pixi_version_unavailable(pixi_version, list(pixi.versions))
            raise self._reject("request", message)
        self.pixi_home = pixi.versions[pixi_version]
        self.pixi_version = pixi_version
        try:
            pkg_name, version = pixi_name_and_version(archive.filename)
        except ValueError as error:
            raise self._reject("request", str(error)) from error
        self._enter("paths")
        self.path = (settings.tasks_dir / str(settings.user_id) / pkg_name / version).as_posix()
        try:
            check_inside_tasks_dir(self.path, settings.tasks_dir.as_posix(), settings)
        except PathOutsideTasksDir as error:
            raise self._reject("paths", str(error)) from error
        if Path(self.path).exists():
            raise self._reject("paths", f"{self.path} already exists.")
        model = task_group_record_model(profile)
        values = {
            "user_id": settings.user_id,
            "resource_id": settings.resource_id,
            "origin": "pixi",
            "pixi_version": pixi_version,
            "pkg_name": pkg_name,
            "version": version,
            "path": self.path,
        }
        self.group = model(**{k: v for k, v in values.items() if k in model.model_fields})
        self.archive = archive

    # -- the background task -------------------------------------------------------------------

    def _background(self) -> None:
        assert self.group is not None
        log = self.log
        log.info("START")
        for line in dump_lines(
            self.profile,
            self.group,
            task_group_id=self.settings.task_group_id,
            timestamp=self.started,
        ):
            log.debug(line)
        try:
            self._prepare_folder()
            self._run_scripts()
        except Exception as error:
            failure = error if isinstance(error, _Failed) else _Failed(self.stage, str(error))
            if self.created_path:
                log.info(f"Now delete folder {self.path}")
                try:
                    shutil.rmtree(self.path)
                    log.info(f"Deleted folder {self.path}")
                except Exception as rm_error:
                    log.error(f"Removing folder failed.\nOriginal error:\n{rm_error}")
            log.warning(f"Task collect failed. Original error: {failure.message}")
            raise failure from error

    def _step(self, stage: CollectionStage, step: Callable[[], T]) -> T:
        self._enter(stage)
        try:
            return step()
        except _Failed:
            raise
        except Exception as error:
            raise _Failed(stage, str(error)) from error

    def _prepare_folder(self) -> None:
        assert self.group is not None
        path, log = self.path, self.log
        self._step("paths", lambda: Path(path).mkdir(parents=True))
        self.created_path = True
        log.info(f"Created {path}")
        if self.profile.writes_task_group_id_file:
            id_file = (Path(path) / TASK_GROUP_ID_FILENAME).as_posix()
            log.info(f"Write txt-file contents into {id_file}")
            group_id = str(self.settings.task_group_id)
            self._step("paths", lambda: Path(id_file).write_text(group_id))
        assert self.archive is not None
        archive_path = (Path(path) / self.archive.filename).as_posix()
        log.info(f"Write tar.gz-file contents into {archive_path}.")
        contents = self.archive.contents
        self._step("paths", lambda: Path(archive_path).write_bytes(contents))
        self.group = self.group.model_copy(update={"archive_path": archive_path})
        self.archive_path = archive_path
        if self.profile.pixi_lockfile_form_field is not LockfileField.NONE:
            log.info(f"use_pixi_lockfile={self.frozen}")
        if self.profile.pixi_cache_dir_setting:
            log.info(f"Setting PIXI_CACHE_DIR to {os.path.join(self.pixi_home, 'cache')}")

    def _script(self, template: str, tag: str, body: Callable[[EmulatedScript], None]) -> None:
        try:
            run_script(
                template=template,
                scripts_dir=f"{self.path}/scripts",
                prefix=self.prefix,
                log=self.log,
                env=pip_environment(),
                cwd=Path(self.path),
                timeout=self.settings.pip_timeout,
                body=body,
                log_tag=tag,
            )
        except _Failed:
            raise
        except Exception as error:
            raise _Failed(self.stage, str(error)) from error

    def _run_scripts(self) -> None:
        self.prefix = f"{int(time.time())}_collect_"
        self._enter("extract")
        self._script("pixi_1_extract.sh", _EXTRACT_TAG, self._extract)
        if self.profile.pixi_simplifies_pyproject:
            self._step("extract", self._check_pyproject)
        self._enter("install")
        self._script("pixi_2_install.sh", _INSTALL_TAG, self._install)

    def _extract(self, script: EmulatedScript) -> None:
        package_dir = self.path.rstrip("/")
        basename = Path(self.archive_path).name.removesuffix(".tar.gz")
        source_dir = f"{package_dir}/{SOURCE_DIR_NAME}"
        started = time.time()
        script.write_log(f"Changed working directory to {package_dir}")
        script.write_log(f"START 'tar xz -f {self.archive_path} {basename}'")
        script.run(["tar", "xz", "-f", self.archive_path, basename])
        script.write_log(f"END   'tar xz -f {self.archive_path} {basename}'")
        script.echo()
        script.write_log(f"START 'mv {package_dir}/{basename} {source_dir}'")
        script.run(["mv", f"{package_dir}/{basename}", source_dir])
        script.write_log(f"END   'mv {package_dir}/{basename} {source_dir}'")
        script.echo()
        script.write_log(f"Elapsed: {int(time.time() - started)} seconds")
        script.write_log("All ok, exit.")
        script.echo()

    def _check_pyproject(self) -> None:
        """``simplify_pyproject_toml``'s checks on ``source_dir/pyproject.toml`` (the file is
        not rewritten: pixi never runs here)."""
        path = Path(self.path, SOURCE_DIR_NAME, "pyproject.toml")
        text = path.read_text()  # a missing file fails as the server's open() does
        try:
            toml = importlib.import_module("tomllib")
        except ModuleNotFoundError:  # Python 3.10
            self.log.note("pyproject.toml not checked: tomllib needs Python 3.11")
            return
        data: dict[str, Any] = toml.loads(text)
        pixi = data.get("tool", {}).get("pixi")
        if isinstance(pixi, dict) and isinstance(pixi.get("environments"), dict):
            environment = self.settings.pixi.DEFAULT_ENVIRONMENT if self.settings.pixi else ""
            if environment not in pixi["environments"]:
                raise ValueError(f"No '{environment}' pixi environment found.")
        self.log.debug(f"Replaced local {path.as_posix()} with simplified version.")
        self.log.note(
            "pyproject.toml checked as the server simplifies it (one platform, the default "
            "environment, no [tool.pixi.tasks]); not rewritten, since pixi does not run here"
        )

    def _install(self, script: EmulatedScript) -> None:
        pixi_home = self.pixi_home.rstrip("/")
        executable = f"{pixi_home}/bin/pixi"
        pyproject = f"{self.path.rstrip('/')}/{SOURCE_DIR_NAME}/pyproject.toml"
        frozen = "--frozen" if self.frozen else ""
        script.write_log(f"Hostname: {socket.gethostname()}")
        script.write_log(f"Changed working directory to {self.path.rstrip('/')}")
        script.write_log(f"START '{executable} install {frozen} --manifest-path {pyproject}'")
        line = _PIXI_COMMAND_LINE + 2 * self.profile.template_shebang
        line += int(self.profile.pixi_cache_dir_setting)
        if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
            script.add_output(
                stderr=f"{script.command.removeprefix('bash ')}: line {line}: {executable}: "
                "No such file or directory\n"
            )
            self.warnings.append(
                f"No pixi at {executable} (the PIXI_HOME of pixi version "
                f"{self.pixi_version}): the server's "
                "pixi_2_install.sh stops there, as here. pytest-taskcollect needs a real pixi "
                "binary to go further, and none is installable from the package indexes."
            )
            raise ScriptExit(127)
        raise _Failed(
            "install",
            f"pytest-taskcollect stops before `{executable} install {frozen} --manifest-path "
            f"{pyproject}`: it does not run pixi (its install needs conda channels). The "
            "checks before it passed; the server would now run pixi install and its "
            "post-install script.",
        )
