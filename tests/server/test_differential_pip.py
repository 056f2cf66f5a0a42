"""``collect_pip`` against a real, running fractal-server: the same request, the same record.

Each case (``cases.PIP_CASES``) is sent to the server of each release over HTTP and given, as
the same form fields, to ``collect_pip_form`` in faithful and in fast mode with that release's
settings; the three outcomes are compared field by field (``records``): status, the server's
message, every task-group column, every task field and the activity log's content lines.
Faithful mode must equal the server everywhere, venv size and file count included (2.14.5;
2.26.0 stores neither). Fast mode must equal it too, except ``venv_size_in_kB`` and
``venv_file_number`` where the release stores them: it knowingly reports those for its own,
smaller venv, and says so in ``warnings``.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_taskcollect import CollectionResult, CollectionSettings, TaskPackageFactory
from pytest_taskcollect.collection import collect_pip_form
from pytest_taskcollect.collection.venv import FAST_VENV_SIZE_WARNING
from pytest_taskcollect.factory.cache import WheelCache

from .cases import PIP_CASES, PipCase, Request, Upload, WheelSources, upload_path
from .conftest import OUR_MODES, RUNNER_RELEASES, OurSettings, unavailable
from .fractal_server import FractalServer, ServerCollection
from .records import (
    Comparable,
    Normaliser,
    differences,
    from_result,
    from_server,
    without_venv_numbers,
)
from .summary import SUMMARY_KEY

pytestmark = pytest.mark.server


@pytest.fixture(scope="session")
def wheel_sources(
    task_wheel_cache: WheelCache, tmp_path_factory: pytest.TempPathFactory, server_find_links: Path
) -> WheelSources:
    """The cases' uploads, and their dependencies in the shared find-links folder."""
    wheelhouse = tmp_path_factory.mktemp("server-uploads")
    return WheelSources(
        TaskPackageFactory(task_wheel_cache, wheelhouse),
        TaskPackageFactory(task_wheel_cache, server_find_links),
    )


@dataclass
class Outcomes:
    """One request's outcome on the server and with each of our modes (result, seconds)."""

    served: ServerCollection
    server_tasks_dir: Path
    ours: dict[str, tuple[CollectionResult, float]]
    our_tasks_dirs: dict[str, Path]


def _collect_ours(
    upload: Upload, request: Request, settings: CollectionSettings
) -> tuple[CollectionResult, float]:
    started = time.monotonic()
    result = collect_pip_form(
        request.fields, wheel=upload.wheel_file(settings.server_version), settings=settings
    )
    return result, time.monotonic() - started


def _collect_everywhere(
    server: FractalServer,
    request: Request,
    sources: WheelSources,
    settings: dict[str, CollectionSettings],
    folder: Path,
) -> Outcomes:
    """Send ``request`` to the server, collect it in each of our modes meanwhile (one thread
    each: the server's collection runs in the background), then wait for the server."""
    upload = sources.upload(request.package, request.filename)
    pending = server.submit_pip(
        wheel=upload_path(folder, upload), filename=upload.filename, **request.fields
    )
    with ThreadPoolExecutor(max_workers=len(settings)) as pool:
        futures = {
            mode: pool.submit(_collect_ours, upload, request, mode_settings)
            for mode, mode_settings in settings.items()
        }
        ours = {mode: future.result() for mode, future in futures.items()}
    dirs = {mode: mode_settings.tasks_dir for mode, mode_settings in settings.items()}
    return Outcomes(pending.wait(), server.tasks_dir, ours, dirs)


def _apply_known(
    case: PipCase, release: str, server: Comparable, ours: Comparable
) -> tuple[Comparable, Comparable]:
    """Check ``case.known`` on both sides; return both with that difference taken out."""
    known = case.known_for(release)
    if known is None:
        return server, ours
    assert server.message is not None, f"{known.reason}: the server has no message"
    assert ours.message is not None, f"{known.reason}: ours has no message"
    if known.appended is not None:
        assert ours.message.endswith(known.appended), known.reason
        message = ours.message[: -len(known.appended)].rstrip("\n")
        log = "\n".join(ours.log).replace(known.appended, "").split("\n")
        return server, dataclasses.replace(ours, message=message, log=log)
    if known.masks:
        for mask in known.masks:
            assert re.search(mask, server.message), f"{known.reason}: {mask!r} not found"
        return _masked(server, known.masks), _masked(ours, known.masks)
    assert re.fullmatch(known.server or "", server.message, re.DOTALL), server.message
    assert re.fullmatch(known.ours or "", ours.message, re.DOTALL), ours.message
    return server, dataclasses.replace(ours, message=server.message)


def _masked(side: Comparable, masks: tuple[str, ...]) -> Comparable:
    def mask(text: str) -> str:
        for pattern in masks:
            text = re.sub(pattern, "<known>", text)
        return text

    log = mask("\n".join(side.log)).split("\n")
    return dataclasses.replace(side, message=mask(side.message or ""), log=log)


def _unexpected_warnings(
    expected: tuple[str, ...], release: str, result: CollectionResult, mode: str
) -> str:
    """Why ``result.warnings`` is not what is ``expected`` (texts each found in one warning,
    besides fast mode's note on its venv), or ``""``."""
    others = [text for text in result.warnings if text != FAST_VENV_SIZE_WARNING]
    missing = [text for text in expected if not any(text in warning for warning in others)]
    unexpected = [warning for warning in others if not any(text in warning for text in expected)]
    venv_numbers = FAST_VENV_SIZE_WARNING in result.warnings
    stores_venv_size = (
        result.task_group is not None and "venv_size_in_kB" in type(result.task_group).model_fields
    )
    problems = []
    if missing or unexpected:
        problems.append(f"warnings: missing {missing}, unexpected {unexpected}")
    if venv_numbers and mode != "fast":
        problems.append("only fast mode has another venv")
    if mode == "fast" and result.ok and stores_venv_size and not venv_numbers:
        problems.append("fast mode must say its venv numbers are its own")
    if venv_numbers and not stores_venv_size and result.ok:
        problems.append(f"{release} stores no venv size, yet fast mode warns about it")
    return "; ".join(problems)


@pytest.mark.parametrize(
    ("server_version", "case"),
    [param for case in PIP_CASES for param in case.params(RUNNER_RELEASES)],
)
def test_collect_pip_stores_what_the_server_stores(
    case: PipCase,
    fractal_server: FractalServer,
    our_settings: OurSettings,
    wheel_sources: WheelSources,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    release = fractal_server.version
    if case.python not in fractal_server.interpreters and case.python in (
        fractal_server.release.task_python_versions
    ):
        unavailable(f"Python {case.python} is not installed here")
    report: list[str] = []
    group_id = 1
    if case.before is not None:
        settings = {mode: our_settings(mode) for mode in OUR_MODES}
        first = _collect_everywhere(
            fractal_server, case.before, wheel_sources, settings, tmp_path / "before"
        )
        report += [f"first request: {line}" for line in _compare(case, release, first)]
        # The server's next group id: one more after a group row it created (kept or deleted).
        group_id += int(first.served.accepted)
        for mode in OUR_MODES:  # our second collection goes to the same tasks folder
            assert our_settings(mode, group_id).tasks_dir == settings[mode].tasks_dir

    settings = {mode: our_settings(mode, group_id) for mode in OUR_MODES}
    outcomes = _collect_everywhere(
        fractal_server, case.request, wheel_sources, settings, tmp_path / "upload"
    )
    report += _compare(case, release, outcomes, known=True)
    server_side = from_server(outcomes.served, Normaliser(str(outcomes.server_tasks_dir)))
    _record(record_property, case, release, server_side, outcomes.served.seconds, outcomes.ours)
    assert not report, "\n".join(report)


def _compare(case: PipCase, release: str, outcomes: Outcomes, *, known: bool = False) -> list[str]:
    """Every difference between the server's outcome and each of ours (``known``: for the
    case's request, whose known difference is taken out first and whose warnings are
    expected; else for its ``before`` request)."""
    server_side = from_server(outcomes.served, Normaliser(str(outcomes.server_tasks_dir)))
    report = []
    for mode, (result, _) in outcomes.ours.items():
        our_side = from_result(result, Normaliser(str(outcomes.our_tasks_dirs[mode])))
        compared = server_side
        expected = case.warnings.get(release, ()) if known else ()
        problem = _unexpected_warnings(expected, release, result, mode)
        if problem:
            report.append(f"{mode}: {problem}: {result.warnings}")
        if FAST_VENV_SIZE_WARNING in result.warnings:
            compared, our_side = without_venv_numbers(server_side), without_venv_numbers(our_side)
        if known:
            compared, our_side = _apply_known(case, release, compared, our_side)
        report += [f"{mode}: {line}" for line in differences(compared, our_side)]
    return report


def _record(
    record_property: Callable[[str, object], None],
    case: PipCase,
    release: str,
    server_side: Comparable,
    server_seconds: float,
    ours: dict[str, tuple[CollectionResult, float]],
) -> None:
    group = server_side.task_group or {}
    venv = "-"
    if group.get("venv_size_in_kB") is not None:
        fast_group = ours["fast"][0].task_group
        fast = (
            f" (fast {fast_group.venv_size_in_kB}/{fast_group.venv_file_number})"
            if fast_group is not None and ours["fast"][0].ok
            else ""
        )
        venv = f"{group['venv_size_in_kB']}/{group['venv_file_number']}{fast}"
    record_property(
        SUMMARY_KEY,
        {
            "case": f"{release} pip {case.id}",
            "status": server_side.status,
            "server_s": server_seconds,
            "faithful_s": ours["faithful"][1],
            "fast_s": ours["fast"][1],
            "venv": venv,
        },
    )
