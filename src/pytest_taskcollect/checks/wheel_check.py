"""A static check of a wheel: what fractal-server 2.14.5's pip collection will make of it.

``check_wheel_collectable(wheel)`` reads the wheel file (nothing is installed) and walks the
server's steps in order, with the server's messages (collection spec §2.1-§2.7):

* ``request``/``paths``: the upload's file name through the endpoint's rules and lax parser
  (``pkg_name`` and ``version`` come from the file name, not from the metadata);
* ``venv``: the server's ``bash <task-group path>/scripts/...`` command line, checked with
  ``validate_cmd`` (the version from the file name is part of the path);
* ``install``: what pip (up to 24.0) refuses, modelled by ``pip_wheel``: its wheel-name
  pattern and tags, the archive and its metadata, members that leave site-packages, are
  unreadable (corrupt, encrypted, unknown method, wrong CRC) or have names the file system
  rejects; the archive is read in bounded memory. An archive that is not a wheel (an sdist) is
  built by pip, so its contents cannot be checked statically;
* ``show``: ``4_pip_show.sh`` greps ``pip show --files`` (the installed files) for
  ``__FRACTAL_MANIFEST__.json``: none is "manifest path not found", several are concatenated
  into one bogus path;
* ``manifest``: ``json.load`` and ``ManifestV2``;
* ``tasks``: ``prepare_tasks_metadata`` (the ``TaskCreateV2`` re-validation), with the
  commands the server would build in a venv under ``settings.tasks_dir``;
* ``files``: every command's file, ``command.split()[1]``, resolved against
  ``<site-packages>/<pkg_name with "-" replaced by "_">`` (where the server looks, whatever the
  wheel's import package is), must be in the wheel.

Each stage is checked as far as the earlier ones allow, so one report lists every problem the
author has to fix, in the server's order: ``report.problems[0]`` is where the server stops.
"""

from __future__ import annotations

import json
import os
import posixpath
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, get_args

from packaging.utils import canonicalize_name
from pydantic import ValidationError

from ..collection.pip_request import (
    RequestRejected,
    TaskGroupPlan,
    check_request,
    plan_task_group,
    wheel_name_and_version,
)
from ..collection.result import CollectionStage
from ..collection.server_quirks import server_failure_warnings
from ..collection.settings import CollectionSettings
from ..collection.tasks import TaskFile, missing_file_message, prepare_tasks_metadata
from ..factory.build import BuiltWheel
from ..schemas import (
    ManifestV2,
    TaskCollectPipV2,
    TaskCreateV2,
    TaskGroupV2OriginEnum,
    WheelFile,
    validate_cmd,
)
from ..schemas.names import WheelFilenameCheck, check_wheel_filename
from .pip_wheel import (
    MAX_MANIFEST_BYTES,
    InstallTarget,
    PipWheelName,
    WheelInstall,
    inspect_wheel_install,
    parse_pip_wheel_filename,
    pip_versions_equal,
)

__all__ = [
    "DEFAULT_TASKS_DIR",
    "MANIFEST_FILENAME",
    "ManifestCheck",
    "WheelCheckReport",
    "WheelProblem",
    "check_manifest",
    "check_wheel_collectable",
]

MANIFEST_FILENAME = "__FRACTAL_MANIFEST__.json"
"""What ``4_pip_show.sh`` greps for in ``pip show --files``."""

DEFAULT_TASKS_DIR = "/fractal-tasks"
"""The ``FRACTAL_TASKS_DIR`` of the commands a static check builds (nothing is written there)."""

_STAGE_ORDER = get_args(CollectionStage)
_NOT_LOADED = object()
"""What ``_show_and_load`` returns when the manifest cannot be loaded (``None`` is a manifest)."""


@dataclass(frozen=True)
class WheelProblem:
    """One reason the server's collection would fail.

    ``stage`` is the ``CollectionResult.stage`` it corresponds to, ``message`` the server's
    error (what ``CollectionResult.error`` or the activity log would hold) and ``explanation``
    what in the wheel causes it.
    """

    stage: CollectionStage
    message: str
    explanation: str

    def __str__(self) -> str:
        """``[stage] message`` (continuation lines indented), then ``why: explanation``."""
        message = self.message.replace("\n", "\n    ")
        return f"[{self.stage}] {message}\n    why: {self.explanation}"


@dataclass(frozen=True)
class ManifestCheck:
    """A manifest through ``ManifestV2`` and ``prepare_tasks_metadata``.

    ``manifest`` is ``None`` when ``ManifestV2`` rejects the data; ``tasks`` holds the
    ``TaskCreateV2`` records of the tasks that validate; ``problems`` are at stage
    ``manifest`` or ``tasks``.
    """

    manifest: ManifestV2 | None
    tasks: list[TaskCreateV2]
    problems: list[WheelProblem]


def _server_paths(
    settings: CollectionSettings, pkg_name: str, version: str
) -> tuple[PurePosixPath, PurePosixPath]:
    """``(python_bin, site_packages)`` of the venv the server would create for this group."""
    venv = PurePosixPath(settings.tasks_dir.as_posix()) / str(settings.user_id)
    venv = venv / pkg_name / version / "venv"
    site_packages = venv / "lib" / f"python{settings.default_python_version}" / "site-packages"
    return venv / "bin" / "python", site_packages


def check_manifest(
    data: Any,
    *,
    pkg_name: str = "fractal-tasks",
    version: str = "0.0.0",
    settings: CollectionSettings | None = None,
) -> ManifestCheck:
    """Validate manifest ``data`` (the loaded JSON) as the server does after finding it.

    ``ManifestV2(**data)`` first; then each task through ``prepare_tasks_metadata`` with the
    server's commands for a package ``pkg_name`` at ``version`` (they matter: a forbidden
    character in a command fails ``TaskCreateV2``). Every failing task is reported, where the
    server stops at the first one.
    """
    settings = settings or CollectionSettings(tasks_dir=Path(DEFAULT_TASKS_DIR))
    try:
        manifest = ManifestV2(**data)
    except (TypeError, ValidationError, RecursionError) as error:
        problem = WheelProblem(
            "manifest", str(error), "fractal-server validates the manifest with ManifestV2."
        )
        return ManifestCheck(None, [], [problem])
    python_bin, site_packages = _server_paths(settings, pkg_name, version)
    tasks, problems = [], []
    for task in manifest.task_list:
        try:
            (created,) = prepare_tasks_metadata(
                package_manifest=manifest.model_copy(update={"task_list": [task]}),
                python_bin=Path(python_bin),
                package_root=Path(site_packages / pkg_name.replace("-", "_")),
                package_version=version,
            )
        except ValidationError as error:
            problems.append(
                WheelProblem(
                    "tasks",
                    str(error),
                    f"task `{task.name}` passes ManifestV2 but not TaskCreateV2, which "
                    "re-validates it (with its command line, version and authors) more strictly.",
                )
            )
        else:
            tasks.append(created)
    return ManifestCheck(manifest, tasks, problems)


@dataclass(frozen=True)
class WheelCheckReport:
    """What fractal-server 2.14.5's pip collection would make of one wheel.

    * ``pkg_name``/``version``: the task group's, read from the file name (``None`` when the
      server rejects the name); ``metadata_name``: the ``Name:`` that ``pip show`` reports.
    * ``python_bin``/``package_root``: the (fake) venv python and the folder the commands point
      into; ``manifest_entries``: the installed files the script's grep matches.
    * ``manifest``/``tasks``: the validated manifest and the ``TaskCreateV2`` records of the
      tasks that validate (``None``/empty when the check did not get that far).
    * ``problems``: every failure found, in the server's stage order; ``warnings``: what does
      not fail the collection but differs from what the author likely expects.
    * ``contents_checked``: ``False`` when the file is not a wheel (pip would build it).
    """

    path: Path
    filename_check: WheelFilenameCheck
    pkg_name: str | None = None
    version: str | None = None
    metadata_name: str | None = None
    python_bin: str | None = None
    package_root: str | None = None
    manifest_entries: tuple[str, ...] = ()
    manifest: ManifestV2 | None = None
    tasks: list[TaskCreateV2] = field(default_factory=list)
    problems: tuple[WheelProblem, ...] = ()
    warnings: tuple[str, ...] = ()
    contents_checked: bool = False

    @property
    def filename(self) -> str:
        """The uploaded file name (the server derives ``pkg_name`` and ``version`` from it)."""
        return self.path.name

    @property
    def ok(self) -> bool:
        """True when no problem was found and the contents could be checked."""
        return not self.problems and self.contents_checked

    @property
    def first_problem(self) -> WheelProblem | None:
        """The problem the server's collection would stop at."""
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        """A human-readable report: the verdict, then each problem and warning."""
        if self.ok:
            lines = [
                f"{self.filename}: nothing stops fractal-server 2.14.5 from collecting it "
                f"({len(self.tasks)} task(s); dependencies are not checked)."
            ]
        elif not self.problems:
            lines = [f"{self.filename}: not a wheel, so its contents were not checked."]
        else:
            lines = [
                f"{self.filename}: fractal-server 2.14.5 would fail to collect it "
                f"({len(self.problems)} problem(s)):"
            ]
            lines += ["  " + str(problem).replace("\n", "\n  ") for problem in self.problems]
        lines += [f"  warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)


def check_wheel_collectable(
    wheel: str | os.PathLike[str] | BuiltWheel, *, settings: CollectionSettings | None = None
) -> WheelCheckReport:
    """Check ``wheel`` statically against fractal-server 2.14.5's pip collection.

    ``settings`` gives the tasks dir, user id and Python version of the commands the server
    would build (default: tasks dir ``/fractal-tasks``, the running Python's ``X.Y``); only
    their shape matters (a forbidden character in them fails ``TaskCreateV2``).
    """
    path = Path(wheel.path if isinstance(wheel, BuiltWheel) else wheel)
    settings = settings or CollectionSettings(tasks_dir=Path(DEFAULT_TASKS_DIR))
    return _WheelChecker(path, settings).run()


class _WheelChecker:
    """One check's state; ``run`` walks the server's steps."""

    def __init__(self, path: Path, settings: CollectionSettings) -> None:
        self.path = path
        self.settings = settings
        self.filename_check = check_wheel_filename(path.name)
        self.problems: list[WheelProblem] = []
        self.warnings: list[str] = []
        self.facts: dict[str, Any] = {}

    def problem(self, stage: CollectionStage, message: str, explanation: str) -> None:
        self.problems.append(WheelProblem(stage, message, explanation))

    def run(self) -> WheelCheckReport:
        plan = self._request()
        if plan is not None:
            wheel_name = self._pip_wheel_name()
            if wheel_name is not None:
                self._contents(plan, wheel_name)
        self.problems.sort(key=lambda problem: _STAGE_ORDER.index(problem.stage))
        return WheelCheckReport(
            path=self.path,
            filename_check=self.filename_check,
            problems=tuple(self.problems),
            warnings=tuple(self.warnings),
            **self.facts,
        )

    def _request(self) -> TaskGroupPlan | None:
        """The endpoint's rules, then the task group's paths through the server's command-line
        check; the plan unless the name cannot be parsed."""
        filename = self.path.name
        why = "fractal-server's pip endpoint rejects the upload's file name (HTTP 422)."
        try:
            origin = check_request(TaskCollectPipV2(), WheelFile(filename=filename, contents=b""))
            pkg_name, version = wheel_name_and_version(filename)
        except RequestRejected as error:
            self.problem("request", str(error), why)
            return None
        python_bin, site_packages = _server_paths(self.settings, pkg_name, version)
        self.facts |= {
            "pkg_name": pkg_name,
            "version": version,
            "python_bin": python_bin.as_posix(),
            "package_root": (site_packages / pkg_name.replace("-", "_")).as_posix(),
        }
        try:
            plan = plan_task_group(
                request=TaskCollectPipV2(),
                origin=origin,
                pkg_name=pkg_name,
                version=version,
                python_version=self.settings.default_python_version,
                settings=self.settings,
            )
        except RequestRejected as error:
            self.problem(
                "paths",
                str(error),
                "the task group the server derives from the file name (pkg_name, version, "
                "paths) fails its TaskGroupCreateV2Strict check (HTTP 422).",
            )
            return self._unchecked_plan(pkg_name, version)
        try:
            command = f"bash {plan.path}/scripts/{int(time.time())}_collect_1_create_venv.sh"
            validate_cmd(command)
            shlex.split(command)  # the server splits the command line before running it
        except ValueError as error:
            self.problem(
                "venv",
                str(error),
                "the server runs each script as `bash <task-group path>/scripts/<script>`, and "
                "the task-group path holds the version read from the file name.",
            )
        interpreter = self.settings.python_interpreters.get(plan.python_version)
        self.warnings += server_failure_warnings(
            path=plan.path,
            venv_path=plan.venv_path,
            interpreter=str(interpreter or ""),
            install_string=plan.pip_install_string(f"{plan.path}/{filename}"),
            pip_cache_dir=str(self.settings.pip_cache_dir) if self.settings.pip_cache_dir else None,
        )
        return plan

    def _unchecked_plan(self, pkg_name: str, version: str) -> TaskGroupPlan:
        """The paths the server would have used, for the checks of the later stages."""
        path = (
            self.settings.tasks_dir / str(self.settings.user_id) / pkg_name / version
        ).as_posix()
        return TaskGroupPlan(
            origin=TaskGroupV2OriginEnum.WHEELFILE,
            pkg_name=pkg_name,
            version=version,
            python_version=self.settings.default_python_version,
            path=path,
            venv_path=f"{path}/venv",
            pip_extras=None,
            pinned_package_versions=None,
            user_id=self.settings.user_id,
        )

    def _pip_wheel_name(self) -> PipWheelName | None:
        """pip's reading of the file name; ``None`` (with a warning, or a problem for a
        ``.whl``) when pip will not install the file as a wheel."""
        filename, version = self.path.name, self.facts["version"]
        if not filename.endswith(".whl"):
            self.warnings.append(
                f"{filename} is not a wheel ({self.filename_check.strict_error}). "
                f"fractal-server accepts the upload with version {version!r} and pip builds it "
                "from source, which needs its build backend from a package index; its contents "
                "are not checked."
            )
            return None
        wheel_name = parse_pip_wheel_filename(filename)
        if wheel_name is None:
            self.problem(
                "install",
                f"ERROR: {filename} is not a valid wheel filename.",
                "pip refuses to install it: its file name does not match pip's wheel pattern "
                "<name>-<version>[-<build>]-<python>-<abi>-<platform>.whl (no whitespace, no "
                "'-' inside a part).",
            )
        return wheel_name

    def _contents(self, plan: TaskGroupPlan, wheel_name: PipWheelName) -> None:
        install = inspect_wheel_install(
            self.path,
            wheel_name,
            InstallTarget(
                venv=PurePosixPath(plan.venv_path),
                python_version=plan.python_version,
                wheel_path=f"{plan.path}/{self.path.name}",
            ),
            manifest_marker=MANIFEST_FILENAME,
        )
        for message, explanation in install.problems:
            self.problem("install", message, f"pip refuses to install it: {explanation}")
        self.warnings += install.warnings
        if not install.readable:
            return
        self.facts["contents_checked"] = True
        self.facts["metadata_name"] = install.metadata_name
        if install.metadata_name is None or install.metadata_version is None:
            return
        name = self._pip_show_name(install.metadata_name, install.dist_info_name)
        if name is None:
            return
        self._name_and_version_warnings(plan, name, install.metadata_version)
        manifest = self._show_and_load(plan, name, install)
        if manifest is _NOT_LOADED:
            return
        checked = check_manifest(
            manifest, pkg_name=plan.pkg_name, version=plan.version, settings=self.settings
        )
        self.problems += checked.problems
        self.facts |= {"manifest": checked.manifest, "tasks": checked.tasks}
        if checked.manifest is not None:
            self._files(checked.manifest, install.installed)

    def _pip_show_name(self, name: str, dist_info_name: str | None) -> str | None:
        """The ``Name`` 4_pip_show.sh reads, when ``pip show <Name>`` then finds the package:
        pip looks installed packages up by their .dist-info folder name, not by METADATA."""
        if canonicalize_name(name) == dist_info_name:
            return name
        self.problem(
            "show",
            f"ERROR: manifest path not found for {''.join(name.split())}",
            f"METADATA names the package {name!r} but its .dist-info folder names it "
            f"{dist_info_name!r}: pip installs it under the folder's name, `pip show` prints "
            f"the METADATA name, and 4_pip_show.sh's next `pip show {name}` finds nothing.",
        )
        return None

    def _name_and_version_warnings(
        self, plan: TaskGroupPlan, name: str, metadata_version: str | None
    ) -> None:
        if name != plan.pkg_name:
            self.warnings.append(
                f"Package name mismatch: pkg_name_task_group={plan.pkg_name!r}, "
                f"pkg_name_pip_show={name!r}. (The server logs this warning and goes on: the "
                "names are equal once normalised.)"
            )
        if metadata_version is not None and metadata_version != plan.version:
            same = pip_versions_equal(metadata_version, plan.version)
            self.warnings.append(
                f"The server reads version {plan.version!r} from the file name, where the "
                f"wheel's version is {metadata_version!r}; the task group and every task get the "
                "server's reading." + ("" if same else " (pip installs the wheel all the same.)")
            )

    def _show_and_load(self, plan: TaskGroupPlan, name: str, install: WheelInstall) -> Any:
        """Find the manifest like ``4_pip_show.sh`` and load it; ``_NOT_LOADED`` on a problem."""
        _, site_packages = _server_paths(self.settings, plan.pkg_name, plan.version)
        entries = tuple(sorted(path for path in install.installed if MANIFEST_FILENAME in path))
        self.facts["manifest_entries"] = entries
        if not entries:
            self.problem(
                "show",
                f"ERROR: manifest path not found for {''.join(name.split())}",
                f"no installed file matches {MANIFEST_FILENAME}: 4_pip_show.sh greps "
                f"`pip show --files {name}` for it, so the manifest must be inside the wheel "
                "(usually in the import package).",
            )
            return _NOT_LOADED
        relative = "".join("".join(entries).split())  # tr -d "[:space:]" (newlines too)
        if relative != entries[0]:
            if len(entries) > 1:
                why = (
                    f"several installed files match {MANIFEST_FILENAME} ({', '.join(entries)}); "
                    "4_pip_show.sh joins them into one path. Ship exactly one manifest."
                )
            else:
                why = f"4_pip_show.sh deletes the whitespace in the manifest path {entries[0]!r}."
            self.problem(
                "manifest",
                f"[Errno 2] No such file or directory: '{site_packages}/{relative}'",
                why,
            )
            return _NOT_LOADED
        member = install.installed[entries[0]]
        if member not in install.manifests:
            return _NOT_LOADED  # pip could not extract it: an install problem says why
        data = install.manifests[member]
        if data is None:
            self.problem(
                "manifest",
                f"{entries[0]} is larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MiB; the "
                f"check reads at most {MAX_MANIFEST_BYTES // (1024 * 1024)} MiB of a manifest.",
                "a manifest that large is a zip bomb or a mistake (a real one is a few hundred "
                "kB); fractal-server would read it whole into memory.",
            )
            return _NOT_LOADED
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            self.problem(
                "manifest", str(error), f"{entries[0]} is not a valid UTF-8 JSON document."
            )
            return _NOT_LOADED

    def _files(self, manifest: ManifestV2, files: dict[str, str]) -> None:
        """``check_task_files_exist`` against the wheel's installed file list."""
        python_bin, root = self.facts["python_bin"], self.facts["package_root"]
        site_packages = posixpath.dirname(root)
        root_name = posixpath.basename(root)
        folders = {posixpath.dirname(path) for path in files}
        folders |= {"/".join(f.split("/")[:i]) for f in folders for i in range(1, f.count("/") + 1)}
        for task in manifest.task_list:
            for kind in ("non_parallel", "parallel"):
                executable = getattr(task, f"executable_{kind}")
                if executable is None:
                    continue
                full = (PurePosixPath(root) / executable).as_posix()
                checked = f"{python_bin} {full}".split()[1]
                if not checked.startswith(site_packages + "/"):
                    self.warnings.append(
                        f"Task `{task.name}` has `command_{kind}` pointing to `{checked}`, "
                        "outside site-packages: it is not in the wheel and cannot be checked."
                    )
                    continue
                relative = posixpath.normpath(checked[len(site_packages) + 1 :])
                if relative in files or relative in folders:
                    continue
                task_file = TaskFile(task.name, f"command_{kind}", checked, checked)
                self.problem(
                    "files",
                    missing_file_message(task_file),
                    self._why_missing(executable, full, checked, root_name, files, folders),
                )

    @staticmethod
    def _why_missing(
        executable: str,
        full: str,
        checked: str,
        root_name: str,
        files: dict[str, str],
        folders: set[str],
    ) -> str:
        if checked != full:
            return (
                f"the server checks the command's second whitespace-separated token, "
                f"`{checked}`, because the executable `{executable}` contains whitespace."
            )
        if root_name not in folders:
            packages = sorted({path.split("/")[0] for path in folders if path} - {""})
            packages = [p for p in packages if not p.endswith((".dist-info", ".data"))]
            return (
                f"the wheel has no `{root_name}/` folder: fractal-server resolves executables "
                f"against <site-packages>/{root_name} (the distribution name normalised, with "
                f"'-' replaced by '_'), whatever the import package is; the wheel's packages: "
                f"{', '.join(packages) or 'none'}."
            )
        elsewhere = sorted(path for path in files if path.endswith("/" + executable))
        if elsewhere:
            return f"`{executable}` is in the wheel as `{elsewhere[0]}`, not under `{root_name}/`."
        return f"`{root_name}/{executable}` is not in the wheel."
