"""Build the wheel of a user's task-package project, as ``python -m build --wheel`` would.

Unlike ``wheel_build`` (which writes and builds projects from a ``TaskPackageSpec``), this module
builds an existing project directory with any PEP 517 backend. By default the build is not
isolated when the project's build requirements are already installed in the running environment
(offline, and fast); otherwise it runs in a ``build.env.DefaultIsolatedEnv``, which installs the
backend from the package index, as ``python -m build`` does. The backend's output is captured, so
that a failed build can report it instead of printing it in the middle of a command's output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import build

__all__ = ["NotAProjectError", "ProjectBuildError", "build_project_wheel"]


class ProjectBuildError(RuntimeError):
    """The project's wheel could not be built; ``output`` holds what the backend printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


class NotAProjectError(ProjectBuildError, ValueError):
    """The directory is not a Python project (no ``pyproject.toml`` nor ``setup.py``)."""


class _CapturingRunner:
    """A ``ProjectBuilder`` runner that runs each backend hook in a subprocess (as the default
    runner does) and keeps its combined stdout/stderr in ``output`` instead of printing it."""

    def __init__(self) -> None:
        self.output = ""

    def __call__(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        env = {**os.environ, **(extra_environ or {})}
        completed = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        self.output += completed.stdout
        completed.check_returncode()


def _unmet_requirements(builder: build.ProjectBuilder) -> list[str]:
    """The build requirements (static, then the backend's dynamic ones) that the running
    environment does not satisfy, as ``"requirement"`` or ``"requirement -> dependency"``."""
    import build

    static = sorted(
        " -> ".join(chain)
        for requirement in builder.build_system_requires
        for chain in build.check_dependency(requirement)
    )
    if static:
        # The backend itself is missing: asking it for its dynamic requirements would fail.
        return static
    return sorted(" -> ".join(chain) for chain in builder.check_dependencies("wheel"))


def _failure(project: Path, error: Exception, output: str) -> ProjectBuildError:
    """A ``ProjectBuildError`` for a failed backend call: ``build``'s one-line description plus
    the last line the backend printed (usually its exception)."""
    description = str(error).strip() or type(error).__name__
    lines = [line for line in output.splitlines() if line.strip()]
    detail = f" ({lines[-1].strip()})" if lines else ""
    return ProjectBuildError(
        f"Building the wheel of {project} failed: {description}{detail}", output
    )


def build_project_wheel(
    project_dir: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    isolated: bool | None = None,
) -> Path:
    """Build the wheel of the project in ``project_dir`` into the directory ``dest``.

    ``isolated=None`` (default) builds in the running environment when it satisfies the
    project's build requirements (``ProjectBuilder.check_dependencies``), else in an isolated
    environment; ``True``/``False`` force one or the other. An isolated build installs the
    backend from the package index. Raises ``NotAProjectError`` for a directory that is not a
    Python project and ``ProjectBuildError`` (with the backend's output) when the build fails.
    """
    # Imported here: ``build`` is slow to import and most users of this package never build.
    import build
    import build.env

    project = Path(project_dir).absolute()
    if not project.is_dir():
        raise NotAProjectError(f"{project} is not a directory.")
    if not (project / "pyproject.toml").is_file() and not (project / "setup.py").is_file():
        raise NotAProjectError(
            f"{project} is not a Python project: it has no pyproject.toml (nor setup.py)."
        )
    outdir = Path(dest).absolute()
    outdir.mkdir(parents=True, exist_ok=True)
    runner = _CapturingRunner()
    try:
        builder = build.ProjectBuilder(project, python_executable=sys.executable, runner=runner)
        unmet = _unmet_requirements(builder) if isolated is None else []
        if isolated is False or (isolated is None and not unmet):
            return Path(builder.build("wheel", outdir))
    except (build.BuildException, build.BuildBackendException) as error:
        raise _failure(project, error, runner.output) from error

    try:
        with build.env.DefaultIsolatedEnv() as env:
            isolated_builder = build.ProjectBuilder.from_isolated_env(env, project, runner=runner)
            env.install(isolated_builder.build_system_requires)
            env.install(isolated_builder.get_requires_for_build("wheel"))
            return Path(isolated_builder.build("wheel", outdir))
    except (build.FailedProcessError, subprocess.CalledProcessError) as error:
        failed = error.exception if isinstance(error, build.FailedProcessError) else error
        output = runner.output + "".join(
            stream.decode(errors="replace") if isinstance(stream, bytes) else stream
            for stream in (failed.stdout, failed.stderr)
            if stream
        )
        if unmet:
            reason = (
                f"its build backend is not installed here (missing: {', '.join(unmet)}) and "
                "installing it into an isolated build environment failed; install it in this "
                "environment or allow access to the package index."
            )
        else:
            reason = (
                "installing its build requirements "
                f"({', '.join(builder.build_system_requires)}) into an isolated build "
                "environment failed; check access to the package index."
            )
        raise ProjectBuildError(
            f"Cannot build {project}: {reason}",
            output,
        ) from error
    except (build.BuildException, build.BuildBackendException) as error:
        raise _failure(project, error, runner.output) from error
