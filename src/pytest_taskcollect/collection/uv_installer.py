"""uv as fast mode's optional installer (``CollectionSettings(installer="uv")``).

``uv pip install --python <venv python>`` resolves and installs the same wheels from the same
sources as pip, several times faster; what it leaves differs from pip's in a few files, which
``make_pip_identical`` rewrites afterwards so that the venv is the one pip would leave:

* ``INSTALLER`` says ``pip``; ``REQUESTED`` only for the distributions named on the command
  line (uv writes it for all); uv's ``uv_cache.json`` and the venv's ``.lock`` are removed;
* ``direct_url.json`` of a local archive carries its sha256, as pip writes it (which makes
  ``pip freeze`` print ``name @ file:///...whl#sha256=...``, as after pip);
* console scripts are written with the template of the venv's own pip (distlib's);
* every installed ``.py`` module is byte-compiled with ``compileall.compile_file(force=True)``,
  as pip does (a module compiled by an earlier install comes from ``bytecode_cache``), and
  ``RECORD`` is regenerated as pip writes it (the wheel's rows, which uv keeps as pip does, the
  ``.pyc`` files without hash, the metadata pip adds, sorted).

uv is found as an executable (``uv`` on ``PATH``, else the ``uv`` Python package's binary); it
is never a dependency. Its cache lives in the user cache dir (``uv/``), and files are
hard-linked from it (never modified in place: every rewrite replaces the file). What cannot be
made identical is uv's output: the install's lines in the log are uv's, and the collection's
``warnings`` say so (``UV_LOG_WARNING``).
"""

from __future__ import annotations

import ast
import base64
import configparser
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .bytecode_cache import BytecodeCache
from .user_cache import default_cache_dir

__all__ = [
    "UV_LOG_WARNING",
    "UvInstall",
    "find_uv",
    "make_pip_identical",
    "requested_names",
]

UV_LOG_WARNING = (
    "installer='uv': the pip install output of 2_pip_install.sh in `log` is uv's, not pip's "
    "(fractal-server's log holds pip's lines there); the environment is pip's (same `pip "
    "freeze --all`, same files: INSTALLER, REQUESTED, direct_url.json, console scripts, .pyc "
    "and RECORD rewritten as pip writes them)."
)

_ADDED_METADATA = ("INSTALLER", "REQUESTED", "direct_url.json")
"""The files pip adds to a ``.dist-info`` (uv adds them too, with its own content)."""

_COMPILE = r"""
import compileall, sys
from concurrent.futures import ProcessPoolExecutor
import importlib.util, os
def one(path):
    compileall.compile_file(path, force=True, quiet=2)
    pyc = importlib.util.cache_from_source(path)
    return path + "\t" + pyc if os.path.isfile(pyc) else ""
paths = sys.stdin.read().splitlines()
with ProcessPoolExecutor() as pool:
    print("\n".join(filter(None, pool.map(one, paths, chunksize=64))))
"""


def find_uv() -> str | None:
    """The uv executable: ``uv`` on ``PATH``, else the ``uv`` package's binary, else None."""
    found = shutil.which("uv")
    if found is not None:
        return found
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        return str(find_uv_bin())
    except FileNotFoundError:
        return None


def uv_cache_dir() -> Path:
    """uv's cache for collections: ``uv/`` in the user cache dir (hard links need one disk)."""
    return default_cache_dir() / "uv"


def requested_names(requirements: Iterable[str]) -> set[str]:
    """Canonical names of the distributions pip marks ``REQUESTED`` for these arguments:
    each requirement's name, or the wheel file's project name for a path."""
    names: set[str] = set()
    for argument in requirements:
        if argument.startswith("-"):
            continue
        path = argument.split("[", 1)[0]
        if path.endswith(".whl"):
            names.add(canonicalize_name(Path(path).name.split("-")[0]))
            continue
        try:
            names.add(canonicalize_name(Requirement(argument).name))
        except InvalidRequirement:
            continue
    return names


@dataclass
class UvInstall:
    """One ``uv pip install`` into a venv, with the sources pip's command gets."""

    uv: str
    venv_path: Path
    site_packages: Path
    env: Mapping[str, str]
    cwd: Path
    bytecode: BytecodeCache
    cache_tag: str
    timeout: float | None = None

    def argv(self, index_arguments: Sequence[str], requirements: Sequence[str]) -> list[str]:
        """uv's command line; find-links files (uv takes only folders) come from ``links``."""
        return [
            self.uv,
            "--no-config",
            "pip",
            "install",
            "--python",
            str(self.venv_path / "bin" / "python"),
            "--link-mode",
            "hardlink",
            "--cache-dir",
            str(uv_cache_dir()),
            *index_arguments,
            *requirements,
        ]

    def run(
        self, index_arguments: Sequence[str], requirements: Sequence[str]
    ) -> subprocess.CompletedProcess[str]:
        """Run uv, then make what it installed pip's (on success). find-links entries that
        are files are offered through a temporary folder of symlinks."""
        before = set(_dist_infos(self.site_packages))
        had_lock = (self.venv_path / ".lock").exists()
        with tempfile.TemporaryDirectory(prefix="taskcollect-uv-links-") as folder:
            arguments = _folder_links(index_arguments, Path(folder))
            env = {key: value for key, value in self.env.items() if not key.startswith("UV_")}
            proc = subprocess.run(
                self.argv(arguments, requirements),
                capture_output=True,
                encoding="utf-8",
                errors="replace",
                env=env,
                cwd=self.cwd,
                timeout=self.timeout,
                check=False,
            )
        if not had_lock:
            (self.venv_path / ".lock").unlink(missing_ok=True)
        if proc.returncode == 0:
            new = [name for name in _dist_infos(self.site_packages) if name not in before]
            make_pip_identical(
                self.site_packages,
                new,
                requested=requested_names(requirements),
                venv_python=str(self.venv_path / "bin" / "python"),
                env=env,
                bytecode=(self.bytecode, self.cache_tag),
            )
        return proc


def simple_shebang(venv_python: str) -> bool:
    """True when pip writes ``#!<venv python>`` (no space, at most 127 bytes with ``#!\\n``);
    otherwise pip writes a ``/bin/sh`` trampoline, which ``make_pip_identical`` does not."""
    return " " not in venv_python and len(venv_python.encode()) + 3 <= 127


def _dist_infos(site_packages: Path) -> list[str]:
    return sorted(name for name in os.listdir(site_packages) if name.endswith(".dist-info"))


def _folder_links(index_arguments: Sequence[str], folder: Path) -> list[str]:
    """pip's index arguments for uv: ``--find-links <file>`` becomes one folder of links."""
    arguments: list[str] = []
    files = False
    items = list(index_arguments)
    for position, item in enumerate(items):
        previous = items[position - 1] if position else ""
        if previous == "--find-links" and os.path.isfile(item):
            target = folder / os.path.basename(item)
            if not target.exists():
                target.symlink_to(os.path.abspath(item))
            files = True
            arguments.pop()
            continue
        arguments.append(item)
    if files:
        arguments += ["--find-links", str(folder)]
    return arguments


def _replace(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a new file at ``path`` (a hard link into uv's cache stays intact)."""
    path.unlink(missing_ok=True)
    path.write_bytes(data)
    if mode is not None:
        path.chmod(mode)


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _script_template(site_packages: Path) -> str:
    """distlib's ``SCRIPT_TEMPLATE`` of the venv's own pip (the template pip writes with)."""
    source = (site_packages / "pip" / "_vendor" / "distlib" / "scripts.py").read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "SCRIPT_TEMPLATE"
            for target in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, str)
            return value
    raise RuntimeError("no SCRIPT_TEMPLATE in the venv's pip")


def _console_scripts(dist_info: Path) -> dict[str, str]:
    path = dist_info / "entry_points.txt"
    if not path.is_file():
        return {}
    parser = configparser.ConfigParser(delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    scripts: dict[str, str] = {}
    for section in ("console_scripts", "gui_scripts"):
        if parser.has_section(section):
            scripts |= {name: value.strip() for name, value in parser.items(section)}
    return scripts


def _pip_direct_url(data: dict[str, object]) -> dict[str, object]:
    """uv's ``direct_url.json`` content as pip writes it: a local archive gets its sha256."""
    url = str(data.get("url", ""))
    archive = data.get("archive_info")
    if isinstance(archive, dict) and url.startswith("file://") and "hash" not in archive:
        contents = Path(unquote(urlparse(url).path)).read_bytes()
        digest = hashlib.sha256(contents).hexdigest()
        data = {**data, "archive_info": {"hash": f"sha256={digest}", "hashes": {"sha256": digest}}}
    return data


def make_pip_identical(
    site_packages: Path,
    dist_infos: Iterable[str],
    *,
    requested: set[str],
    venv_python: str,
    env: Mapping[str, str],
    bytecode: tuple[BytecodeCache, str],
) -> None:
    """Rewrite what uv installed for ``dist_infos`` into what pip would have left; modules
    already compiled once come from ``bytecode`` (the cache and the venv's cache tag)."""
    template = _script_template(site_packages)
    bin_dir = Path(venv_python).parent
    sources: list[Path] = []
    rows_by_dist: dict[Path, list[list[str]]] = {}
    for name in dist_infos:
        dist_info = site_packages / name
        project = canonicalize_name(name[: -len(".dist-info")].rsplit("-", 1)[0])
        (dist_info / "uv_cache.json").unlink(missing_ok=True)
        _replace(dist_info / "INSTALLER", b"pip\n")
        if project in requested:
            _replace(dist_info / "REQUESTED", b"")
        else:
            (dist_info / "REQUESTED").unlink(missing_ok=True)
        direct_url = dist_info / "direct_url.json"
        if direct_url.is_file():
            data = _pip_direct_url(json.loads(direct_url.read_text()))
            _replace(direct_url, json.dumps(data, sort_keys=True).encode())
        for script, value in _console_scripts(dist_info).items():
            module, _, attribute = value.partition(":")
            attribute = attribute.split("[")[0].strip()
            text = template % {
                "module": module.strip(),
                "import_name": attribute.split(".")[0],
                "func": attribute,
            }
            _replace(bin_dir / script, f"#!{venv_python}\n{text}".encode(), 0o755)
        with open(dist_info / "RECORD", newline="") as handle:
            rows = [[*row, "", ""][:3] for row in csv.reader(handle) if row]
        added = {f"{name}/{file}" for file in ("RECORD", *_ADDED_METADATA, "uv_cache.json")}
        kept = [row for row in rows if row[0] not in added]
        sources += [
            site_packages / path
            for path, _, _ in kept
            if path.endswith(".py") and not path.startswith("../")
        ]
        rows_by_dist[dist_info] = kept
    cache, tag = bytecode
    compiled = cache.compile(
        sources,
        lambda source: source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc",
        lambda missing: _compile(venv_python, missing, env),
    )
    scripts = f"{os.path.relpath(bin_dir, site_packages)}/"
    for dist_info, paths in rows_by_dist.items():
        _write_record(site_packages, dist_info, paths, compiled, scripts=scripts)


def _compile(venv_python: str, sources: list[Path], env: Mapping[str, str]) -> dict[str, str]:
    """pip's byte-compilation of the installed modules, in the venv's interpreter (its
    cache tag); returns ``{source: pyc}`` for those that compiled (pip records only those)."""
    if not sources:
        return {}
    proc = subprocess.run(
        [venv_python, "-c", _COMPILE],
        input="\n".join(str(path) for path in sources),
        capture_output=True,
        text=True,
        env=dict(env),
        check=True,
    )
    return dict(line.split("\t", 1) for line in proc.stdout.splitlines() if "\t" in line)


def _write_record(
    site_packages: Path,
    dist_info: Path,
    rows: list[list[str]],
    compiled: Mapping[str, str],
    *,
    scripts: str,
) -> None:
    """RECORD as pip writes it: the wheel's rows as they are (pip copies the wheel's hashes
    and sizes, as uv does), the scripts (``scripts``: their folder as RECORD names it), which
    both may rewrite, hashed again, each ``.pyc`` after its source without hash, then the
    metadata pip adds with theirs and RECORD without, sorted."""
    out: list[tuple[str, str, str]] = []
    for path, digest, size in rows:
        if path.startswith(scripts):
            data = (site_packages / path).read_bytes()
            digest, size = _record_hash(data), str(len(data))
        out.append((path, digest, size))
        pyc = compiled.get(str(site_packages / path))
        if pyc is not None:
            out.append((Path(pyc).relative_to(site_packages).as_posix(), "", ""))
    name = dist_info.name
    for file_name in _ADDED_METADATA:
        if (dist_info / file_name).is_file():
            data = (dist_info / file_name).read_bytes()
            out.append((f"{name}/{file_name}", _record_hash(data), str(len(data))))
    out.append((f"{name}/RECORD", "", ""))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(sorted(out))
    _replace(dist_info / "RECORD", buffer.getvalue().encode())
