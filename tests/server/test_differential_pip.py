"""``collect_pip`` against a real, running fractal-server: the same request, the same record.

Each case (``cases.PIP_CASES``) is sent to the server over HTTP and given to ``collect_pip`` in
faithful and in fast mode; the three outcomes are compared field by field (``records``): status,
the server's message, every task-group column, every task field and the activity log's content
lines. Faithful mode must equal the server everywhere, venv size and file count included. Fast
mode must equal it too, except ``venv_size_in_kB`` and ``venv_file_number``, which it knowingly
reports for its own, smaller venv, and says so in ``warnings``.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_taskcollect import CollectionResult, CollectionSettings, TaskPackageFactory, collect_pip
from pytest_taskcollect.collection.venv import FAST_VENV_SIZE_WARNING
from pytest_taskcollect.factory.cache import WheelCache

from .cases import PIP_CASES, PipCase, Request, WheelSources, upload_path
from .conftest import OUR_MODES, RUNNER_RELEASES, unavailable
from .fractal_server import FractalServer, PendingCollection
from .records import (
    Comparable,
    Normaliser,
    differences,
    from_result,
    from_server,
    without_venv_numbers,
)
from .summary import SUMMARY_KEY

pytestmark = [pytest.mark.server, pytest.mark.parametrize("server_version", RUNNER_RELEASES)]


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


def _ours(
    request: Request, sources: WheelSources, settings: CollectionSettings
) -> tuple[CollectionResult, float]:
    upload = sources.upload(request.package, request.filename)
    started = time.monotonic()
    result = collect_pip(request.pip_request(), wheel=upload.wheel_file(), settings=settings)
    return result, time.monotonic() - started


def _send(
    server: FractalServer, request: Request, sources: WheelSources, folder: Path
) -> PendingCollection:
    upload = sources.upload(request.package, request.filename)
    return server.submit_pip(
        wheel=upload_path(folder, upload), filename=upload.filename, **request.fields
    )


def _apply_known(
    case: PipCase, server: Comparable, ours: Comparable
) -> tuple[Comparable, Comparable]:
    """Check ``case.known`` on both sides; return both with that difference taken out."""
    known = case.known
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


@pytest.mark.parametrize("case", [case.param() for case in PIP_CASES])
def test_collect_pip_stores_what_the_server_stores(
    case: PipCase,
    fractal_server: FractalServer,
    our_settings: Callable[[str], CollectionSettings],
    wheel_sources: WheelSources,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    if case.python not in fractal_server.interpreters:
        unavailable(f"Python {case.python} is not installed here")
    if case.before is not None:
        first = _send(fractal_server, case.before, wheel_sources, tmp_path / "before")
        our_first = [_ours(case.before, wheel_sources, our_settings(mode))[0] for mode in OUR_MODES]
        first_status = first.wait().status
        assert [result.status.value for result in our_first] == [first_status] * len(OUR_MODES)

    pending = _send(fractal_server, case.request, wheel_sources, tmp_path / "upload")
    ours = {mode: _ours(case.request, wheel_sources, our_settings(mode)) for mode in OUR_MODES}
    served = pending.wait()

    server_side = from_server(served, Normaliser(str(fractal_server.tasks_dir)))
    report = []
    for mode in OUR_MODES:
        result, _ = ours[mode]
        our_side = from_result(result, Normaliser(str(our_settings(mode).tasks_dir)))
        compared = server_side
        if FAST_VENV_SIZE_WARNING in result.warnings:
            assert mode == "fast", "only fast mode has another venv"
            compared, our_side = without_venv_numbers(server_side), without_venv_numbers(our_side)
        if mode == "fast" and result.task_group is not None:
            assert FAST_VENV_SIZE_WARNING in result.warnings, "fast mode must say it"
        assert result.warnings in ([], [FAST_VENV_SIZE_WARNING]), f"{mode}: {result.warnings}"
        compared, our_side = _apply_known(case, compared, our_side)
        report += [f"{mode}: {line}" for line in differences(compared, our_side)]
    _record(record_property, case, server_side, served.seconds, ours)
    assert not report, "\n".join(report)


def _record(
    record_property: Callable[[str, object], None],
    case: PipCase,
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
            "case": f"pip {case.id}",
            "status": server_side.status,
            "server_s": server_seconds,
            "faithful_s": ours["faithful"][1],
            "fast_s": ours["fast"][1],
            "venv": venv,
        },
    )
