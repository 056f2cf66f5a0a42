"""Benchmark of the pip collection runner (issue 4); prints ratios measured in one run.

* **server sequence** (the baseline): fractal-server 2.14.5's own commands on the mock preset's
  wheel, run here as its scripts run them, offline (no pip configuration, ``--no-index``):
  ``python -m venv --copies``, ``pip install "pip<=24.0" --upgrade`` (with the interpreter's
  bundled pip wheel as its only source: "Requirement already satisfied", where the server
  would also download pip 24.0), ``pip install setuptools``, ``pip install
  <wheel>``, ``pip freeze --all``, four ``pip show`` (the brief's count; the script runs five),
  ``du -sk`` and ``find -type f``.
* **cold collection**: ``collect_pip`` of that wheel (fast mode), the venv cache cleared
  before each run (the interpreter probe, once per process and about 50 ms, is warm).
* **second collection**: ``collect_pip`` of the same wheel into another tasks dir, the venv
  of an earlier collection being reused (copied and relocated).
* **faithful collection**: ``collect_pip`` in faithful mode, for reference.
* **cold collection, 2.26.0**: the cold collection under ``server_version="2.26.0"``, for
  reference: no pip cap, so its install step really runs ``pip install pip setuptools
  --upgrade`` (offline it installs virtualenv's newer setuptools), one ``pip show``, no venv-size
  step.

Targets: cold <= 0.15x the server sequence; second <= 0.05x. virtualenv's app-data image is
warmed first (once per machine in real life: about 3 s the very first time).

Run: ``python benchmarks/bench_collect_pip.py [--runs N] [--server-runs N]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pytest_taskcollect import build_task_wheel, fractal_tasks_mock_spec
from pytest_taskcollect.collection import CollectionSettings, collect_pip, venv_cache
from pytest_taskcollect.collection.interpreters import probe_interpreter
from pytest_taskcollect.collection.scripts import pip_environment
from pytest_taskcollect.collection.settings import running_interpreter, running_python_version
from pytest_taskcollect.collection.venv import create_venv
from pytest_taskcollect.schemas import TaskCollectPipV2


def summary(times: list[float]) -> str:
    """``median (min-max, n runs)`` in milliseconds."""
    return (
        f"{statistics.median(times):8.0f} ms  (min {min(times):.0f}, max {max(times):.0f}, "
        f"{len(times)} runs)"
    )


def server_sequence(python: Path, wheel: Path, base: Path) -> float:
    """The server's command sequence on ``wheel``; wall-clock milliseconds."""
    env = pip_environment()
    info = probe_interpreter(python)
    bundled_pip = info.bundled("pip")
    links = ["--find-links", str(bundled_pip[1])] if bundled_pip else []
    group = base / "server"
    shutil.rmtree(group, ignore_errors=True)
    group.mkdir(parents=True)
    upload = group / wheel.name
    shutil.copyfile(wheel, upload)
    venv = group / "venv"
    vpython = str(venv / "bin" / "python")
    pip_install = [vpython, "-m", "pip", "install", "--no-cache-dir", "--no-index", *links]
    pip_show = [vpython, "-m", "pip", "show", "fractal-tasks-mock"]
    commands = [
        [str(python), "-m", "venv", str(venv), "--copies"],
        [*pip_install, "pip<=24.0", "--upgrade"],
        [*pip_install, "setuptools"],
        [*pip_install, str(upload)],
        [vpython, "-m", "pip", "freeze", "--all"],
        pip_show,
        pip_show,
        pip_show,
        [*pip_show, "--files"],
        ["du", "-sk", str(venv)],
        ["find", str(venv), "-type", "f"],
    ]
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, env=env, cwd=group, check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def timed_collection(settings: CollectionSettings, wheel: Path) -> float:
    """One ``collect_pip`` (which must succeed) into a fresh tasks dir; milliseconds."""
    shutil.rmtree(settings.tasks_dir, ignore_errors=True)
    start = time.perf_counter()
    collect_pip(TaskCollectPipV2(), wheel=wheel, settings=settings).raise_for_status()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per collection kind")
    parser.add_argument("--server-runs", type=int, default=3, help="runs of the server sequence")
    args = parser.parse_args()

    python = running_interpreter()
    base = Path(tempfile.mkdtemp(prefix="bench-collect-", dir="/tmp"))
    try:
        wheel = build_task_wheel(fractal_tasks_mock_spec(), base / "dist").path
        create_venv(str(base / "warm-app-data"), probe_interpreter(python), pip_environment())

        def settings(name: str, **fields: object) -> CollectionSettings:
            return CollectionSettings(
                tasks_dir=base / name,
                python_interpreters={running_python_version(): python},
                **fields,  # type: ignore[arg-type]
            )

        def cold() -> float:
            venv_cache.clear()
            return timed_collection(settings("cold"), wheel)

        def second() -> float:
            return timed_collection(settings("second"), wheel)

        def cold_latest() -> float:
            venv_cache.clear()
            return timed_collection(settings("latest", server_version="2.26.0"), wheel)

        runs: dict[str, Callable[[], float]] = {
            "cold": cold,
            "cold_latest": cold_latest,
            "second": second,
            "faithful": lambda: timed_collection(
                settings("faithful", mode="faithful", reuse_venvs=False), wheel
            ),
        }
        times = {name: [run() for _ in range(args.runs)] for name, run in runs.items()}
        server = [server_sequence(python, wheel, base) for _ in range(args.server_runs)]
    finally:
        shutil.rmtree(base, ignore_errors=True)

    baseline = statistics.median(server)
    print(f"Python {sys.version.split()[0]}, interpreter for the venvs: {python}")
    print(f"server sequence (baseline)        {summary(server)}")
    for name, label in (
        ("cold", "cold collection (fast mode)"),
        ("second", "second collection, same wheel"),
        ("faithful", "faithful mode, for reference"),
        ("cold_latest", "cold collection, 2.26.0"),
    ):
        print(f"{label:<33} {summary(times[name])}")
    cold_ratio = statistics.median(times["cold"]) / baseline
    second_ratio = statistics.median(times["second"]) / baseline
    print(f"ratio cold / server:   {cold_ratio:.3f}  (target <= 0.15)")
    print(f"ratio second / server: {second_ratio:.3f}  (target <= 0.05)")
    print(f"ratio faithful / server: {statistics.median(times['faithful']) / baseline:.3f}")


if __name__ == "__main__":
    main()
