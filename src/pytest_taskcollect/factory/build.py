"""Write a real task-package project from a ``TaskPackageSpec`` and build it with PEP 517.

The project is what a task author would have: a ``pyproject.toml`` using the ``flit_core``
backend (static ``version`` and ``description``, ``[tool.flit.module]`` naming the import
package), a ``src/`` or flat layout, the package with its ``__init__.py``, task executables,
``__FRACTAL_MANIFEST__.json`` and extra files. It is built with the ``build`` package's
``ProjectBuilder``, so the wheel (RECORD, METADATA, manifest inside the import package) is the
one the author's own ``python -m build`` would produce.

By default the build is not isolated and uses the ``flit_core`` installed with
pytest-taskcollect, so it works offline. ``ProjectBuilder`` normally runs every backend hook in
a fresh interpreter (about 60-250 ms); we give it a ``runner`` that performs the same hook call
in-process (about 2 ms), because a test suite builds many tiny wheels and the subprocess would
dominate. ``isolated=True`` builds in a ``build.env.DefaultIsolatedEnv`` instead, installing the
backend from the package index like ``python -m build`` does.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .manifest import generate_manifest, manifest_text
from .spec import TaskPackageSpec
from .task_script import task_scripts

__all__ = [
    "BuildKind",
    "BuiltWheel",
    "build_task_sdist",
    "build_task_wheel",
    "package_files",
    "write_task_project",
]

BuildKind = Literal["wheel", "sdist"]
"""The distribution kinds the factory builds."""

_BACKEND = "flit_core.buildapi"
_BACKEND_REQUIREMENT = "flit_core>=3.9,<4"


@dataclass(frozen=True)
class BuiltWheel:
    """A built distribution: a wheel, or an sdist when ``kind == "sdist"``.

    ``pkg_name`` is the distribution name as the spec declares it (the ``Name:`` of METADATA),
    ``manifest`` is the manifest as written into the package (``None`` when none was written).
    """

    path: Path
    filename: str
    pkg_name: str
    version: str
    manifest: Any = field(compare=False)
    spec: TaskPackageSpec
    kind: BuildKind = "wheel"


def _toml(value: str | Sequence[str]) -> str:
    """A TOML string or array of strings (JSON string escapes are valid TOML)."""
    if isinstance(value, str):
        return json.dumps(value)
    return "[" + ", ".join(json.dumps(item) for item in value) + "]"


def _pyproject(spec: TaskPackageSpec) -> str:
    lines = [
        "[build-system]",
        f"requires = {_toml([_BACKEND_REQUIREMENT])}",
        f"build-backend = {_toml(_BACKEND)}",
        "",
        "[project]",
        f"name = {_toml(spec.name)}",
        f"version = {_toml(spec.version)}",
        f"description = {_toml(spec.description)}",
    ]
    if spec.requires_python is not None:
        lines.append(f"requires-python = {_toml(spec.requires_python)}")
    if spec.authors is not None:
        lines.append(f"authors = [{{ name = {_toml(spec.authors)} }}]")
    lines.append(f"dependencies = {_toml(spec.dependencies)}")
    if spec.extras:
        lines += ["", "[project.optional-dependencies]"]
        lines += [f"{_toml(extra)} = {_toml(reqs)}" for extra, reqs in spec.extras.items()]
    lines += ["", "[tool.flit.module]", f"name = {_toml(spec.import_package)}", ""]
    return "\n".join(lines)


def package_files(spec: TaskPackageSpec) -> tuple[dict[str, str], Any]:
    """The files of the import package (relative path -> text) and the generated manifest
    (``None`` when no manifest copy is written).

    ``__init__.py``, the generated executables and the manifest copies come first; then
    ``extra_files`` override or add files and ``omit_files`` remove them.
    """
    files = {"__init__.py": json.dumps(spec.description) + "\n"}  # the description as docstring
    files.update(task_scripts(spec))
    manifest = generate_manifest(spec) if spec.manifest_paths else None
    for path in spec.manifest_paths:
        files[path] = manifest_text(manifest)
    files.update(spec.extra_files)
    unknown = sorted(set(spec.omit_files) - set(files))
    if unknown:
        raise ValueError(f"omit_files names files the package does not have: {unknown}")
    for path in spec.omit_files:
        del files[path]
    if not any(path in files for path in spec.manifest_paths):
        manifest = None
    return files, manifest


def _write_project(spec: TaskPackageSpec, project: Path) -> Any:
    """Write the project tree and return the manifest written (or ``None``)."""
    package = project / ("src" if spec.layout == "src" else "") / spec.import_package
    package.mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text(_pyproject(spec), encoding="utf-8")
    files, manifest = package_files(spec)
    for relative, text in files.items():
        target = package / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return manifest


def write_task_project(spec: TaskPackageSpec, project_dir: str | os.PathLike[str]) -> Path:
    """Write the project tree of ``spec`` into ``project_dir`` (created if needed) and return it."""
    project = Path(project_dir)
    _write_project(spec, project)
    return project


_cwd_lock = threading.Lock()


def _in_process_runner(
    cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None
) -> None:
    """A ``ProjectBuilder`` runner that calls the flit_core hook in this process.

    ``pyproject_hooks`` asks the runner to execute ``[python, _in_process.py, hook, control_dir]``
    in ``cwd``; that script reads ``control_dir/input.json``, calls the backend hook and writes
    ``control_dir/output.json``. We do exactly that without starting an interpreter. PEP 517
    hooks run in the source tree, so the working directory is switched for the call (under a
    lock, and restored).
    """
    backend_name = (extra_environ or {}).get("_PYPROJECT_HOOKS_BUILD_BACKEND")
    if backend_name != _BACKEND or cwd is None:
        raise RuntimeError(f"The in-process runner only runs {_BACKEND} hooks, not {backend_name}.")
    backend = importlib.import_module(_BACKEND)
    hook_name, control_dir = cmd[-2], Path(cmd[-1])
    kwargs = json.loads((control_dir / "input.json").read_text(encoding="utf-8"))["kwargs"]
    hook = getattr(backend, hook_name)
    with _cwd_lock:
        previous = os.getcwd()
        os.chdir(cwd)
        try:
            result = {"return_val": hook(**kwargs)}
        finally:
            os.chdir(previous)
    (control_dir / "output.json").write_text(json.dumps(result), encoding="utf-8")


def _run_build(project: Path, kind: BuildKind, outdir: Path, isolated: bool) -> Path:
    # Imported here: ``build`` costs ~100 ms to import, and the pytest plugin imports this
    # module in every test session, most of which never build anything.
    import build
    import build.env
    import pyproject_hooks

    if not isolated:
        builder = build.ProjectBuilder(project, runner=_in_process_runner)
        return Path(builder.build(kind, outdir))
    with build.env.DefaultIsolatedEnv() as env:
        builder = build.ProjectBuilder.from_isolated_env(
            env, project, runner=pyproject_hooks.quiet_subprocess_runner
        )
        env.install(builder.build_system_requires)
        env.install(builder.get_requires_for_build(kind))
        return Path(builder.build(kind, outdir))


def _build(
    spec: TaskPackageSpec, dest: str | os.PathLike[str], kind: BuildKind, isolated: bool
) -> BuiltWheel:
    outdir = Path(dest).absolute()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="taskcollect-project-") as tmp:
        project = Path(tmp) / "project"
        manifest = _write_project(spec, project)
        path = _run_build(project, kind, outdir, isolated)
    if kind == "wheel" and spec.wheel_filename is not None:
        renamed = outdir / spec.wheel_filename
        os.replace(path, renamed)
        path = renamed
    return BuiltWheel(
        path=path,
        filename=path.name,
        pkg_name=spec.name,
        version=spec.version,
        manifest=manifest,
        spec=spec,
        kind=kind,
    )


def build_task_wheel(
    spec: TaskPackageSpec, dest: str | os.PathLike[str], *, isolated: bool = False
) -> BuiltWheel:
    """Build the wheel of ``spec`` into the directory ``dest`` (renamed to
    ``spec.wheel_filename`` if set). Offline and in-process unless ``isolated``. A spec the
    backend refuses (e.g. an invalid version) raises ``build.BuildBackendException``."""
    return _build(spec, dest, "wheel", isolated)


def build_task_sdist(
    spec: TaskPackageSpec, dest: str | os.PathLike[str], *, isolated: bool = False
) -> BuiltWheel:
    """Build the sdist (``<name>-<version>.tar.gz``) of ``spec`` into ``dest``; the result has
    ``kind == "sdist"``. This is how an "sdist only" package is published."""
    return _build(spec, dest, "sdist", isolated)
