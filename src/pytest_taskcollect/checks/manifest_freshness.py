"""Is the committed ``__FRACTAL_MANIFEST__.json`` what the package's own tooling makes today?

Most task packages write their manifest with fractal-task-tools: a ``dev/task_list.py`` module
declares the tasks and ``fractal-manifest create`` generates the manifest, args schemas
included, by importing every task function. When the code changes and nobody re-runs it, the
committed manifest goes stale and Fractal shows the old arguments. ``fractal-manifest check``
detects that, but only where the package and all its dependencies import, which is exactly the
venv a collection has just built.

``check_manifest_freshness`` runs fractal-task-tools' ``create_manifest`` in a subprocess of that
venv's interpreter (its module-level state and pydantic caches stay there), reads the manifest
next to the imported package as ``fractal-manifest check`` does, and compares the two the way it
does (dict equality, so key order does not matter). Differences are listed path by path
(``task_list[1].args_schema_parallel.properties.sigma``), computed here. ``AUTHORS`` falls back
to ``pyproject.toml`` in the working directory, as in fractal-task-tools: pass the project
folder as ``project_dir``; without one, a ``pyproject.toml`` naming the installed metadata's
authors stands in for it.

A package without ``<package>/dev/task_list.py`` (or another ``task_list_path``), or whose venv
lacks fractal-task-tools, is ``not_checked``, with the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import HeaderParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Literal

from ..collection.result import CollectionResult
from ..collection.scripts import pip_environment
from .task_start import installed_metadata

__all__ = [
    "DEFAULT_TASK_LIST_PATH",
    "FreshnessStatus",
    "ManifestDifference",
    "ManifestFreshness",
    "check_manifest_freshness",
    "diff_manifests",
    "manifest_freshness_of",
]

DEFAULT_TASK_LIST_PATH = "dev.task_list"
"""fractal-task-tools' default ``--task-list-path``."""

FreshnessStatus = Literal["up_to_date", "stale", "not_checked", "error"]

_MARK = "@@pytest-taskcollect-manifest@@"
_REBUILD = r"""
import importlib, importlib.metadata, importlib.util, inspect, json, sys, traceback
from pathlib import Path

MARK = sys.argv[3]

def report(data):
    sys.stdout.write("\n" + MARK + json.dumps(data) + "\n")
    sys.exit(0)

package, task_list_path = sys.argv[1], sys.argv[2]
try:
    import fractal_task_tools
    from fractal_task_tools import _create_manifest
except ImportError as error:
    report({"status": "no_tool", "error": str(error)})
try:
    version = importlib.metadata.version("fractal-task-tools")
except importlib.metadata.PackageNotFoundError:
    version = getattr(fractal_task_tools, "__VERSION__", "?")
try:
    from fractal_task_tools._package_name_tools import normalize_package_name
    name = normalize_package_name(package)
except ImportError:
    name = package.replace("-", "_").lower()
try:
    found = importlib.util.find_spec(f"{name}.{task_list_path}") is not None
except ImportError:
    found = False
if not found:
    report({"status": "no_task_list", "version": version, "module": f"{name}.{task_list_path}"})
create = _create_manifest.create_manifest
parameters = inspect.signature(create).parameters
kwargs = {"task_list_path": task_list_path}
kwargs["raw_package_name" if "raw_package_name" in parameters else "package"] = package
try:
    rebuilt = create(**kwargs)
except BaseException as error:
    traceback.print_exc()
    report({"status": "error", "version": version,
            "error": f"{type(error).__name__}: {error}".strip()})
filename = getattr(_create_manifest, "MANIFEST_FILENAME", "__FRACTAL_MANIFEST__.json")
path = Path(importlib.import_module(name).__file__).parent / filename
committed = json.loads(path.read_text()) if path.is_file() else None
report({"status": "ok", "version": version, "rebuilt": rebuilt, "committed": committed,
        "committed_path": str(path)})
"""


@dataclass(frozen=True)
class ManifestDifference:
    """One place where the committed and the rebuilt manifest differ.

    ``kind``: ``"changed"`` (both have a value there), ``"only_committed"`` (the code no longer
    produces it), ``"only_rebuilt"`` (the code produces it, the committed file lacks it).
    """

    path: str
    kind: Literal["changed", "only_committed", "only_rebuilt"]
    committed: Any = None
    rebuilt: Any = None

    def __str__(self) -> str:
        if self.kind == "only_committed":
            return f"{self.path}: only in the committed manifest ({_short(self.committed)})"
        if self.kind == "only_rebuilt":
            return f"{self.path}: missing from the committed manifest ({_short(self.rebuilt)})"
        return f"{self.path}: committed {_short(self.committed)}, rebuilt {_short(self.rebuilt)}"


_KIND_PHRASES = {
    "changed": "changed",
    "only_committed": "no longer produced by the code",
    "only_rebuilt": "missing from the committed manifest",
}


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class ManifestFreshness:
    """The outcome of ``check_manifest_freshness``.

    ``status``: ``"up_to_date"``, ``"stale"`` (``differences`` lists where), ``"not_checked"``
    (``reason`` says why: no task-list module, no fractal-task-tools) or ``"error"`` (rebuilding
    failed; ``reason`` is the tool's exception, ``output`` its full output).
    """

    status: FreshnessStatus
    reason: str = ""
    tool: str | None = None
    differences: tuple[ManifestDifference, ...] = ()
    committed: Any = field(default=None, compare=False, repr=False)
    rebuilt: Any = field(default=None, compare=False, repr=False)
    committed_path: str | None = None
    output: str = field(default="", compare=False, repr=False)

    @property
    def up_to_date(self) -> bool:
        return self.status == "up_to_date"

    def summary(self) -> str:
        """One sentence: the status and, for a stale manifest, how many differences."""
        if self.status == "up_to_date":
            return f"The manifest is up to date ({self.tool} rebuilds the same one)."
        if self.status == "stale":
            count = len(self.differences)
            first = self.differences[0]
            return (
                f"The committed manifest is stale: {self.tool} rebuilds it with {count} "
                f"difference{'s' if count != 1 else ''}, the first at "
                f"{first.path or 'the top'} ({_KIND_PHRASES[first.kind]}); regenerate it "
                "(fractal-manifest create) and commit it."
            )
        if self.status == "error":
            return f"{self.tool} cannot rebuild the manifest: {self.reason}."
        return f"Manifest freshness not checked: {self.reason}."


def _walk(committed: Any, rebuilt: Any, path: str) -> Iterator[ManifestDifference]:
    if isinstance(committed, dict) and isinstance(rebuilt, dict):
        for key in committed:
            where = f"{path}.{key}" if path else str(key)
            if key not in rebuilt:
                yield ManifestDifference(where, "only_committed", committed=committed[key])
            else:
                yield from _walk(committed[key], rebuilt[key], where)
        for key in rebuilt:
            if key not in committed:
                where = f"{path}.{key}" if path else str(key)
                yield ManifestDifference(where, "only_rebuilt", rebuilt=rebuilt[key])
    elif isinstance(committed, list) and isinstance(rebuilt, list):
        for index, (old, new) in enumerate(zip(committed, rebuilt, strict=False)):
            yield from _walk(old, new, f"{path}[{index}]")
        for index in range(len(rebuilt), len(committed)):
            yield ManifestDifference(f"{path}[{index}]", "only_committed", committed[index])
        for index in range(len(committed), len(rebuilt)):
            yield ManifestDifference(f"{path}[{index}]", "only_rebuilt", rebuilt=rebuilt[index])
    elif committed != rebuilt:  # Python equality, as fractal-manifest check compares
        yield ManifestDifference(path, "changed", committed, rebuilt)


def diff_manifests(committed: Any, rebuilt: Any) -> list[ManifestDifference]:
    """Every difference between two manifests (JSON data), path by path; key order ignored."""
    return list(_walk(committed, rebuilt, ""))


def _stand_in_pyproject(folder: Path, metadata: str | None) -> None:
    """A ``pyproject.toml`` whose ``project.authors`` are the installed metadata's authors
    (``Author``, else the names in ``Author-email``), for the ``AUTHORS`` fallback."""
    names: list[str] = []
    if metadata is not None:
        headers = HeaderParser().parsestr(metadata)
        if headers.get("Author"):
            names = [name.strip() for name in str(headers["Author"]).split(",") if name.strip()]
        elif headers.get("Author-email"):
            names = [name for name, _ in getaddresses([str(headers["Author-email"])]) if name]
    authors = ", ".join("{ name = " + json.dumps(name) + " }" for name in names)
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "stand-in"\nauthors = [{authors}]\n', encoding="utf-8"
    )


def check_manifest_freshness(
    *,
    python: str | Path,
    package: str,
    task_list_path: str = DEFAULT_TASK_LIST_PATH,
    project_dir: str | os.PathLike[str] | None = None,
    metadata: str | None = None,
    timeout: float = 300,
) -> ManifestFreshness:
    """Rebuild ``package``'s manifest with fractal-task-tools in the interpreter ``python``
    (a collected venv's) and compare it with the manifest next to the installed package.

    ``project_dir`` is the working directory of the rebuild (for the ``AUTHORS`` fallback to
    its ``pyproject.toml``); without it, a stand-in built from ``metadata`` (the installed
    METADATA text) is used.
    """
    with tempfile.TemporaryDirectory(prefix="taskcollect-manifest-") as tmp:
        cwd = Path(project_dir) if project_dir is not None else Path(tmp)
        if project_dir is None:
            _stand_in_pyproject(cwd, metadata)
        try:
            completed = subprocess.run(
                [str(python), "-c", _REBUILD, package, task_list_path, _MARK],
                capture_output=True,
                text=True,
                errors="replace",
                cwd=cwd,
                env=pip_environment(),
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return ManifestFreshness("error", reason=f"cannot run {python}: {error}")
    output = f"$ {python} -c <rebuild manifest> {package} {task_list_path}\n"
    output += f"--- stdout ---\n{completed.stdout}\n--- stderr ---\n{completed.stderr}\n"
    marked = [line for line in completed.stdout.splitlines() if line.startswith(_MARK)]
    if not marked:
        tail = completed.stderr.strip().splitlines()[-1:] or ["no output"]
        return ManifestFreshness(
            "error",
            reason=f"the rebuild exited {completed.returncode}: {tail[0]}",
            output=output,
        )
    data = json.loads(marked[-1][len(_MARK) :])
    tool = f"fractal-task-tools {data['version']}" if data.get("version") else None
    if data["status"] == "no_tool":
        return ManifestFreshness(
            "not_checked",
            reason="fractal-task-tools is not installed in the package's venv",
            output=output,
        )
    if data["status"] == "no_task_list":
        return ManifestFreshness(
            "not_checked",
            reason=f"the package has no task-list module {data['module']} for fractal-task-tools",
            tool=tool,
            output=output,
        )
    if data["status"] == "error":
        return ManifestFreshness("error", reason=data["error"], tool=tool, output=output)
    committed, rebuilt = data["committed"], data["rebuilt"]
    if committed is None:
        return ManifestFreshness(
            "stale",
            reason=f"there is no committed manifest at {data['committed_path']}",
            tool=tool,
            differences=(ManifestDifference("", "only_rebuilt", rebuilt=rebuilt),),
            rebuilt=rebuilt,
            committed_path=data["committed_path"],
            output=output,
        )
    differences = tuple(diff_manifests(committed, rebuilt))
    return ManifestFreshness(
        "stale" if differences else "up_to_date",
        tool=tool,
        differences=differences,
        committed=committed,
        rebuilt=rebuilt,
        committed_path=data["committed_path"],
        output=output,
    )


def manifest_freshness_of(
    result: CollectionResult,
    *,
    task_list_path: str = DEFAULT_TASK_LIST_PATH,
    project_dir: str | os.PathLike[str] | None = None,
    timeout: float = 300,
) -> ManifestFreshness:
    """``check_manifest_freshness`` in the venv of a successful pip collection."""
    group = result.task_group
    if not result.ok or group is None or group.venv_path is None or group.python_version is None:
        raise ValueError("The manifest is rebuilt in the venv of a successful pip collection.")
    site = Path(group.venv_path) / "lib" / f"python{group.python_version}" / "site-packages"
    return check_manifest_freshness(
        python=f"{group.venv_path}/bin/python",
        package=group.pkg_name,
        task_list_path=task_list_path,
        project_dir=project_dir,
        metadata=installed_metadata(site, group.pkg_name),
        timeout=timeout,
    )
