"""Making a kept venv self-contained: copies instead of links into virtualenv's app-data folder.

Collections create their venvs with ``virtualenv --symlink-app-data`` (see ``venv``): pip and
setuptools in site-packages are symbolic links into virtualenv's shared, per-user app-data
folder (``~/.cache/virtualenv`` or ``~/.local/share/virtualenv``). That makes a collection fast,
and is harmless for a venv that is deleted after the test; but a venv that is kept loses its pip
the day that folder is cleaned. ``make_venv_self_contained`` replaces every link in the venv's
``lib`` folder that points outside the venv with a copy of what it points to. The links of
``bin/`` (the base interpreter, as in any venv) are kept. The ``taskcollect pip --tasks-dir``
command and the plugin's ``--taskcollect-keep`` apply it to the venvs they keep.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["make_venv_self_contained"]


def _copy(source: Path, destination: Path) -> None:
    """Copy a file or a folder (following links); a failure is one ``OSError`` with the first
    reason (``copytree`` reports every failed file)."""
    if not source.is_dir():
        shutil.copy2(source, destination)
        return
    try:
        shutil.copytree(source, destination, symlinks=False)
    except shutil.Error as error:
        failures = error.args[0] if error.args and isinstance(error.args[0], list) else []
        reason = failures[0][2] if failures and len(failures[0]) == 3 else str(error)
        raise OSError(f"copying {source} into the venv failed: {reason}") from error


def _outside(target: Path, root: Path) -> bool:
    return root != target and root not in target.parents


def make_venv_self_contained(venv_path: str | os.PathLike[str]) -> list[str]:
    """Replace the links of ``<venv>/lib`` that lead outside the venv with copies; return the
    replaced paths (relative to the venv). A link whose target is gone is left as it is. When a
    copy fails (``OSError``, e.g. a full disk), its partial copy is removed, that link and the
    ones not reached yet stay (the venv still works) and the error propagates."""
    root = Path(venv_path).resolve()
    replaced = []
    for folder, dirnames, filenames in os.walk(root / "lib"):
        for name in [*dirnames, *filenames]:
            link = Path(folder) / name
            if not link.is_symlink():
                continue
            target = link.resolve()
            if not _outside(target, root) or not target.exists():
                continue
            staging = link.with_name(f".{name}.taskcollect-copy")
            try:
                _copy(target, staging)
            except BaseException:  # a full disk, an interrupt: the link stays, no half copy
                if staging.is_dir() and not staging.is_symlink():
                    shutil.rmtree(staging, ignore_errors=True)
                else:
                    staging.unlink(missing_ok=True)
                raise
            link.unlink()
            staging.rename(link)
            replaced.append(str(link.relative_to(root)))
    return sorted(replaced)
