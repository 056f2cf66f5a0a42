"""Benchmark of the pip collection runner (issues 4 and 11); prints ratios measured in one run.

Each package in the configuration whose record equals the server's: the pip the release
installs is offered offline (fractal-server 2.14.5 ends with ``pip==24.0``; 2.26.0, which has no
pip cap, with the newest pip and setuptools, here the newest ``taskcollect cache fetch-pip``
stored), so every collection ends with the release's pip:

* a three-task wheel (the factory's smallest real package), with a pip 24.0 wheel in find-links,
  under 2.14.5; the same under 2.26.0, with the newest pip and setuptools wheels in find-links;
* the mock preset (``fractal-tasks-mock``, 16 tasks), under 2.14.5 with pip 24.0;
* ``fractal-tasks-core==2.1.0`` by name from a local wheelhouse under 2.14.5 (about a hundred
  wheels, pip 24.0 among them, filled once with ``taskcollect wheelhouse``, which needs the
  package index; skipped, with the reason, when it is neither there nor fillable).

For each:

* **server sequence** (the baseline): that release's own commands, run as its scripts run them,
  offline from the same sources: ``python -m venv --copies``, the pip upgrade (``pip install
  "pip<=24.0" --upgrade`` then ``pip install setuptools`` for 2.14.5, ``pip install pip
  setuptools --upgrade`` for 2.26.0), ``pip install <wheel or name==version>``, ``pip freeze
  --all``, script 4's ``pip show`` calls (five for 2.14.5, two for 2.26.0) and, for 2.14.5,
  ``du -sk`` and ``find -type f``;
* **cold**: ``collect_pip`` (fast mode) with an empty venv store, in this process;
* **cold, uv, empty caches**: the same with ``installer="uv"``, the user cache dir (uv's wheel
  cache, the bytecode cache) a new empty folder each time (skipped, as the next row, when no uv
  executable is found);
* **cold, uv**: the same with uv's wheel cache and the bytecode cache (modules compiled by an
  earlier uv install: ``bytecode_cache``), in the user cache dir, filled by a warm-up run;
* **repeat**: the same inputs again into a new tasks dir, in this process (the stored venv is
  linked and relocated);
* **cross-process repeat**: the same, in a new Python process (as a pytest-xdist worker or the
  next CI run would), timed inside that process around ``collect_pip``.

Targets (issue 11): cold <= 0.15x and repeats <= 0.05x the server sequence. virtualenv's app-data
image of each seeded pip is warmed first (once per machine in real life, about 3 s). The load
average is printed: ratios are measured in one run, but other processes slow both sides.

Run: ``python benchmarks/bench_collect_pip.py [--runs N] [--server-runs N] [--skip-core]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from pytest_taskcollect import (
    TaskPackageSpec,
    TaskSpec,
    build_task_wheel,
    fractal_tasks_mock_spec,
    get_profile,
)
from pytest_taskcollect.collection import CollectionSettings, collect_pip, venv_cache
from pytest_taskcollect.collection.pip_wheels import fetch_pip_wheels, stored_wheels
from pytest_taskcollect.collection.scripts import pip_environment
from pytest_taskcollect.collection.settings import running_interpreter, running_python_version
from pytest_taskcollect.collection.user_cache import (
    ENV_VARIABLE,
    default_cache_dir,
    pip_wheels_dir,
)
from pytest_taskcollect.collection.uv_installer import UV_LOG_WARNING, find_uv
from pytest_taskcollect.collection.venv import FAST_VENV_SIZE_WARNING
from pytest_taskcollect.collection.wheelhouse import fill_wheelhouse
from pytest_taskcollect.profiles.switches import PipShowStyle
from pytest_taskcollect.schemas import TaskCollectPipV2

_CHILD = """
import json, sys, time
from pytest_taskcollect.collection import CollectionSettings, collect_pip
from pytest_taskcollect.schemas import TaskCollectPipV2
settings = CollectionSettings.model_validate_json(sys.argv[1])
request = settings.profile.schemas.pip_request.model_validate_json(sys.argv[2])
wheel = sys.argv[3] or None
start = time.perf_counter()
result = collect_pip(request, wheel=wheel, settings=settings).raise_for_status()
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "reused": "reused the venv" in result.log}))
"""


@dataclass(frozen=True)
class Case:
    """One package: how to collect it, what the server installs and which pip it ends with."""

    label: str
    request: TaskCollectPipV2
    wheel: Path | None
    install: str
    pkg_name: str
    links: list[str]
    server_version: str = "2.14.5"
    pip: str = "24.0"

    def pip_request(self) -> object:
        """The request in the release's model."""
        model = get_profile(self.server_version).schemas.pip_request
        return model(**self.request.model_dump(exclude_unset=True))


def clean(folder: Path) -> None:
    """Remove ``folder`` and let the file system finish with it (untimed): deleting a
    thousand-megabyte venv keeps an ext4 disk busy for seconds after ``rmtree`` returns."""
    shutil.rmtree(folder, ignore_errors=True)
    os.sync()


def summary(times: list[float]) -> str:
    """``median (min-max, n runs)`` in milliseconds."""
    return (
        f"{statistics.median(times):9.0f} ms  (min {min(times):.0f}, max {max(times):.0f}, "
        f"{len(times)} runs)"
    )


def _pypi_reachable() -> bool:
    try:
        with socket.create_connection(("pypi.org", 443), timeout=3):
            return True
    except OSError:
        return False


def server_sequence(python: Path, case: Case, base: Path) -> float:
    """The server's command sequence for ``case``; wall-clock milliseconds."""
    env = pip_environment()
    group = base / "server"
    shutil.rmtree(group, ignore_errors=True)
    group.mkdir(parents=True)
    target = case.install
    if case.wheel is not None:
        target = str(shutil.copyfile(case.wheel, group / case.wheel.name))
    venv = group / "venv"
    vpython = str(venv / "bin" / "python")
    links = [item for link in case.links for item in ("--find-links", link)]
    pip_install = [vpython, "-m", "pip", "install", "--no-cache-dir", "--no-index", *links]
    pip_show = [vpython, "-m", "pip", "show", case.pkg_name]
    profile = get_profile(case.server_version)
    if profile.pip_cap is not None:
        upgrade = [[*pip_install, f"pip<={profile.pip_cap}", "--upgrade"]]
        upgrade.append([*pip_install, "setuptools"])
    else:
        upgrade = [[*pip_install, "pip", "setuptools", "--upgrade"]]
    shows = 1 if profile.pip_show_style is PipShowStyle.ONCE_CAPTURED else 4
    size = [["du", "-sk", str(venv)], ["find", str(venv), "-type", "f"]]
    commands = [
        [str(python), "-m", "venv", str(venv), "--copies"],
        *upgrade,
        [*pip_install, target],
        [vpython, "-m", "pip", "freeze", "--all"],
        *([pip_show] * shows),
        [*pip_show, "--files"],
        *(size if profile.venv_size_step else []),
    ]
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, env=env, cwd=group, check=True, capture_output=True)
    elapsed = (time.perf_counter() - start) * 1000
    clean(group)
    return elapsed


def timed_collection(settings: CollectionSettings, case: Case, *, expect_reuse: bool) -> float:
    """One ``collect_pip`` (which must succeed) into a fresh tasks dir; milliseconds."""
    shutil.rmtree(settings.tasks_dir, ignore_errors=True)
    start = time.perf_counter()
    request = case.pip_request()
    result = collect_pip(request, wheel=case.wheel, settings=settings).raise_for_status()  # type: ignore[arg-type]
    elapsed = (time.perf_counter() - start) * 1000
    assert ("reused the venv" in result.log) == expect_reuse, result.log[-2000:]
    assert result.task_group is not None
    freeze = result.task_group.model_dump().get("pip_freeze") or result.task_group.model_dump().get(
        "env_info"
    )
    assert f"pip=={case.pip}\n" in (freeze or ""), "not the server's pip"
    expected = [FAST_VENV_SIZE_WARNING] if settings.profile.venv_size_step else []
    expected += [UV_LOG_WARNING] if settings.installer == "uv" else []
    assert result.warnings == expected, result.warnings
    clean(settings.tasks_dir)
    return elapsed


def cross_process(settings: CollectionSettings, case: Case) -> float:
    """A repeat in a new process; milliseconds around ``collect_pip`` in that process."""
    shutil.rmtree(settings.tasks_dir, ignore_errors=True)
    wheel = str(case.wheel) if case.wheel is not None else ""
    argv = [sys.executable, "-c", _CHILD, settings.model_dump_json()]
    argv += [case.pip_request().model_dump_json(), wheel]  # type: ignore[attr-defined]
    completed = subprocess.run(argv, capture_output=True, text=True, check=True)
    data = json.loads(completed.stdout.splitlines()[-1])
    assert data["reused"], "the new process did not reuse the stored venv"
    clean(settings.tasks_dir)
    return float(data["seconds"]) * 1000


def measure(case: Case, base: Path, runs: int, server_runs: int) -> None:
    python = running_interpreter()

    def settings(name: str, installer: str = "pip") -> CollectionSettings:
        return CollectionSettings(
            installer=installer,
            tasks_dir=base / name,
            python_interpreters={running_python_version(): python},
            find_links=case.links,
            venv_store=base / "store",
            server_version=case.server_version,
        )

    def cold(installer: str = "pip") -> float:
        venv_cache.clear(base / "store")
        os.sync()
        return timed_collection(settings("cold", installer), case, expect_reuse=False)

    def first_ever_uv() -> float:
        """A cold uv collection with empty user caches (uv's wheels, compiled modules)."""
        saved = os.environ.get(ENV_VARIABLE)
        os.environ[ENV_VARIABLE] = tempfile.mkdtemp(prefix="user-cache-", dir=base)
        try:
            return cold("uv")
        finally:
            shutil.rmtree(os.environ[ENV_VARIABLE], ignore_errors=True)
            if saved is None:
                del os.environ[ENV_VARIABLE]
            else:
                os.environ[ENV_VARIABLE] = saved

    warm_up = cold()  # the seeded pip's app-data image, the wheel digests
    kinds: dict[str, Callable[[], float]] = {}
    uv_warm_up = None
    if find_uv() is not None:
        kinds["cold, uv, empty caches"] = first_ever_uv
        uv_warm_up = cold("uv")  # uv's wheel cache, the compiled modules
        kinds["cold, uv"] = lambda: cold("uv")
    # The repeats reuse the venv stored by the last cold run: pip's (the store keys on it).
    kinds |= {
        "cold": cold,
        "repeat": lambda: timed_collection(settings("repeat"), case, expect_reuse=True),
        "cross-process repeat": lambda: cross_process(settings("process"), case),
    }
    # Each cold run leaves its venv in the store: the repeats reuse the last one.
    times = {name: [run() for _ in range(runs)] for name, run in kinds.items()}
    server = [server_sequence(python, case, base) for _ in range(server_runs)]
    baseline = statistics.median(server)
    print(f"\n{case.label}, fractal-server {case.server_version}, pip {case.pip}")
    print(f"  (first cold run, warming up: {warm_up:.0f} ms)")
    if uv_warm_up is not None:
        print(f"  (first cold run with uv, filling uv's wheel cache: {uv_warm_up:.0f} ms)")
    else:
        print("  (cold, uv: skipped, no uv executable found)")
    print(f"  {'server sequence (baseline)':<28} {summary(server)}")
    for name, values in times.items():
        ratio = statistics.median(values) / baseline
        target = 0.15 if name.startswith("cold") else 0.05
        print(f"  {name:<28} {summary(values)}  ratio {ratio:.3f} (target <= {target})")


def _fetched(prefix: str) -> Path | None:
    """The fetched wheel whose name starts with ``prefix`` (the newest), fetched if needed."""
    for attempt in range(2):
        wheels = [path for path in stored_wheels() if path.name.startswith(prefix)]
        if wheels:
            return max(wheels, key=lambda path: Version(path.name.split("-")[1]))
        if attempt == 0 and _pypi_reachable():
            fetch_pip_wheels()
    return None


def _links_folder(base: Path, name: str, wheels: list[Path | None]) -> Path | None:
    """A find-links folder holding ``wheels`` (``None`` when one is missing)."""
    if any(wheel is None for wheel in wheels):
        return None
    folder = base / name
    folder.mkdir()
    for wheel in wheels:
        assert wheel is not None
        shutil.copy2(wheel, folder)
    return folder


def _core_wheelhouse() -> Path | None:
    name = f"fractal-tasks-core-2.1.0-py{running_python_version()}"
    folder = default_cache_dir() / "wheelhouses" / name
    if any(folder.glob("fractal_tasks_core-2.1.0-*.whl")):
        return folder
    if not _pypi_reachable():
        return None
    fill_wheelhouse("fractal-tasks-core==2.1.0", folder, python_version=running_python_version())
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per kind (small packages)")
    parser.add_argument("--server-runs", type=int, default=3, help="server runs (small packages)")
    parser.add_argument("--core-runs", type=int, default=2, help="runs per kind, tasks-core")
    parser.add_argument("--skip-core", action="store_true", help="skip fractal-tasks-core")
    args = parser.parse_args()

    print(f"Python {sys.version.split()[0]}, venvs for {running_interpreter()}")
    print(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    base = Path(tempfile.mkdtemp(prefix="bench-collect-", dir="/tmp"))
    try:
        three = TaskPackageSpec(
            name="bench-three-tasks",
            version="0.1.0",
            tasks=(TaskSpec("one"), TaskSpec("two", type="parallel"), TaskSpec("three")),
        )
        pip_24 = _links_folder(base, "pip-24", [_fetched("pip-24.0-")])
        newest = [_fetched("pip-"), _fetched("setuptools-")]
        pip_newest = _links_folder(base, "pip-newest", newest)
        if pip_24 is None or pip_newest is None:
            print(f"skipped the wheels: no pip wheels in {pip_wheels_dir()} and no index")
        else:
            newest_pip = (newest[0] or Path("-")).name.split("-")[1]
            cases = [
                ("three-task wheel", three, "2.14.5", pip_24, "24.0"),
                ("three-task wheel", three, "2.26.0", pip_newest, newest_pip),
                ("mock preset", fractal_tasks_mock_spec(), "2.14.5", pip_24, "24.0"),
            ]
            for label, spec, release, links, pip in cases:
                wheel = build_task_wheel(spec, base / "dist" / spec.name).path
                case = Case(
                    label, TaskCollectPipV2(), wheel, "", spec.name, [str(links)], release, pip
                )
                measure(case, base / f"{spec.name}-{release}", args.runs, args.server_runs)
        if args.skip_core:
            print("\nfractal-tasks-core 2.1.0: skipped (--skip-core)")
        elif (wheelhouse := _core_wheelhouse()) is None:
            print("\nfractal-tasks-core 2.1.0: skipped: no local wheelhouse and no package index")
        else:
            request = TaskCollectPipV2(package="fractal-tasks-core", package_version="2.1.0")
            case = Case(
                "fractal-tasks-core 2.1.0 (local wheelhouse)",
                request,
                None,
                "fractal-tasks-core==2.1.0",
                "fractal-tasks-core",
                [str(wheelhouse)],
            )
            measure(case, base / "core", args.core_runs, 1)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"\nload average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
