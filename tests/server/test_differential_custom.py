"""``collect_custom`` against a real, running fractal-server: the same request, the same record.

The custom endpoint installs nothing and answers synchronously (201 with the tasks, or a 422),
and keeps no activity log; so status, message, the task-group row and the task rows are
compared. Both sides use one environment with the mock package installed.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from pytest_taskcollect import (
    BuiltWheel,
    TaskCollectCustomV2,
    TaskPackageFactory,
    collect_custom,
    get_profile,
)
from pytest_taskcollect.factory.cache import WheelCache

from .conftest import RUNNER_RELEASES, OurSettings
from .fractal_server import FractalServer
from .records import Comparable, Normaliser, differences, from_result, from_server
from .summary import SUMMARY_KEY

pytestmark = [pytest.mark.server, pytest.mark.parametrize("server_version", RUNNER_RELEASES)]


@dataclass(frozen=True)
class CustomEnvironment:
    """A venv with the mock package installed, and the package's manifest."""

    python: Path
    package_root: Path
    manifest: dict[str, Any]


@pytest.fixture(scope="session")
def custom_environment(
    task_wheel_cache: WheelCache,
    server_root: Path,
    server_find_links: Path,
    task_interpreters: dict[str, Path],
) -> CustomEnvironment:
    """``python -m venv`` plus an offline ``pip install`` of the mock wheel."""
    wheelhouse = server_root / "custom-wheels"
    wheelhouse.mkdir(exist_ok=True)
    wheel: BuiltWheel = TaskPackageFactory(task_wheel_cache, wheelhouse)("fractal_tasks_mock")
    venv = server_root / "custom-env"
    base = task_interpreters["3.11"]
    subprocess.run([str(base), "-m", "venv", str(venv)], check=True, capture_output=True)
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--no-index",
            "--find-links",
            str(server_find_links),
            str(wheel.path),
        ],
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": "/dev/null"},
    )
    site = venv / "lib" / "python3.11" / "site-packages"
    return CustomEnvironment(venv / "bin" / "python", site / "fractal_tasks_mock", wheel.manifest)


CUSTOM_CASES = {
    "by-package-name": {"package_name": "fractal-tasks-mock"},
    "by-package-root": {"package_root": "<root>"},
    "package-name-not-installed": {"package_name": "fractal-tasks-not-installed"},
    "package-root-not-a-directory": {"package_root": "<root>/__FRACTAL_MANIFEST__.json"},
    "interpreter-missing": {"package_name": "fractal-tasks-mock", "python_interpreter": "/no/py"},
    # optional in 2.14.5, required from 2.23.1
    "version-missing": {"package_name": "fractal-tasks-mock", "version": None},
}


def _request(payload: dict[str, Any], release: str) -> BaseModel:
    """The JSON body as a request model: the release's, or, when that refuses it, 2.14.5's
    (``collect_custom`` converts it and validates it as the release does: its 422)."""
    try:
        return get_profile(release).schemas.custom_request.model_validate(payload)
    except ValidationError:
        return TaskCollectCustomV2.model_validate(payload)


def _without_input_echo(side: Comparable) -> Comparable:
    """A FastAPI 422 list without each error's ``input``. Known difference: the server echoes
    the JSON body as the client sent it; ``collect_custom`` gets a request model, so it
    echoes the model's fields (with their defaults) instead."""
    assert side.message is not None
    errors = json.loads(side.message)
    for error in errors:
        assert "input" in error, error
        error["input"] = "<the request>"
    return replace(side, message=json.dumps(errors))


@pytest.mark.parametrize("case", list(CUSTOM_CASES))
def test_collect_custom_stores_what_the_server_stores(
    case: str,
    fractal_server: FractalServer,
    our_settings: OurSettings,
    custom_environment: CustomEnvironment,
    record_property: Callable[[str, object], None],
) -> None:
    payload: dict[str, Any] = {
        "manifest": custom_environment.manifest,
        "python_interpreter": str(custom_environment.python),
        "label": f"custom-{case}",
        "version": "0.0.1",
    }
    for key, value in CUSTOM_CASES[case].items():
        if value is None:
            del payload[key]
        else:
            payload[key] = value.replace("<root>", str(custom_environment.package_root))

    served = fractal_server.collect_custom(payload)
    started = time.monotonic()
    request = _request(payload, fractal_server.version)
    result = collect_custom(request, settings=our_settings("faithful"))  # type: ignore[arg-type]
    seconds = time.monotonic() - started

    normaliser = Normaliser(str(fractal_server.tasks_dir))
    server_side = from_server(served, normaliser)
    # The custom endpoint keeps no activity log: ours is not compared.
    our_side = replace(from_result(result, normaliser), log=[])
    record_property(
        SUMMARY_KEY,
        {
            "case": f"{fractal_server.version} custom {case}",
            "status": server_side.status,
            "server_s": served.seconds,
            "faithful_s": seconds,
            "fast_s": 0.0,
            "venv": "-",
        },
    )
    assert result.warnings == []
    if server_side.status == "rejected" and (server_side.message or "").startswith("[{"):
        server_side, our_side = _without_input_echo(server_side), _without_input_echo(our_side)
    found = differences(server_side, our_side)
    assert not found, "\n".join(found)
