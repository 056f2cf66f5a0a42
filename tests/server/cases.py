"""The inputs of the pip-path differential tests: what is uploaded, with which form fields.

Each ``PipCase`` is one collection request, sent to the real server of each of its
``releases`` and given, as the same form fields, to ``collect_pip_form`` (faithful and fast)
with that release's settings. ``before`` is a request made first on both sides (a duplicate
collection, a retry after a failure). ``known`` lists where our result knowingly differs from
the server's (the message, or a line that cannot be equal) and how; the test checks the
difference is exactly that. ``warnings`` are, per release, texts our result must warn about
(a form field the release ignores), besides fast mode's note on its venv.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pytest_taskcollect import (
    TaskPackageFactory,
    TaskPackageSpec,
    TaskSpec,
    get_preset,
    get_profile,
)
from pytest_taskcollect import broken_package_names as _broken_package_names
from pytest_taskcollect.collection.server_quirks import TWO_PINS_EXPLANATION
from pytest_taskcollect.factory.spec import FrozenMap
from pytest_taskcollect.schemas.task_collection import UploadedFileBase

__all__ = ["PIP_CASES", "RELEASES", "Known", "PipCase", "Upload", "WheelSources"]

RELEASES = ("2.14.5", "2.26.0")
"""The releases the cases are written for (``conftest.RUNNER_RELEASES``)."""


@dataclass(frozen=True)
class Known:
    """A field where our result knowingly differs from the server's, and how.

    ``appended``: our message is the server's plus this text (in the log too). ``server`` and
    ``ours``: regular expressions each side's message must match in full. ``masks``: regular
    expressions whose matches are replaced by ``<known>`` in both sides' message and log (each
    must match the server's message at least once). ``releases``: where it applies.
    """

    reason: str
    appended: str | None = None
    server: str | None = None
    ours: str | None = None
    masks: tuple[str, ...] = ()
    releases: tuple[str, ...] = RELEASES


NO_DATABASE = (
    "collect_pip has no database: a second collection of the same package and version is "
    "rejected because its folder exists (`<path> already exists.`), where the server rejects it "
    "for the task group it already stores (`User '<email>' already owns a task group ...`); "
    "the result's warnings quote the server's answer."
)
BUILD_ENV_LINKS = (
    "pip's build environment (for the sdist) lists each find-links entry once for the "
    "command line its parent passes and once more for the PIP_FIND_LINKS it inherits: the "
    "server gets its sources from the environment (the harness has no other way to configure "
    "them), collect_pip passes them on the command line, so the server's line repeats them."
)
FORBIDDEN_SET_ORDER = (
    "validate_cmd prints its set of forbidden characters: the server in the set's iteration "
    "order, which changes with PYTHONHASHSEED; ours sorted, so that it is stable."
)
UPLOAD_REPR = (
    "the validation error prints the validated input: the server's holds FastAPI's "
    "UploadFile, ours the WheelFile."
)
TWO_PINS_NOTE = (
    "collect_pip appends an explanation of fractal-server 2.14.5's two-pin bug to the server's "
    "message."
)


def three_task_spec(name: str = "fractal-tasks-three") -> TaskPackageSpec:
    """A small package without dependencies: three tasks of two kinds."""
    return TaskPackageSpec(
        name=name,
        version="0.1.0",
        tasks=(
            TaskSpec("create", type="non_parallel"),
            TaskSpec("process", type="parallel"),
            TaskSpec("measure", type="non_parallel"),
        ),
    )


@dataclass(frozen=True)
class Upload:
    """An uploaded file: its name and bytes."""

    filename: str
    contents: bytes

    def wheel_file(self, release: str) -> UploadedFileBase:
        """The upload as ``release``'s endpoint hands it on (``WheelFile``, then
        ``FractalUploadedFile``)."""
        model = get_profile(release).schemas.uploaded_file
        upload = model(filename=self.filename, contents=self.contents)
        assert isinstance(upload, UploadedFileBase)
        return upload


class WheelSources:
    """Builds the uploads of the cases (``wheels``) and the dependencies they install or pin
    (``find_links``, the folder both sides install from: ``fractal-tasks-dep-a`` and
    ``fractal-tasks-dep-b`` 0.0.1, packages without a manifest)."""

    def __init__(self, wheels: TaskPackageFactory, find_links: TaskPackageFactory) -> None:
        self.wheels = wheels
        self.find_links = find_links
        for dependency in ("fractal-tasks-dep-a", "fractal-tasks-dep-b"):
            find_links(get_preset("missing_manifest").spec, name=dependency)

    def upload(self, package: str, filename: str | None = None) -> Upload:
        if package == "not-a-zip":
            return Upload(filename or "fractal_tasks_not_a_zip-0.0.1-py3-none-any.whl", b"no")
        if package == "three-tasks":
            built = self.wheels(three_task_spec())
        elif package == "with-dependencies":
            spec = dataclasses.replace(
                three_task_spec("fractal-tasks-with-deps"),
                dependencies=("fractal-tasks-dep-a>=0.0.1",),
                extras=FrozenMap({"full": ("fractal-tasks-dep-b==0.0.1",)}),
            )
            built = self.wheels(spec)
        else:
            built = self.wheels(package)
        return Upload(filename or built.filename, built.path.read_bytes())


@dataclass(frozen=True)
class Request:
    """The form fields of one request (dicts are sent as JSON text) and its upload."""

    package: str
    filename: str | None = None
    fields: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class PipCase:
    """One differential case (see the module docstring)."""

    id: str
    request: Request
    before: Request | None = None
    known: tuple[Known, ...] = ()
    python: str = "3.11"
    subset: bool = False
    releases: tuple[str, ...] = RELEASES
    warnings: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def known_for(self, release: str) -> Known | None:
        return next((known for known in self.known if release in known.releases), None)

    def params(self, releases: tuple[str, ...]) -> list[object]:
        """``(release, case)`` parameters for the releases of ``releases`` it applies to."""
        marks = [pytest.mark.server_subset] if self.subset else []
        return [
            pytest.param(release, self, id=f"{release}-{self.id}", marks=marks)
            for release in releases
            if release in self.releases
        ]


def _broken_cases() -> list[PipCase]:
    cases = []
    for name in _broken_package_names():
        known: tuple[Known, ...] = ()
        if name == "sdist_only":
            known = (Known(BUILD_ENV_LINKS, masks=(r"(?m)(?<=^      Looking in links: ).*$",)),)
        if name == "forbidden_char_in_executable":
            known = (
                Known(
                    FORBIDDEN_SET_ORDER,
                    masks=(r"(?m)(?<=Command must not contain any of this characters: ).*$",),
                ),
            )
        cases.append(
            PipCase(
                f"broken-{name}",
                Request(name),
                known=known,
                subset=name == "missing_manifest",
            )
        )
    return cases


TWO_PINS = {"pinned_package_versions": {"pip": "24.0", "setuptools": "65.5.0"}}

PIP_CASES: list[PipCase] = [
    PipCase("mock", Request("fractal_tasks_mock"), subset=True),
    *_broken_cases(),
    PipCase("unknown-extra", Request("three-tasks", fields={"package_extras": "nonexistent"})),
    PipCase(
        "extras-with-dependencies",
        Request("with-dependencies", fields={"package_extras": "full"}),
    ),
    # pins up to 2.15.x: pinned_package_versions, checked with `pip show` first (2.14.5)
    PipCase(
        "one-pin",
        Request("three-tasks", fields={"pinned_package_versions": {"setuptools": "65.5.0"}}),
        releases=("2.14.5",),
    ),
    PipCase(
        "two-pins",
        Request("three-tasks", fields=TWO_PINS),
        known=(Known(TWO_PINS_NOTE, appended=f"\n{TWO_PINS_EXPLANATION}", releases=("2.14.5",)),),
        # 2.26.0 has no such form field: its endpoint ignores it and installs no pin.
        warnings={"2.26.0": ("has no form field pinned_package_versions",)},
    ),
    PipCase(
        "pin-not-installed",
        Request("three-tasks", fields={"pinned_package_versions": {"numpy": "1.26.4"}}),
        releases=("2.14.5",),
    ),
    # pins from 2.16.0: pinned_package_versions_pre before the package, _post after it
    PipCase(
        "pins-pre-and-post",
        Request(
            "three-tasks",
            fields={
                "pinned_package_versions_pre": {"fractal-tasks-dep-a": "0.0.1"},
                "pinned_package_versions_post": {"fractal-tasks-dep-b": "0.0.1", "pip": "24.0"},
            },
        ),
        releases=("2.26.0",),
    ),
    PipCase(
        "pin-post-unavailable",
        Request("three-tasks", fields={"pinned_package_versions_post": {"numpy": "1.26.4"}}),
        releases=("2.26.0",),
    ),
    PipCase("python-3.9", Request("three-tasks", fields={"python_version": "3.9"}), python="3.9"),
    PipCase(
        "python-3.12", Request("three-tasks", fields={"python_version": "3.12"}), python="3.12"
    ),
    # 2.14.5 rejects 3.13 (not one of its versions); 2.26.0 collects with it
    PipCase(
        "python-3.13", Request("three-tasks", fields={"python_version": "3.13"}), python="3.13"
    ),
    PipCase(
        "duplicate",
        Request("three-tasks"),
        before=Request("three-tasks"),
        known=(
            Known(
                NO_DATABASE,
                server=r"User 'admin@fractal\.xy' already owns a task group with "
                r"name='fractal-tasks-three' and version='0\.1\.0'\.\nNote:.*",
                ours=r"<TASKS>/1/fractal-tasks-three/0\.1\.0 already exists\.",
            ),
        ),
        warnings={
            release: (
                "User '<your email>' already owns a task group with name='fractal-tasks-"
                "three' and version='0.1.0'.",
            )
            for release in RELEASES
        },
    ),
    # A `.whl` that is not a zip is accepted and fails in the background (the group row and
    # folder go); then the fixed wheel of the same name and version, uploaded under an
    # upper-case file name, is accepted and collects. Both requests are compared.
    PipCase(
        "retry-after-not-a-zip-with-upper-case-file-name",
        Request("three-tasks", filename="Fractal_Tasks_THREE-0.1.0-py3-none-any.whl"),
        before=Request("not-a-zip", filename="fractal_tasks_three-0.1.0-py3-none-any.whl"),
    ),
    PipCase(
        "invalid-wheel-file-name",
        Request("three-tasks", filename="fractal_tasks_three.whl"),
        subset=True,
    ),
    PipCase(
        "package-and-file",
        Request("three-tasks", fields={"package": "fractal-tasks-three"}),
        known=(
            Known(UPLOAD_REPR, masks=(r"(?<=input_value=\{'task_collect': ).*(?=, input_type)",)),
        ),
    ),
    PipCase(
        "forbidden-character-in-file-name",
        Request("three-tasks", filename="fractal_tasks;three-0.1.0-py3-none-any.whl"),
    ),
]
"""Every pip-path case; ``subset=True`` ones run by default (see ``conftest.py``)."""


def upload_path(folder: Path, upload: Upload) -> Path:
    """Write ``upload`` into ``folder`` (for the HTTP client, which reads a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "upload.bin"
    path.write_bytes(upload.contents)
    return path
