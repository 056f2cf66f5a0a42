"""The server's pip self-upgrade, known before it runs: fast mode seeds its outcome instead.

Script 2 starts with ``pip install "pip<=<cap>" --upgrade``. Offline, from local find-links, its
outcome is decided by the file names alone: pip takes the newest final pip release within the
cap among the wheels offered (the venv's own pip counting as one), and when that is newer than
the venv's pip it installs that wheel over it. Running it costs seconds (pip uninstalls itself,
unpacks the new one and byte-compiles about a thousand modules). Fast mode instead creates the
venv with that pip already in it (``venv.create_venv`` seeds it from the same wheel, symlinked to
virtualenv's shared, byte-compiled image) and writes what the upgrade would have printed
(``upgrade_stdout``); ``tests/collection/test_fidelity.py`` compares that with the real command.

``plan_pip_upgrade`` returns ``None`` whenever the outcome is not certain from the file names, and
the real command runs: a remote or HTML find-links source, an sdist or a non-pure wheel of pip,
a pre-release, two files of the chosen version, a wheel whose ``Requires-Python`` excludes the
interpreter (or cannot be read), a venv pip outside the cap, or a path pip would print quoted.

``server_pip_warning`` is the other half: when the pip the server would end with (the cap: PyPI
has a pip release of that exact version for every cap the profiles use) is not the one the
collection ends with, the result says so and how to make that pip available offline.
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
from .versions import archive_name_and_version, filenames_at

__all__ = ["PipUpgrade", "plan_pip_upgrade", "server_pip_warning", "upgrade_stdout"]

_PRINTABLE_PATH = re.compile(r"/[A-Za-z0-9_./+-]+")


@dataclass(frozen=True)
class PipUpgrade:
    """What ``pip install "pip<=<cap>" --upgrade`` does in a venv with pip ``installed``.

    ``wheel`` is the wheel it installs (``None``: it keeps ``installed``), ``target`` the pip
    version the venv has afterwards.
    """

    cap: str
    installed: str
    target: str
    wheel: Path | None

    @property
    def changes_pip(self) -> bool:
        return self.wheel is not None


def _local_path(link: str) -> Path | None:
    if link.startswith("file://"):
        link = link[len("file://") :]
    elif "://" in link:
        return None
    path = Path(link)
    return path if path.is_absolute() else None


def _pip_candidates(links: list[str]) -> list[tuple[Version, Path]] | None:
    """Every pip archive the sources offer, or ``None`` when that is not knowable or not
    plain (remote or HTML sources, sdists, non-pure wheels, unparsable names)."""
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
            if parsed is None or parsed[0] != "pip":
                continue
            try:
                _, _, _, tags = parse_wheel_filename(name)
            except InvalidWheelFilename:
                return None  # an sdist: pip would rank it by other rules
            if {str(tag) for tag in tags} != {"py3-none-any"}:
                return None
            path = folder / name if folder.is_dir() else folder
            candidates.append((parsed[1], path))
    return candidates


def _requires_python_ok(wheel: Path, info: InterpreterInfo, version: Version) -> bool:
    """Whether ``wheel``'s ``Requires-Python`` admits the interpreter (unreadable: no)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            text = archive.read(f"pip-{version}.dist-info/METADATA").decode("utf-8")
        requires = HeaderParser().parsestr(text).get("Requires-Python")
        if requires is None:
            return True
        return SpecifierSet(requires).contains(".".join(map(str, info.version)), True)
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError, InvalidSpecifier):
        return False


def plan_pip_upgrade(
    *, cap: str, installed: str | None, links: list[str], info: InterpreterInfo
) -> PipUpgrade | None:
    """The outcome of ``pip install "pip<=<cap>" --upgrade --no-index --find-links ...``
    with pip ``installed`` in the venv, or ``None`` when it is not certain (see the module
    docstring)."""
    if installed is None:
        return None
    try:
        specifier = SpecifierSet(f"<={cap}")
        current = Version(installed)
    except (InvalidSpecifier, InvalidVersion):
        return None
    if not specifier.contains(current) or current.is_prerelease:
        return None
    candidates = _pip_candidates(links)
    if candidates is None or any(version.is_prerelease for version, _ in candidates):
        return None
    fitting = [(version, path) for version, path in candidates if specifier.contains(version)]
    best = max([current, *(version for version, _ in fitting)])
    if best == current:
        return PipUpgrade(cap=cap, installed=installed, target=installed, wheel=None)
    files = [path for version, path in fitting if version == best]
    if len({str(path) for path in files}) != 1:
        return None
    wheel = files[0]
    if _PRINTABLE_PATH.fullmatch(str(wheel)) is None:
        return None
    if not _requires_python_ok(wheel, info, best):
        return None
    return PipUpgrade(cap=cap, installed=installed, target=str(best), wheel=wheel)


def upgrade_stdout(upgrade: PipUpgrade, *, looking_in: str, site: str, wheel_display: str) -> str:
    """What the venv's pip prints for the upgrade (``looking_in``: its "Looking in" lines;
    ``site``/``wheel_display``: site-packages and the wheel as pip displays them)."""
    lines = (
        f"{looking_in}Requirement already satisfied: pip<={upgrade.cap} in {site} "
        f"({upgrade.installed})\n"
    )
    if upgrade.wheel is None:
        return lines
    old = upgrade.installed
    return (
        f"{lines}Processing {wheel_display}\n"
        "Installing collected packages: pip\n"
        "  Attempting uninstall: pip\n"
        f"    Found existing installation: pip {old}\n"
        f"    Uninstalling pip-{old}:\n"
        f"      Successfully uninstalled pip-{old}\n"
        f"Successfully installed pip-{upgrade.target}\n"
    )


def server_pip_warning(*, cap: str, ends_with: str | None, server_version: str) -> str | None:
    """A warning when the collection's pip is not the one fractal-server ``server_version``
    ends with (``pip<=cap``, from PyPI: the cap itself), ``None`` when it is."""
    if ends_with is None:
        return None
    try:
        if Version(ends_with) == Version(cap):
            return None
    except InvalidVersion:
        pass
    return (
        f"pip_freeze has pip=={ends_with} where fractal-server {server_version} stores "
        f'pip=={cap}: its `pip install "pip<={cap}" --upgrade` gets pip {cap} from PyPI, and '
        f"no offline source here offers it. Run `taskcollect cache fetch-pip` once with "
        f"network (or add a pip-{cap} wheel to find_links) and later offline collections use it."
    )
