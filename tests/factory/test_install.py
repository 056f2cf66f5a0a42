"""Presets installed with real pip into real venvs, offline (``--no-index``), and inspected
where fractal-server 2.14.5 looks: pip's file list for the manifest, and
``<site-packages>/<normalised name with _>/<executable>`` for the task files (spec §2.4-§2.7).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib.metadata import distributions
from pathlib import Path

import pytest

from pytest_taskcollect import BuiltWheel, get_preset, preset_names

from .conftest import Venv

INSTALLABLE = [name for name in preset_names() if get_preset(name).offline_install == "ok"]


def _server_package_root(site_packages: Path, dist_name: str) -> Path:
    """``package_root`` as fractal-server computes it: Location / normalised name with ``_``."""
    return site_packages / re.sub(r"[-_.]+", "-", dist_name).lower().replace("-", "_")


def _executables(manifest: object) -> list[str]:
    """The files 2.14.5 checks: each executable up to its first space (the command's second
    whitespace token)."""
    if not isinstance(manifest, dict):
        return []
    return [
        task[key].split()[0]
        for task in manifest["task_list"]
        for key in ("executable_non_parallel", "executable_parallel")
        if task.get(key)
    ]


@pytest.mark.parametrize("name", INSTALLABLE)
def test_installed_files_are_where_the_server_looks(
    name: str, preset_venv: Venv, built_presets: dict[str, BuiltWheel]
) -> None:
    built = built_presets[name]
    preset = get_preset(name)
    site = preset_venv.site_packages
    (dist,) = [d for d in distributions(path=[str(site)]) if d.metadata["Name"] == built.pkg_name]
    assert dist.version == built.version

    # What 4_pip_show.sh greps from `pip show --files` (the RECORD): every manifest copy.
    manifests = sorted(str(f) for f in dist.files or () if f.name == "__FRACTAL_MANIFEST__.json")
    package = preset.spec.import_package
    assert manifests == sorted(f"{package}/{path}" for path in preset.spec.manifest_paths)
    for relative in manifests:
        assert json.loads((site / relative).read_text()) == built.manifest

    # Where the server resolves the executables.
    root = _server_package_root(site, built.pkg_name)
    missing = {exe for exe in _executables(built.manifest) if not (root / exe).is_file()}
    if preset.server_outcome.stage == "files":
        assert missing, "the preset must miss an executable where the server looks"
    else:
        assert not missing
        assert root == site / package


def test_unresolvable_dependency_installs_only_without_deps(
    make_venv: Callable[[], Venv], built_presets: dict[str, BuiltWheel]
) -> None:
    built = built_presets["unresolvable_dependency"]
    venv = make_venv()
    failed = venv.pip("install", "--no-index", built.path)
    assert failed.returncode != 0
    assert get_preset("unresolvable_dependency").server_outcome.message in failed.stderr
    installed = venv.pip("install", "--no-index", "--no-deps", built.path)
    assert installed.returncode == 0, installed.stderr
    root = _server_package_root(venv.site_packages, built.pkg_name)
    assert (root / "__FRACTAL_MANIFEST__.json").is_file()
    assert all((root / exe).is_file() for exe in _executables(built.manifest))


def test_sdist_only_cannot_be_installed_offline(
    make_venv: Callable[[], Venv], built_presets: dict[str, BuiltWheel]
) -> None:
    """pip has to build the sdist, and the build backend is not reachable without an index."""
    built = built_presets["sdist_only"]
    assert built.kind == "sdist"
    assert built.filename == "fractal_tasks_sdist_only-0.0.1.tar.gz"
    failed = make_venv().pip("install", "--no-index", built.path)
    assert failed.returncode != 0
    assert get_preset("sdist_only").server_outcome.message in failed.stderr


def test_mock_installs_with_its_extra_from_a_find_links_directory(
    make_venv: Callable[[], Venv], built_presets: dict[str, BuiltWheel]
) -> None:
    built = built_presets["fractal_tasks_mock"]
    venv = make_venv()
    result = venv.pip(
        "install", "--no-index", "--find-links", built.path.parent, "fractal-tasks-mock[my_extra]"
    )
    assert result.returncode == 0, result.stderr
    assert "does not provide the extra" not in result.stderr
    assert (venv.site_packages / "fractal_tasks_mock" / "__FRACTAL_MANIFEST__.json").is_file()
