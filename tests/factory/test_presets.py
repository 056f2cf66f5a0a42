"""The mock preset and the broken-package catalogue, checked against the server's models."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pytest_taskcollect import (
    BROKEN_PACKAGES,
    ManifestV2,
    broken_package_names,
    fractal_tasks_mock_spec,
    get_preset,
    preset_names,
)
from pytest_taskcollect.collection import prepare_tasks_metadata
from pytest_taskcollect.factory.manifest import generate_manifest

REQUIRED_BROKEN = {
    "missing_manifest",
    "invalid_manifest_version",
    "missing_executable",
    "executable_with_arguments",
    "import_name_differs",
    "two_manifests",
    "duplicate_task_names",
    "args_schemas_missing",
    "args_schema_version_missing",
    "docs_link_without_scheme",
    "empty_category",
    "duplicate_tags",
    "forbidden_char_in_executable",
    "non_canonical_name",
    "unresolvable_dependency",
    "sdist_only",
}


def test_catalogue_lists_the_required_presets() -> None:
    assert set(broken_package_names()) == REQUIRED_BROKEN == set(BROKEN_PACKAGES)
    assert preset_names() == ("fractal_tasks_mock", *broken_package_names())
    names = [get_preset(name).spec.name for name in preset_names()]
    assert len(set(names)) == len(names), "each preset needs its own distribution name"


@pytest.mark.parametrize("name", preset_names())
def test_each_preset_documents_the_servers_outcome(name: str) -> None:
    preset = get_preset(name)
    assert preset.name == name
    assert preset.server_outcome.message in preset.doc


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="missing_manifest"):
        get_preset("no_such_preset")


def test_mock_spec_is_shared() -> None:
    assert fractal_tasks_mock_spec() is fractal_tasks_mock_spec()


@pytest.mark.parametrize("name", preset_names())
def test_server_models_agree_with_the_documented_stage(name: str) -> None:
    """Stage ``manifest`` fails ``ManifestV2``; stage ``task_metadata`` passes it and fails
    ``TaskCreateV2``; packages failing later (or not at all) pass both."""
    preset = get_preset(name)
    outcome = preset.server_outcome
    if not preset.spec.manifest_paths:
        assert outcome.stage == "show"
        return
    raw = generate_manifest(preset.spec)
    if name == "two_manifests":  # a valid manifest that the server cannot locate
        assert len(preset.spec.manifest_paths) == 2
        ManifestV2(**raw)
        return
    if outcome.stage == "manifest":
        with pytest.raises(ValidationError, match=outcome.message.replace("(", r"\(")):
            ManifestV2(**raw)
        return
    manifest = ManifestV2(**raw)
    root = f"/venv/lib/site-packages/{preset.spec.import_package}"
    if outcome.stage == "tasks":
        with pytest.raises(ValidationError, match=outcome.message):
            prepare_tasks_metadata(
                package_manifest=manifest,
                python_bin=Path("/venv/bin/python"),
                package_root=Path(root),
                package_version=preset.spec.version,
            )
    else:
        assert prepare_tasks_metadata(
            package_manifest=manifest,
            python_bin=Path("/venv/bin/python"),
            package_root=Path(root),
            package_version=preset.spec.version,
        )
