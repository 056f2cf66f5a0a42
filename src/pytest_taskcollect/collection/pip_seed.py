"""The server's pip self-upgrade, known before it runs: fast mode seeds its outcome instead.

Script 2 starts with the release's upgrade command: ``pip install "pip<=<cap>" --upgrade`` up to
2.15.9 (cap 24.0, 25.2 from 2.15.8), ``pip install pip setuptools --upgrade`` from 2.16.0 (no
cap). Offline, from local find-links, its outcome is decided by the file names alone: for each
project pip takes the newest final release within the cap among the wheels offered (the venv's
own copy counting as one), and installs that wheel over the venv's copy when it is newer (or
when the venv has none). Running it costs seconds (pip uninstalls itself, unpacks the new one
and byte-compiles about a thousand modules). Fast mode instead creates the venv with those
packages already in it (``venv.create_venv`` seeds them from the same wheels, symlinked to
virtualenv's shared, byte-compiled image) and writes what the upgrade would have printed
(``upgrade_stdout``); ``tests/collection/test_fidelity.py`` and ``test_server_pip.py`` compare
that with the real command under each kind of release.

``plan_pip_upgrade`` returns ``None`` whenever the outcome is not certain from the file names, and
the real command runs: a remote or HTML find-links source, an sdist or a non-pure wheel of the
project, a wheel with a build tag, a pre-release, a wheel whose ``Requires-Python`` excludes the
interpreter (or cannot be read), a venv pip outside the cap, nothing to install for a project the
venv lacks (pip fails), or a path pip would print quoted. Of several files of the chosen version,
pip takes the one whose ``file://`` URL sorts first (it sorts local links by URL, descending, and
its resolver reads candidates of equal rank in reverse).

``server_pip_warning`` is the other half: when the pip the collection ends with is not the one
the emulated release would store, the result says so and how to make that pip available offline.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from .interpreters import InterpreterInfo
from .venv_cache import path_to_url
from .versions import archive_name_and_version, filenames_at

__all__ = [
    "PipUpgrade",
    "ProjectUpgrade",
    "plan_pip_upgrade",
    "server_pip_warning",
    "upgrade_stdout",
]

_PRINTABLE_PATH = re.compile(r"/[A-Za-z0-9_./+-]+")


@dataclass(frozen=True)
class ProjectUpgrade:
    """One project of the upgrade command: its requirement as the command names it (``pip<=24.0``,
    ``pip``, ``setuptools``), the venv's version before (``None``: not installed), the version
    after, and the wheel installed (``None``: the venv keeps its copy)."""

    project: str
    requirement: str
    installed: str | None
    target: str
    wheel: Path | None


@dataclass(frozen=True)
class PipUpgrade:
    """What the release's upgrade command does in a fresh venv: ``cap`` is its pip cap (``None``:
    ``pip install pip setuptools --upgrade``), ``projects`` each project's outcome, in the
    command's order."""

    cap: str | None
    projects: tuple[ProjectUpgrade, ...]

    @property
    def pip(self) -> ProjectUpgrade:
        return next(step for step in self.projects if step.project == "pip")

    @property
    def seeds(self) -> dict[str, tuple[str, Path]]:
        """``{project: (version, wheel)}`` of the projects the command installs."""
        return {
            step.project: (step.target, step.wheel)
            for step in self.projects
            if step.wheel is not None
        }

    @property
    def command(self) -> str:
        """The command as the log names it."""
        requirements = " ".join(
            f'"{step.requirement}"' if "<" in step.requirement else step.requirement
            for step in self.projects
        )
        return f"pip install {requirements} --upgrade"


def _local_path(link: str) -> Path | None:
    if link.startswith("file://"):
        link = link[len("file://") :]
    elif "://" in link:
        return None
    path = Path(link)
    return path if path.is_absolute() else None


def _candidates(links: list[str], project: str) -> list[tuple[Version, Path]] | None:
    """Every archive of ``project`` the sources offer, or ``None`` when that is not knowable
    or not plain (remote or HTML sources, sdists, non-pure or build-tagged wheels,
    unparsable names)."""
    candidates = []
    for link in links:
        folder = _local_path(link)
        if folder is None:
            return None
        names = filenames_at(str(folder))
        if folder.suffix in (".html", ".htm"):
            return None
        for name in names:
            parsed = archive_name_and_version(name)
            if parsed is None or parsed[0] != project:
                continue
            try:
                _, _, build, tags = parse_wheel_filename(name)
            except InvalidWheelFilename:
                return None  # an sdist: pip would rank it by other rules
            if build or {str(tag) for tag in tags} != {"py3-none-any"}:
                return None
            path = folder / name if folder.is_dir() else folder
            candidates.append((parsed[1], path))
    return candidates


def _requires_python_ok(wheel: Path, project: str, info: InterpreterInfo, version: Version) -> bool:
    """Whether ``wheel``'s ``Requires-Python`` admits the interpreter (unreadable: no)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            text = archive.read(f"{project}-{version}.dist-info/METADATA").decode("utf-8")
        requires = HeaderParser().parsestr(text).get("Requires-Python")
        if requires is None:
            return True
        return SpecifierSet(requires).contains(".".join(map(str, info.version)), True)
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError, InvalidSpecifier):
        return False


def _plan_project(
    project: str, requirement: str, installed: str | None, links: list[str], info: InterpreterInfo
) -> ProjectUpgrade | None:
    """The outcome of ``requirement`` with ``--upgrade`` (see ``plan_pip_upgrade``)."""
    try:
        specifier = SpecifierSet(requirement[len(project) :])
        current = Version(installed) if installed is not None else None
    except (InvalidSpecifier, InvalidVersion):
        return None
    if current is not None and (not specifier.contains(current) or current.is_prerelease):
        return None
    candidates = _candidates(links, project)
    if candidates is None or any(version.is_prerelease for version, _ in candidates):
        return None
    fitting = [(version, path) for version, path in candidates if specifier.contains(version)]
    versions = [version for version, _ in fitting] + ([current] if current is not None else [])
    if not versions:
        return None  # pip: "No matching distribution found"
    best = max(versions)
    if best == current:
        return ProjectUpgrade(project, requirement, installed, str(installed), None)
    files = [path for version, path in fitting if version == best]
    wheel = min(files, key=lambda path: path_to_url(str(path)))
    if _PRINTABLE_PATH.fullmatch(str(wheel)) is None:
        return None
    if not _requires_python_ok(wheel, project, info, best):
        return None
    return ProjectUpgrade(project, requirement, installed, str(best), wheel)


def plan_pip_upgrade(
    *,
    cap: str | None,
    installed: str | None,
    links: list[str],
    info: InterpreterInfo,
    installed_setuptools: str | None = None,
) -> PipUpgrade | None:
    """The outcome of the upgrade command (``pip install "pip<=<cap>" --upgrade``, or ``pip
    install pip setuptools --upgrade`` when ``cap`` is ``None``) with ``--no-index
    --find-links`` ``links``, in a venv with pip ``installed`` (and setuptools
    ``installed_setuptools``, ``None`` when it has none), or ``None`` when it is not certain
    (see the module docstring)."""
    if installed is None:
        return None
    wanted = (
        [("pip", f"pip<={cap}", installed)]
        if cap is not None
        else [
            ("pip", "pip", installed),
            ("setuptools", "setuptools", installed_setuptools),
        ]
    )
    projects = []
    for project, requirement, current in wanted:
        step = _plan_project(project, requirement, current, links, info)
        if step is None:
            return None
        projects.append(step)
    return PipUpgrade(cap=cap, projects=tuple(projects))


def upgrade_stdout(
    upgrade: PipUpgrade, *, looking_in: str, site: str, display: dict[Path, str]
) -> str:
    """What the venv's pip prints for the upgrade (``looking_in``: its "Looking in" lines;
    ``site``: site-packages as pip displays it; ``display``: each wheel as pip displays it).

    pip reports each requirement in the command's order (already satisfied, then the wheel it
    takes), installs by its resolver's order (equal weights: names in reverse order),
    uninstalls the old copies on the way and lists what it installed by name."""
    lines = [looking_in.rstrip("\n")] if looking_in else []
    for step in upgrade.projects:
        if step.installed is not None:
            lines.append(
                f"Requirement already satisfied: {step.requirement} in {site} ({step.installed})"
            )
        if step.wheel is not None:
            lines.append(f"Processing {display[step.wheel]}")
    changed = [step for step in upgrade.projects if step.wheel is not None]
    if changed:
        order = sorted(changed, key=lambda step: step.project, reverse=True)
        lines.append(f"Installing collected packages: {', '.join(s.project for s in order)}")
        for step in order:
            if step.installed is None:
                continue
            old = step.installed
            lines += [
                f"  Attempting uninstall: {step.project}",
                f"    Found existing installation: {step.project} {old}",
                f"    Uninstalling {step.project}-{old}:",
                f"      Successfully uninstalled {step.project}-{old}",
            ]
        done = sorted(changed, key=lambda step: step.project)
        lines.append(f"Successfully installed {' '.join(f'{s.project}-{s.target}' for s in done)}")
    return "".join(f"{line}\n" for line in lines)


def server_pip_warning(
    *,
    cap: str | None,
    ends_with: str | None,
    bundled: str | None,
    server_version: str,
    field: str,
) -> str | None:
    """A warning when the collection's pip is not the one fractal-server ``server_version``
    stores, ``None`` when it is (as far as can be known offline).

    With a cap, the server ends with pip ``cap`` (PyPI has a pip release of that exact version
    for every cap the profiles use). Without one, it ends with the newest pip on PyPI, which
    offline means the newest pip offered: the warning comes when none newer than the
    interpreter's ``bundled`` pip was, and the venv kept that one."""
    if ends_with is None:
        return None
    fetch = f"Run `taskcollect cache fetch-pip --server-version {server_version}` once with network"
    if cap is None:
        if ends_with != bundled:
            return None
        return (
            f"{field} has pip=={ends_with}, the pip bundled with the interpreter, where "
            f"fractal-server {server_version} stores the newest pip on PyPI: its `pip install "
            "pip setuptools --upgrade` has no cap, and no offline source here offers a newer "
            f"pip. {fetch} (or add the newest pip and setuptools wheels to find_links) and "
            "later offline collections use them."
        )
    try:
        if Version(ends_with) == Version(cap):
            return None
    except InvalidVersion:
        pass
    return (
        f"{field} has pip=={ends_with} where fractal-server {server_version} stores "
        f'pip=={cap}: its `pip install "pip<={cap}" --upgrade` gets pip {cap} from PyPI, and '
        f"no offline source here offers it. {fetch} (or add a pip-{cap} wheel to find_links) "
        "and later offline collections use it."
    )
