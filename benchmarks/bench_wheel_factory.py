"""Benchmark of the task-package wheel factory (issue 3); prints ratios measured in one run.

* **cold build**: the mock preset (``fractal_tasks_mock_spec()``) built on a cache miss, in a
  warm interpreter (write the project, PEP 517 build through ``build.ProjectBuilder`` with the
  in-process flit_core runner, publish the cache entry). Also reported: the first build in a
  fresh interpreter, imports included.
* **baseline**: ``python -m build --wheel`` (isolated: a temporary venv, flit_core installed
  from the package index) on the same source tree, written by ``write_task_project``.
* **subprocess hook**: ``build.ProjectBuilder`` without isolation but with its default runner,
  which starts an interpreter per hook call (why the factory runs the hook in-process).
* **cache hit**: ``WheelCache.get`` of an existing entry, and the ``task_package`` factory
  call by preset name (which also links the wheel into the wheelhouse).

Targets: cold build <= 0.1x the isolated build; cache hit <= 5 ms.

Run: ``python benchmarks/bench_wheel_factory.py [--isolated-runs N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import build

from pytest_taskcollect import (
    TaskPackageFactory,
    WheelCache,
    fractal_tasks_mock_spec,
    write_task_project,
)

FIRST_BUILD = """
import sys, tempfile, time
start = time.perf_counter()
from pytest_taskcollect import WheelCache, fractal_tasks_mock_spec
WheelCache(tempfile.mkdtemp()).get(fractal_tasks_mock_spec())
print((time.perf_counter() - start) * 1000)
"""


def timed(function: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock milliseconds of ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    median, low, high = statistics.median(times), min(times), max(times)
    return f"median {median:8.2f} ms  (min {low:.2f}, max {high:.2f}, n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--isolated-runs", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, default=15)
    parser.add_argument("--hit-runs", type=int, default=500)
    options = parser.parse_args()
    spec = fractal_tasks_mock_spec()

    with tempfile.TemporaryDirectory(prefix="bench-wheel-factory-") as tmp:
        work = Path(tmp)
        project = write_task_project(spec, work / "project")
        isolated_out = work / "isolated"

        def isolated_build() -> None:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "build",
                    "--wheel",
                    "--outdir",
                    str(isolated_out),
                    str(project),
                ],
                check=True,
                capture_output=True,
            )

        isolated_build()  # warm-up (pip cache, page cache)
        isolated = timed(isolated_build, options.isolated_runs)

        subprocess_hook = timed(
            lambda: build.ProjectBuilder(project).build("wheel", work / "subprocess-hook"),
            options.cold_runs,
        )

        WheelCache(work / "warmup").get(spec)  # imports and first-call costs out of the way
        roots = iter(range(options.cold_runs))
        cold = timed(lambda: WheelCache(work / f"cold-{next(roots)}").get(spec), options.cold_runs)

        first = [
            float(
                subprocess.run(
                    [sys.executable, "-c", FIRST_BUILD], check=True, capture_output=True, text=True
                ).stdout
            )
            for _ in range(3)
        ]

        cache = WheelCache(work / "hits")
        with zipfile.ZipFile(cache.get(spec).path) as wheel:
            files = len(wheel.namelist())
        hits = timed(lambda: cache.get(spec), options.hit_runs)
        wheelhouse = work / "wheelhouse"
        wheelhouse.mkdir()
        factory = TaskPackageFactory(cache, wheelhouse)
        factory("fractal_tasks_mock")
        factory_hits = timed(lambda: factory("fractal_tasks_mock"), options.hit_runs)

    baseline = statistics.median(isolated)
    print(f"Wheel factory: mock preset ({len(spec.tasks)} tasks, {files} files in its wheel)")
    print(f"  isolated python -m build --wheel : {summary(isolated)}")
    print(f"  ProjectBuilder, hook in a process: {summary(subprocess_hook)}")
    print(f"  cold build (cache miss)          : {summary(cold)}")
    print(f"  first build in a new interpreter : {summary(first)}")
    print(f"  cache hit, WheelCache.get        : {summary(hits)}")
    print(f"  cache hit, task_package(name)    : {summary(factory_hits)}")
    print("Ratios (same run):")
    cold_ratio = statistics.median(cold) / baseline
    first_ratio = statistics.median(first) / baseline
    print(f"  cold build / isolated build          = {cold_ratio:.3f}  (target <= 0.1)")
    print(f"  first build incl. imports / isolated = {first_ratio:.3f}")
    hook_ratio = statistics.median(subprocess_hook) / baseline
    print(f"  (no isolation, subprocess hook) / isolated = {hook_ratio:.3f}")
    print(
        f"  cache hit / isolated build           = {statistics.median(factory_hits) / baseline:.5f}"
    )
    hit = statistics.median(factory_hits)
    print(f"  cache hit (task_package) median      = {hit:.3f} ms  (target <= 5 ms)")


if __name__ == "__main__":
    main()
