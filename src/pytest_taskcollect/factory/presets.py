"""Ready-made task packages: fractal-server's mock package and a catalogue of broken packages.

``fractal_tasks_mock_spec()`` models the ``fractal-tasks-mock`` package fractal-server 2.14.5
uses in its own tests. ``BROKEN_PACKAGES`` maps a name to a ``PackagePreset`` whose docstring
and ``server_outcome`` say what fractal-server 2.14.5 does when the package is collected from
its wheel through ``POST /api/v2/task/collect/pip/`` (stage and log/error message, from the
collection spec §1.6, §1.7, §2.4-§2.7 and §4); ``outcome(server_version)`` says it for any
release (a preset whose outcome changes names the profile switch it depends on, so no version
number is compared here). Each broken package has its own distribution name, so all of them can
sit in one ``--find-links`` directory.

Use ``broken_package_names()`` to parametrise over the catalogue and ``get_preset(name)`` (or
the ``task_package`` fixture, which accepts preset names) to build one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from ..collection.result import CollectionStage
from ..profiles import DEFAULT_SERVER_VERSION, get_profile
from ..profiles.switches import ExecutableToken
from .build import BuildKind
from .spec import TaskArg, TaskPackageSpec, TaskSpec

__all__ = [
    "BROKEN_PACKAGES",
    "MOCK_PRESET_NAME",
    "PackagePreset",
    "ServerOutcome",
    "broken_package_names",
    "fractal_tasks_mock_spec",
    "get_preset",
    "preset_names",
]


@dataclass(frozen=True)
class ServerOutcome:
    """What fractal-server 2.14.5 does with a package: the stage where collection stops and a
    message that appears in the activity log (a stable substring of the real error)."""

    stage: CollectionStage | None
    """The ``CollectionResult.stage`` the collection stops at; ``None`` when it succeeds."""
    message: str

    @property
    def fails(self) -> bool:
        """Whether the collection activity ends ``failed``."""
        return self.stage is not None


OfflineInstall = Literal["ok", "no_deps", "fails"]
"""How ``pip install --no-index <artifact>`` behaves for a preset."""


@dataclass(frozen=True)
class PackagePreset:
    """A named package: its spec, what to build (wheel or sdist), its documentation and the
    server's outcome. ``offline_install`` says how ``pip install --no-index`` of the artifact
    behaves: ``"ok"``, ``"no_deps"`` (only with ``--no-deps``) or ``"fails"``.

    ``server_outcome`` is 2.14.5's; ``varies_with`` names the profile switch whose value
    changes the outcome, and maps values to outcomes (empty: the same in every release).
    """

    name: str
    spec: TaskPackageSpec
    doc: str
    server_outcome: ServerOutcome
    kind: BuildKind = "wheel"
    offline_install: OfflineInstall = "ok"
    varies_with: tuple[str, Mapping[Any, ServerOutcome]] | None = field(default=None)

    def outcome(self, server_version: str = DEFAULT_SERVER_VERSION) -> ServerOutcome:
        """What fractal-server ``server_version`` does with the package."""
        if self.varies_with is None:
            return self.server_outcome
        switch, outcomes = self.varies_with
        return outcomes[getattr(get_profile(server_version), switch)]


MOCK_PRESET_NAME = "fractal_tasks_mock"


@cache
def fractal_tasks_mock_spec() -> TaskPackageSpec:
    """``fractal-tasks-mock`` 0.0.1 as in fractal-server 2.14.5's tests (spec §5.2): its 15
    tasks (compound and converter tasks with init/compute executables, one compute executable
    shared by two converters), plus ``generic_task_converter`` (a ``converter_non_parallel``
    task, from the mock's later versions) so that all five types are covered; ``meta_*``,
    input/output types, category, modality, tags, ``has_args_schemas=True`` with
    ``args_schema_version="pydantic_v2"``, the authors string and an (empty) extra
    ``my_extra``. It has no dependencies, so it installs offline (the real one depends on
    pydantic and fractal-task-tools; our task scripts need neither). Collection succeeds: the
    log reaches ``validated manifest content`` and the activity ends ``OK``. The spec is
    immutable, so it is built once and shared."""
    image_dir = TaskArg("image_dir", "string", required=True, description="Raw images folder.")
    tasks = (
        TaskSpec(
            "create_ome_zarr_compound",
            type="converter_compound",
            executable_non_parallel="create_cellvoyager_ome_zarr.py",
            executable_parallel="fill_cellvoyager_ome_zarr.py",
            meta_non_parallel={"key1": "value1"},
            meta_parallel={"key2": "value2"},
            args_non_parallel=(
                image_dir,
                TaskArg("num_images", "integer", default=2, description="Images to create."),
            ),
            category="Conversion",
            modality="HCS",
            tags=("Yokogawa", "Cellvoyager"),
        ),
        TaskSpec(
            "create_ome_zarr_multiplex_compound",
            type="converter_compound",
            executable_non_parallel="create_cellvoyager_ome_zarr_multiplex.py",
            executable_parallel="fill_cellvoyager_ome_zarr.py",
            args_non_parallel=(image_dir,),
            category="Conversion",
            modality="HCS",
            tags=("Yokogawa", "Cellvoyager"),
        ),
        TaskSpec(
            "MIP_compound",
            type="compound",
            executable_non_parallel="new_ome_zarr.py",
            executable_parallel="maximum_intensity_projection.py",
            args_non_parallel=(TaskArg("suffix", "string", default="mip"),),
            input_types={"3D": True},
            output_types={"3D": False},
            category="Image Processing",
            modality="HCS",
            tags=("Preprocessing",),
        ),
        TaskSpec(
            "illumination_correction",
            type="parallel",
            args_parallel=(TaskArg("overwrite_input", "boolean", default=True),),
            input_types={"illumination_correction": False},
            output_types={"illumination_correction": True},
            category="Image Processing",
            tags=("Preprocessing",),
        ),
        TaskSpec(
            "illumination_correction_compound",
            type="compound",
            executable_non_parallel="illumination_correction_init.py",
            executable_parallel="illumination_correction_compute.py",
            args_non_parallel=(TaskArg("overwrite_input", "boolean", default=True),),
            input_types={"illumination_correction": False},
            output_types={"illumination_correction": True},
            category="Image Processing",
            tags=("Preprocessing",),
        ),
        TaskSpec(
            "cellpose_segmentation",
            type="parallel",
            args_parallel=(TaskArg("diameter", "number", default=30.0),),
            category="Segmentation",
            tags=("Deep Learning", "Convolutional Neural Network", "Instance Segmentation"),
        ),
        TaskSpec(
            "calculate_registration_compound",
            type="compound",
            executable_non_parallel="calculate_registration_init.py",
            executable_parallel="calculate_registration_compute.py",
            args_non_parallel=(TaskArg("ref_acquisition", "integer", required=True),),
            category="Registration",
            modality="HCS",
            tags=("Multiplexing",),
        ),
        TaskSpec(
            "find_registration_consensus",
            type="non_parallel",
            category="Registration",
            modality="HCS",
            tags=("Multiplexing",),
        ),
        TaskSpec(
            "apply_registration_to_image",
            type="parallel",
            input_types={"registration": False},
            output_types={"registration": True},
            category="Registration",
            modality="HCS",
            tags=("Multiplexing",),
        ),
        TaskSpec(
            "generic_task",
            type="non_parallel",
            args_non_parallel=(
                TaskArg("sleep_time", "number", default=0.0),
                TaskArg("raise_error", "boolean", default=False),
            ),
            docs_info="A generic non-parallel task.",
        ),
        TaskSpec("generic_task_converter", type="converter_non_parallel"),
        TaskSpec("dummy_remove_images", type="non_parallel"),
        TaskSpec("dummy_insert_single_image", type="non_parallel"),
        TaskSpec(
            "dummy_unset_attribute",
            type="non_parallel",
            args_non_parallel=(TaskArg("attribute", "string", required=True),),
        ),
        TaskSpec(
            "generic_task_parallel",
            type="parallel",
            input_types={"my_type": False},
            output_types={"my_type": True},
        ),
        TaskSpec(
            "generic_task_compound",
            type="compound",
            executable_non_parallel="generic_compound_init.py",
            executable_parallel="generic_compound_compute.py",
            args_non_parallel=(TaskArg("argument", "integer", required=True),),
        ),
    )
    return TaskPackageSpec(
        name="fractal-tasks-mock",
        version="0.0.1",
        tasks=tasks,
        authors="name1 surname1, name2 surname2",
        has_args_schemas=True,
        args_schema_version="pydantic_v2",
        extras={"my_extra": ()},
    )


_GENERIC = TaskSpec("generic_task", type="non_parallel")


def _one_task(name: str, task: TaskSpec = _GENERIC, **fields: Any) -> TaskPackageSpec:
    """A one-task package (the shape of fractal-server's ``fractal_tasks_fail`` cases)."""
    return TaskPackageSpec(name=name, tasks=(task,), **fields)


_BROKEN: dict[str, PackagePreset] = {}


def _broken(
    stage: CollectionStage | None,
    message: str,
    *,
    kind: BuildKind = "wheel",
    offline_install: OfflineInstall = "ok",
    varies_with: tuple[str, Mapping[Any, ServerOutcome]] | None = None,
) -> Callable[[Callable[[], TaskPackageSpec]], Callable[[], TaskPackageSpec]]:
    """Register the decorated spec function in the catalogue, under its name, with its
    docstring as the preset's documentation (``stage`` and ``message``: 2.14.5's outcome)."""

    def register(function: Callable[[], TaskPackageSpec]) -> Callable[[], TaskPackageSpec]:
        _BROKEN[function.__name__] = PackagePreset(
            name=function.__name__,
            spec=function(),
            doc=" ".join((function.__doc__ or "").split()),
            server_outcome=ServerOutcome(stage, message),
            kind=kind,
            offline_install=offline_install,
            varies_with=varies_with,
        )
        return function

    return register


@_broken("show", "manifest path not found")
def missing_manifest() -> TaskPackageSpec:
    """No ``__FRACTAL_MANIFEST__.json`` in the wheel. pip installs it; ``4_pip_show.sh`` greps
    ``pip show --files`` for the manifest, logs ``ERROR: manifest path not found for <Name>``
    and exits 2, so the activity is ``failed`` (spec §2.5, test ``test_invalid_wheel``)."""
    return _one_task("fractal-tasks-missing-manifest", manifest_paths=())


@_broken("manifest", "Input should be '2'")
def invalid_manifest_version() -> TaskPackageSpec:
    """The manifest is ``{"manifest_version": "9999", "task_list": []}`` (fractal-server's
    ``invalid_manifest`` case). It is found and loaded, then ``ManifestV2`` rejects
    ``manifest_version`` with ``Input should be '2'`` and collection fails (spec §1.6)."""
    return _one_task(
        "fractal-tasks-invalid-manifest-version",
        manifest_patch={"": {"manifest_version": "9999", "task_list": []}},
    )


@_broken("files", "has `command_parallel` pointing to missing file")
def missing_executable() -> TaskPackageSpec:
    """A converter compound task whose parallel executable ``fill_cellvoyager_ome_zarr.py`` is
    not in the wheel (fractal-server's ``missing_executable`` case). The manifest is valid;
    ``check_task_files_exist`` raises ``Task `create_ome_zarr_compound` has `command_parallel`
    pointing to missing file `<path>`.`` (spec §2.7)."""
    task = TaskSpec(
        "create_ome_zarr_compound",
        type="converter_compound",
        executable_non_parallel="create_cellvoyager_ome_zarr.py",
        executable_parallel="fill_cellvoyager_ome_zarr.py",
    )
    return _one_task(
        "fractal-tasks-missing-executable", task, omit_files=("fill_cellvoyager_ome_zarr.py",)
    )


@_broken(
    None,
    "validated manifest content",
    varies_with=(
        "executable_check_token",
        {
            ExecutableToken.SECOND: ServerOutcome(None, "validated manifest content"),
            ExecutableToken.LAST: ServerOutcome(
                "files",
                "Task `generic_task` has `command_non_parallel` pointing to missing file "
                "`--verbose`.",
            ),
        },
    ),
)
def executable_with_arguments() -> TaskPackageSpec:
    """The manifest's executable is ``generic_task.py --verbose`` (a file plus an argument).
    Up to 2.14.16 ``check_task_files_exist`` checks the command's second token, the file, and
    collection succeeds (the log reaches ``validated manifest content``; the command carries
    the argument); from 2.15.0 it checks the last
    token: ``Task `generic_task` has `command_non_parallel` pointing to missing file
    `--verbose`.``"""
    return _one_task(
        "fractal-tasks-executable-with-arguments",
        manifest_patch={"/task_list/0/executable_non_parallel": "generic_task.py --verbose"},
    )


@_broken("files", "has `command_non_parallel` pointing to missing file")
def import_name_differs() -> TaskPackageSpec:
    """Distribution ``fractal-tasks-import-name-differs`` whose import package is
    ``other_tasks``. ``4_pip_show.sh`` finds ``other_tasks/__FRACTAL_MANIFEST__.json``, but the
    server resolves executables against ``site-packages/fractal_tasks_import_name_differs``,
    which does not exist: ``Task `generic_task` has `command_non_parallel` pointing to missing
    file`` (spec §2.7, ecosystem notes §9)."""
    return _one_task("fractal-tasks-import-name-differs", import_name="other_tasks")


@_broken("manifest", "No such file or directory")
def two_manifests() -> TaskPackageSpec:
    """The wheel holds ``__FRACTAL_MANIFEST__.json`` twice (package root and ``tests/``).
    ``4_pip_show.sh`` joins both relative paths into one bogus path (``tr -d "[:space:]"``
    deletes the newline) and reports it as the manifest; loading it fails with
    ``[Errno 2] No such file or directory`` (spec §2.5, ecosystem notes §9)."""
    return _one_task(
        "fractal-tasks-two-manifests",
        manifest_paths=("__FRACTAL_MANIFEST__.json", "tests/__FRACTAL_MANIFEST__.json"),
    )


@_broken("manifest", "Task names in manifest must be unique")
def duplicate_task_names() -> TaskPackageSpec:
    """Two tasks named ``generic_task`` (sharing one executable). ``ManifestV2`` rejects the
    manifest: ``Task names in manifest must be unique`` (spec §1.6)."""
    return TaskPackageSpec("fractal-tasks-duplicate-task-names", tasks=(_GENERIC, _GENERIC))


@_broken(
    "manifest",
    "Manifest has has_args_schemas=True, but task 'generic_task' has "
    "task.args_schema_non_parallel=None.",
)
def args_schemas_missing() -> TaskPackageSpec:
    """``has_args_schemas=True`` but the task has no ``args_schema_non_parallel``. ``ManifestV2``
    fails with ``Manifest has has_args_schemas=True, but task 'generic_task' has
    task.args_schema_non_parallel=None.`` (spec §1.6)."""
    return _one_task("fractal-tasks-args-schemas-missing", include_args_schemas=False)


@_broken("tasks", "Input should be a valid string")
def args_schema_version_missing() -> TaskPackageSpec:
    """Args schemas and ``has_args_schemas=True`` but no ``args_schema_version``. ``ManifestV2``
    accepts it; ``TaskCreateV2`` then gets ``args_schema_version=None`` and fails with
    ``Input should be a valid string`` (spec §1.6, §1.7)."""
    return _one_task("fractal-tasks-args-schema-version-missing", args_schema_version=None)


@_broken("manifest", "Input should be a valid URL, relative URL without a base")
def docs_link_without_scheme() -> TaskPackageSpec:
    """``docs_link="www.example.org"`` (what the tasks template's ``project_url`` allows).
    ``TaskManifestV2.docs_link`` is an ``HttpUrlStr``: ``Input should be a valid URL, relative
    URL without a base`` (spec §1.1, ecosystem notes §2)."""
    task = TaskSpec("generic_task", type="non_parallel", docs_link="www.example.org")
    return _one_task("fractal-tasks-docs-link-without-scheme", task)


@_broken("tasks", "String should have at least 1 character")
def empty_category() -> TaskPackageSpec:
    """``category=""``: a plain string in ``TaskManifestV2``, but a ``NonEmptyStr`` in
    ``TaskCreateV2``, which fails with ``String should have at least 1 character`` (spec §1.7)."""
    task = TaskSpec("generic_task", type="non_parallel", category="")
    return _one_task("fractal-tasks-empty-category", task)


@_broken("tasks", "List has repetitions")
def duplicate_tags() -> TaskPackageSpec:
    """``tags=["Segmentation", "Segmentation"]``: accepted by ``TaskManifestV2``, rejected by
    ``TaskCreateV2`` with ``List has repetitions`` (spec §1.7)."""
    task = TaskSpec("generic_task", type="non_parallel", tags=("Segmentation", "Segmentation"))
    return _one_task("fractal-tasks-duplicate-tags", task)


@_broken("tasks", "must not contain any of this characters")
def forbidden_char_in_executable() -> TaskPackageSpec:
    """The executable is ``generic_task(1).py`` (fractal-server#2136). The command
    ``<python> <root>/generic_task(1).py`` fails ``validate_cmd`` in ``TaskCreateV2``:
    ``Command must not contain any of this characters: ...`` (spec §1.2, §1.7)."""
    task = TaskSpec(
        "generic_task", type="non_parallel", executable_non_parallel="generic_task(1).py"
    )
    return _one_task("fractal-tasks-forbidden-char-in-executable", task)


@_broken(None, "Package name mismatch")
def non_canonical_name() -> TaskPackageSpec:
    """``FrAcTaL-TaSkS-NoN-CaNoNiCaL`` 0.0.1, import package ``fractal_tasks_non_canonical``,
    uploaded as ``FrAcTaL_TaSkS_NoN_CaNoNiCaL-0.0.1-py3-none-any.whl`` (fractal-server's test
    renames the built wheel the same way). Not broken: the group's ``pkg_name`` is
    ``fractal-tasks-non-canonical``, ``pip show`` reports ``Name: FrAcTaL-TaSkS-NoN-CaNoNiCaL``,
    the log gets the warning ``Package name mismatch`` and collection ends ``OK`` (spec §4)."""
    return _one_task(
        "FrAcTaL-TaSkS-NoN-CaNoNiCaL",
        authors="name1 surname1, name2 surname2",
        wheel_filename="FrAcTaL_TaSkS_NoN_CaNoNiCaL-0.0.1-py3-none-any.whl",
    )


@_broken(
    "install",
    "No matching distribution found for fractal-tasks-nonexistent-dependency==99.99.99",
    offline_install="no_deps",
)
def unresolvable_dependency() -> TaskPackageSpec:
    """Depends on ``fractal-tasks-nonexistent-dependency==99.99.99``, which no index has.
    ``2_pip_install.sh`` fails, online or offline, with ``No matching distribution found for
    fractal-tasks-nonexistent-dependency==99.99.99`` (spec §2.4 step 7)."""
    return _one_task(
        "fractal-tasks-unresolvable-dependency",
        dependencies=("fractal-tasks-nonexistent-dependency==99.99.99",),
    )


@_broken(
    "install",
    "No matching distribution found for flit_core",
    kind="sdist",
    offline_install="fails",
)
def sdist_only() -> TaskPackageSpec:
    """Only an sdist, ``fractal_tasks_sdist_only-0.0.1.tar.gz`` (fractal-server#1104). The
    upload is accepted as a "wheel" whose version is ``0.0.1.tar.gz`` (the filename is split on
    ``-``, spec §4), and pip must build it: offline the build backend cannot be fetched
    (``No matching distribution found for flit_core``) and the install fails; with an index pip
    builds and installs it and collection continues with version ``0.0.1.tar.gz``."""
    return _one_task("fractal-tasks-sdist-only")


BROKEN_PACKAGES: MappingProxyType[str, PackagePreset] = MappingProxyType(_BROKEN)
"""The broken-package catalogue: preset name -> ``PackagePreset``."""


def broken_package_names() -> tuple[str, ...]:
    """Names of the broken-package presets, in catalogue order (for ``parametrize``)."""
    return tuple(BROKEN_PACKAGES)


def preset_names() -> tuple[str, ...]:
    """Every preset name the ``task_package`` fixture accepts: the mock, then the catalogue."""
    return (MOCK_PRESET_NAME, *BROKEN_PACKAGES)


def get_preset(name: str) -> PackagePreset:
    """The preset called ``name`` (``"fractal_tasks_mock"`` or a broken-package name)."""
    if name == MOCK_PRESET_NAME:
        return PackagePreset(
            name=MOCK_PRESET_NAME,
            spec=fractal_tasks_mock_spec(),
            doc=" ".join((fractal_tasks_mock_spec.__doc__ or "").split()),
            server_outcome=ServerOutcome(None, "validated manifest content"),
        )
    try:
        return BROKEN_PACKAGES[name]
    except KeyError:
        raise KeyError(f"Unknown preset {name!r}; known presets: {preset_names()}") from None
