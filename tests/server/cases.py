"""The inputs of the pip-path differential tests: what is uploaded, with which form fields.

Each ``PipCase`` is one collection request, sent to the real server and given to ``collect_pip``
(faithful and fast) unchanged. ``before`` is a request made first on both sides (a duplicate
collection, a retry after a failure). ``known`` says where our result knowingly differs from the
server's (today only the message) and how; the test checks the difference is exactly that.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pytest_taskcollect import TaskPackageFactory, TaskPackageSpec, TaskSpec, get_preset
from pytest_taskcollect import broken_package_names as _broken_package_names
from pytest_taskcollect.collection.server_quirks import TWO_PINS_EXPLANATION
from pytest_taskcollect.factory.spec import FrozenMap
from pytest_taskcollect.schemas import TaskCollectPipV2, WheelFile

__all__ = ["PIP_CASES", "Known", "PipCase", "Upload", "WheelSources"]


@dataclass(frozen=True)
class Known:
    """A field where our result knowingly differs from the server's, and how.

    ``appended``: our message is the server's plus this text (in the log too). ``server`` and
    ``ours``: regular expressions each side's message must match in full. ``masks``: regular
    expressions whose matches are replaced by ``<known>`` in both sides' message and log (each
    must match the server's message at least once).
    """

    reason: str
    appended: str | None = None
    server: str | None = None
    ours: str | None = None
    masks: tuple[str, ...] = ()


NO_DATABASE = (
    "collect_pip has no database: a second collection of the same package and version is "
    "rejected because its folder exists (`<path> already exists.`), where the server rejects it "
    "for the task group it already stores (`User '<email>' already owns a task group ...`)."
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

    def wheel_file(self) -> WheelFile:
        return WheelFile(filename=self.filename, contents=self.contents)


class WheelSources:
    """Builds the uploads of the cases (``wheels``) and the dependencies they install
    (``find_links``, the folder both sides install from)."""

    def __init__(self, wheels: TaskPackageFactory, find_links: TaskPackageFactory) -> None:
        self.wheels = wheels
        self.find_links = find_links

    def upload(self, package: str, filename: str | None = None) -> Upload:
        if package == "not-a-zip":
            return Upload(filename or "fractal_tasks_not_a_zip-0.0.1-py3-none-any.whl", b"no")
        if package == "three-tasks":
            built = self.wheels(three_task_spec())
        elif package == "with-dependencies":
            self.find_links(get_preset("missing_manifest").spec, name="fractal-tasks-dep-a")
            self.find_links(get_preset("missing_manifest").spec, name="fractal-tasks-dep-b")
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
    """The form fields of one request (``None``: not sent) and its upload."""

    package: str
    filename: str | None = None
    fields: dict[str, object] = field(default_factory=dict)

    def pip_request(self) -> TaskCollectPipV2:
        return TaskCollectPipV2(**self.fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PipCase:
    """One differential case (see the module docstring)."""

    id: str
    request: Request
    before: Request | None = None
    known: Known | None = None
    python: str = "3.11"
    subset: bool = False

    def param(self) -> object:
        marks = [pytest.mark.server_subset] if self.subset else []
        return pytest.param(self, id=self.id, marks=marks)


def _broken_cases() -> list[PipCase]:
    cases = []
    for name in _broken_package_names():
        known = None
        if name == "sdist_only":
            known = Known(BUILD_ENV_LINKS, masks=(r"(?m)(?<=^      Looking in links: ).*$",))
        if name == "forbidden_char_in_executable":
            known = Known(
                FORBIDDEN_SET_ORDER,
                masks=(r"(?m)(?<=Command must not contain any of this characters: ).*$",),
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


PIP_CASES: list[PipCase] = [
    PipCase("mock", Request("fractal_tasks_mock"), subset=True),
    *_broken_cases(),
    PipCase("extras", Request("fractal_tasks_mock", fields={"package_extras": "my_extra"})),
    PipCase("unknown-extra", Request("three-tasks", fields={"package_extras": "nonexistent"})),
    PipCase(
        "extras-with-dependencies",
        Request("with-dependencies", fields={"package_extras": "full"}),
    ),
    PipCase(
        "one-pin",
        Request("three-tasks", fields={"pinned_package_versions": {"setuptools": "65.5.0"}}),
    ),
    PipCase(
        "two-pins",
        Request(
            "three-tasks",
            fields={"pinned_package_versions": {"pip": "24.0", "setuptools": "65.5.0"}},
        ),
        known=Known(TWO_PINS_NOTE, appended=f"\n{TWO_PINS_EXPLANATION}"),
    ),
    PipCase(
        "pin-not-installed",
        Request("three-tasks", fields={"pinned_package_versions": {"numpy": "1.26.4"}}),
    ),
    PipCase("python-3.9", Request("three-tasks", fields={"python_version": "3.9"}), python="3.9"),
    PipCase(
        "python-3.12", Request("three-tasks", fields={"python_version": "3.12"}), python="3.12"
    ),
    PipCase("not-a-zip", Request("not-a-zip")),
    PipCase(
        "upper-case-file-name",
        Request("three-tasks", filename="Fractal_Tasks_THREE-0.1.0-py3-none-any.whl"),
    ),
    PipCase(
        "duplicate",
        Request("three-tasks"),
        before=Request("three-tasks"),
        known=Known(
            NO_DATABASE,
            server=r"User 'admin@fractal\.xy' already owns a task group with "
            r"name='fractal-tasks-three' and version='0\.1\.0'\.\nNote:.*",
            ours=r"<TASKS>/1/fractal-tasks-three/0\.1\.0 already exists\.",
        ),
    ),
    PipCase(
        "retry-after-failure",
        Request("missing_executable"),
        before=Request("missing_executable"),
    ),
    PipCase(
        "invalid-wheel-file-name",
        Request("three-tasks", filename="fractal_tasks_three.whl"),
        subset=True,
    ),
    PipCase(
        "package-and-file",
        Request("three-tasks", fields={"package": "fractal-tasks-three"}),
        known=Known(UPLOAD_REPR, masks=(r"(?<=input_value=\{'task_collect': ).*(?=, input_type)",)),
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
