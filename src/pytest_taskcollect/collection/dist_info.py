"""``pip show`` and ``pip freeze --all`` computed from the installed ``*.dist-info`` folders.

In fast mode these replace pip subprocesses (about 0.3 s each) when the output is provably the
one pip would print. They reproduce pip with its ``importlib.metadata`` backend, the one pip uses
on Python 3.11+, from its source (``commands/show.py``, ``operations/freeze.py``,
``metadata/importlib``): the same name lookup, fields, sorting, ``name @ url#hash`` lines for
PEP 610 direct URLs and ``name==version`` (normalised version) otherwise. The pip versions are
those the server's venvs end with: 23.2.1 (Python 3.11's bundled pip) and 24.0 (the 2.14.5 cap),
whose ``show``/``freeze`` code is the same, and 25.2 (the cap from 2.15.8) and 26.3 (no cap, from
2.16.0), whose ``pip show`` prints the metadata's own version string, lists each requirement
once, falls back to a ``homepage`` Project-URL for ``Home-page`` and prints
``License-Expression`` instead of ``License`` for metadata 2.4+.

``scan_environment`` returns ``None`` whenever something is outside what is reproduced here:
another pip version or metadata backend, a venv path with symlinks (pip would report another
``Location``), ``.egg-info`` or editable installs, ``.pth`` files that extend ``sys.path``,
metadata folders outside ``site-packages``, duplicate names or unparsable versions. The caller
then runs the real pip commands.
"""

from __future__ import annotations

import csv
import email.message
import json
import os
import pathlib
import string
from dataclasses import dataclass
from importlib.metadata import PathDistribution
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .interpreters import InterpreterInfo

__all__ = ["EMULATED_PIP_VERSIONS", "InstalledDistribution", "PipEnvironment", "scan_environment"]

_MODERN_SHOW = {"23.2.1": False, "24.0": False, "25.2": True, "26.3": True}

EMULATED_PIP_VERSIONS = frozenset(_MODERN_SHOW)
"""pip versions whose ``show``/``freeze`` output this module reproduces (checked by tests)."""

_ALLOWED_PTH = frozenset({"distutils-precedence.pth", "_virtualenv.pth"})
_LABEL_CLEANUP = str.maketrans("", "", string.punctuation + string.whitespace)


@dataclass(frozen=True)
class InstalledDistribution:
    """One ``*.dist-info`` folder, read the way pip's importlib backend reads it."""

    info_dir: Path
    location: str
    metadata: email.message.Message
    raw_name: str
    canonical_name: str
    version: str
    direct_url: dict[str, Any] | None

    def dependencies(self, markers: dict[str, str]) -> list[str]:
        """Names of the unconditional requirements (markers evaluated with ``extra=""``)."""
        names = []
        for line in self.metadata.get_all("Requires-Dist") or []:
            requirement = Requirement(line)
            if requirement.marker is None or _evaluate(requirement.marker, markers):
                names.append(requirement.name)
        return names

    def license_expression(self) -> str:
        """``License-Expression`` when the metadata is 2.4 or newer (pip 25+ shows it)."""
        try:
            version = tuple(int(part) for part in str(self.metadata["Metadata-Version"]).split("."))
        except ValueError:
            return ""
        return str(self.metadata.get("License-Expression", "")) if version >= (2, 4) else ""

    def homepage(self) -> str:
        """``Home-page``, else (pip 25+) the URL of a Project-URL labelled "homepage"."""
        homepage = self.metadata.get("Home-page", "")
        if homepage:
            return str(homepage)
        for entry in self.metadata.get_all("Project-URL") or []:
            label, _, url = str(entry).partition(",")
            if label.translate(_LABEL_CLEANUP).lower() == "homepage":
                return url.strip()
        return ""

    def record_entries(self) -> list[str] | None:
        """The RECORD's paths as pip lists them under ``Files:`` (``None``: no RECORD)."""
        record = self.info_dir / "RECORD"
        if not record.is_file():
            return None
        text = record.read_text(encoding="utf-8")
        return [str(pathlib.Path(row[0])) for row in csv.reader(text.splitlines())]

    def freeze_line(self) -> str:
        """This distribution's ``pip freeze`` line."""
        if self.direct_url is None:
            return f"{self.raw_name}=={self.version}"
        url = self.direct_url["url"]
        fragments = []
        if "vcs_info" in self.direct_url:
            vcs = self.direct_url["vcs_info"]
            requirement = f"{self.raw_name} @ {vcs['vcs']}+{url}@{vcs['commit_id']}"
        else:
            requirement = f"{self.raw_name} @ {url}"
            archive = self.direct_url.get("archive_info")
            if archive is not None and archive.get("hash"):
                fragments.append(archive["hash"])
        if self.direct_url.get("subdirectory"):
            fragments.append(f"subdirectory={self.direct_url['subdirectory']}")
        if fragments:
            requirement += "#" + "&".join(fragments)
        return requirement


def _evaluate(marker: Marker, markers: dict[str, str]) -> bool:
    return marker.evaluate({**markers, "extra": ""})


@dataclass(frozen=True)
class PipEnvironment:
    """The distributions pip would see in a venv, and the two commands computed from them."""

    distributions: list[InstalledDistribution]
    markers: dict[str, str]
    modern_show: bool = False
    """pip 25+'s ``pip show`` (see the module docstring)."""

    def find(self, name: str) -> InstalledDistribution | None:
        """The distribution ``pip show <name>`` would pick."""
        wanted = canonicalize_name(name)
        for dist in self.distributions:
            if dist.canonical_name == wanted:
                return dist
        return None

    def show(self, names: list[str], *, files: bool = False) -> tuple[str, str, int]:
        """``(stdout, stderr, returncode)`` of ``pip show [--files] <names>``."""
        found = [(name, self.find(name)) for name in names]
        missing = sorted(name for name, dist in found if dist is None)
        stderr = f"WARNING: Package(s) not found: {', '.join(missing)}\n" if missing else ""
        lines: list[str] = []
        shown = [dist for _, dist in found if dist is not None]
        for index, dist in enumerate(shown):
            if index > 0:
                lines.append("---")
            metadata = dist.metadata
            dependencies = dist.dependencies(self.markers)
            if self.modern_show:
                dependencies = list(set(dependencies))
            requires = sorted(dependencies, key=str.lower)
            required_by = sorted(
                (
                    other.metadata["Name"] or "UNKNOWN"
                    for other in self.distributions
                    if dist.canonical_name
                    in {canonicalize_name(n) for n in other.dependencies(self.markers)}
                ),
                key=str.lower,
            )
            homepage = dist.homepage() if self.modern_show else metadata.get("Home-page", "")
            license_line = f"License: {metadata.get('License', '')}"
            if self.modern_show and dist.license_expression():
                license_line = f"License-Expression: {dist.license_expression()}"
            lines += [
                f"Name: {dist.raw_name}",
                f"Version: {metadata['Version'] if self.modern_show else dist.version}",
                f"Summary: {metadata.get('Summary', '')}",
                f"Home-page: {homepage}",
                f"Author: {metadata.get('Author', '')}",
                f"Author-email: {metadata.get('Author-email', '')}",
                license_line,
                f"Location: {dist.location}",
                f"Requires: {', '.join(requires)}",
                f"Required-by: {', '.join(required_by)}",
            ]
            if files:
                lines.append("Files:")
                entries = dist.record_entries()
                if entries is None:
                    lines.append("Cannot locate RECORD or installed-files.txt")
                else:
                    lines += [f"  {entry.strip()}" for entry in sorted(entries)]
        stdout = "".join(f"{line}\n" for line in lines)
        return stdout, stderr, 0 if shown else 1

    def freeze(self) -> str:
        """The stdout of ``pip freeze --all``."""
        by_name = {dist.canonical_name: dist for dist in self.distributions}
        ordered = sorted(by_name.values(), key=lambda dist: dist.raw_name.lower())
        return "".join(f"{dist.freeze_line()}\n" for dist in ordered)


def scan_environment(
    *, venv_path: str, cwd: str, info: InterpreterInfo, pip_version: str | None
) -> PipEnvironment | None:
    """The venv's distributions, or ``None`` when pip's output cannot be reproduced exactly.

    ``cwd`` is the folder pip runs in (``python -m pip`` puts it on ``sys.path``).
    """
    if pip_version is None or pip_version not in EMULATED_PIP_VERSIONS:
        return None
    if info.version[:2] < (3, 11):
        return None
    if info.stdlib_has_distributions or os.path.realpath(venv_path) != venv_path:
        return None
    if _has_metadata_folders(cwd):
        return None
    lib = Path(venv_path) / "lib"
    site_packages = lib / f"python{info.major_minor}" / "site-packages"
    lib64 = Path(venv_path) / "lib64"
    if lib64.exists() and not (lib64.is_symlink() and lib64.resolve() == lib.resolve()):
        return None
    distributions: list[InstalledDistribution] = []
    seen: set[str] = set()
    for entry in sorted(os.listdir(site_packages)):
        if entry.endswith((".egg-info", ".egg-link", ".egg")):
            return None
        if entry.endswith(".pth") and entry not in _ALLOWED_PTH:
            return None
        if not entry.endswith(".dist-info"):
            continue
        dist = _read_distribution(site_packages / entry, str(site_packages))
        if dist is None or dist.canonical_name in seen:
            return None
        seen.add(dist.canonical_name)
        distributions.append(dist)
    return PipEnvironment(
        distributions=distributions,
        markers=info.marker_environment,
        modern_show=_MODERN_SHOW[pip_version],
    )


def _has_metadata_folders(folder: str) -> bool:
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    return any(name.endswith((".dist-info", ".egg-info")) for name in names)


def _read_distribution(info_dir: Path, location: str) -> InstalledDistribution | None:
    if not (info_dir / "METADATA").is_file():
        return None
    metadata: email.message.Message = PathDistribution(info_dir).metadata  # type: ignore[assignment]
    raw_name = metadata["Name"]
    if not raw_name:
        return None
    try:
        version = str(Version(metadata["Version"]))
        for line in metadata.get_all("Requires-Dist") or []:
            Requirement(line)
    except (InvalidVersion, InvalidRequirement, TypeError):
        return None
    direct_url = None
    direct_url_file = info_dir / "direct_url.json"
    if direct_url_file.is_file():
        try:
            direct_url = json.loads(direct_url_file.read_text(encoding="utf-8"))
        except ValueError:
            return None
        if not _simple_direct_url(direct_url):
            return None
    stem = info_dir.name[: -len(".dist-info")]
    folder_name = stem.split("-", 1)[0]
    canonical = canonicalize_name(folder_name)
    if canonical != canonicalize_name(raw_name):
        return None
    return InstalledDistribution(
        info_dir=info_dir,
        location=location,
        metadata=metadata,
        raw_name=raw_name,
        canonical_name=canonical,
        version=version,
        direct_url=direct_url,
    )


def _simple_direct_url(data: Any) -> bool:
    """A direct URL whose freeze line is reproduced: not editable, known structure."""
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return False
    infos = [key for key in ("archive_info", "dir_info", "vcs_info") if key in data]
    if len(infos) != 1:
        return False
    if "dir_info" in data and data["dir_info"].get("editable"):
        return False
    return not ("vcs_info" in data and "commit_id" not in data["vcs_info"])
