"""Benchmark of ``taskcollect check`` (issue 13), cold and warm; prints ratios from one run.

* **baseline**: what checking the example by hand costs, run here: build its wheel
  (``python -m build --wheel --no-isolation``), fractal-server 2.14.5's command sequence on it
  (``python -m venv --copies``, ``pip install "pip<=24.0" --upgrade``, ``pip install
  setuptools``, ``pip install <wheel>``, ``pip freeze --all``, four ``pip show``, ``du -sk``,
  ``find -type f``; offline, no pip configuration), then each task command with ``--help``,
  one after the other.
* **cold check**: ``taskcollect check examples/fractal-tasks-demo`` (the console script, as a
  user runs it), into a new temporary tasks dir each time.
* **warm check**: the same with ``--tasks-dir D``, ``D`` filled by an earlier check: the second
  run reuses the first one's collection (and venv) and only builds, checks statically, starts
  the tasks and looks at the manifest.
* **real-sized package** (optional): ``examples/fractal-tasks-walkthrough`` with its extra
  (fractal-task-tools, pydantic, numpy, pip 24.0: the server-identical configuration) from a
  local wheelhouse, cold and warm. The wheelhouse is filled once with ``taskcollect wheelhouse``
  (needs the package index; skipped, with the reason, when it is unreachable), or given with
  ``--wheelhouse DIR``.

Run: ``python benchmarks/bench_check.py [--runs N] [--wheelhouse DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_taskcollect.collection.interpreters import probe_interpreter
from pytest_taskcollect.collection.scripts import pip_environment
from pytest_taskcollect.collection.settings import running_interpreter, running_python_version

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fractal-tasks-demo"
WALKTHROUGH = ROOT / "examples" / "fractal-tasks-walkthrough"
TASKCOLLECT = Path(sys.executable).parent / "taskcollect"


def summary(times: list[float]) -> str:
    """``median (min-max, n runs)`` in milliseconds."""
    return (
        f"{statistics.median(times):8.0f} ms  (min {min(times):.0f}, max {max(times):.0f}, "
        f"{len(times)} runs)"
    )


def timed(command: list[str], ok: tuple[int, ...] = (0,)) -> float:
    """Run ``command`` (its exit status must be in ``ok``); wall-clock milliseconds."""
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, check=False)
    if completed.returncode not in ok:
        raise subprocess.CalledProcessError(completed.returncode, command, completed.stdout)
    return (time.perf_counter() - start) * 1000


def by_hand(base: Path) -> float:
    """The baseline on the example (see the module docstring); wall-clock milliseconds."""
    env = pip_environment()
    python = running_interpreter()
    bundled = probe_interpreter(python).bundled("pip")
    links = ["--find-links", str(bundled[1])] if bundled else []
    group = base / "by-hand"
    shutil.rmtree(group, ignore_errors=True)
    group.mkdir(parents=True)
    start = time.perf_counter()
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir"]
    subprocess.run([*build, str(group), str(EXAMPLE)], check=True, capture_output=True)
    wheel = next(group.glob("*.whl"))
    venv = group / "venv"
    vpython = str(venv / "bin" / "python")
    pip_install = [vpython, "-m", "pip", "install", "--no-cache-dir", "--no-index", *links]
    pip_show = [vpython, "-m", "pip", "show", "fractal-tasks-demo"]
    commands = [
        [str(python), "-m", "venv", str(venv), "--copies"],
        [*pip_install, "pip<=24.0", "--upgrade"],
        [*pip_install, "setuptools"],
        [*pip_install, str(wheel)],
        [vpython, "-m", "pip", "freeze", "--all"],
        pip_show,
        pip_show,
        pip_show,
        [*pip_show, "--files"],
        ["du", "-sk", str(venv)],
        ["find", str(venv), "-type", "f"],
    ]
    for command in commands:
        subprocess.run(command, env=env, cwd=group, check=True, capture_output=True)
    manifest = json.loads(
        (EXAMPLE / "src/fractal_tasks_demo/__FRACTAL_MANIFEST__.json").read_text()
    )
    site = venv / "lib" / f"python{running_python_version()}" / "site-packages"
    for task in manifest["task_list"]:
        for kind in ("non_parallel", "parallel"):
            executable = task.get(f"executable_{kind}")
            if executable:
                script = site / "fractal_tasks_demo" / executable
                subprocess.run([vpython, str(script), "--help"], check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def check(project: Path, *args: str | Path) -> list[str]:
    return [str(TASKCOLLECT), "check", str(project), "--no-progress", *map(str, args)]


def cold_and_warm(
    project: Path, base: Path, runs: int, *args: str | Path, ok: tuple[int, ...] = (0,)
) -> tuple[list[float], list[float]]:
    """Cold checks (a new tasks dir each) and warm ones (a tasks dir filled once)."""
    cold = [
        timed(check(project, "--tasks-dir", base / f"cold-{i}", *args), ok) for i in range(runs)
    ]
    timed(check(project, "--tasks-dir", base / "warm", *args), ok)
    warm = [timed(check(project, "--tasks-dir", base / "warm", *args), ok) for _ in range(runs)]
    return cold, warm


def _pypi_reachable() -> bool:
    try:
        with socket.create_connection(("pypi.org", 443), timeout=3):
            return True
    except OSError:
        return False


def real_sized(base: Path, runs: int, wheelhouse: Path | None) -> None:
    """The walk-through package with its extra, from a local wheelhouse, cold and warm."""
    if wheelhouse is None:
        if not _pypi_reachable():
            print("real-sized package: skipped (no --wheelhouse and pypi.org is unreachable)")
            return
        wheelhouse = base / "wheelhouse"
        fill = [str(TASKCOLLECT), "wheelhouse", str(WALKTHROUGH), "--python"]
        fill += [running_python_version(), "--extras", "measure", "--into", str(wheelhouse)]
        timed(fill)
    args = ("--extras", "measure", "--find-links", wheelhouse)
    # Exit status 3 is the walk-through's verdict (its manifest is stale on purpose).
    cold, warm = cold_and_warm(WALKTHROUGH, base / "real", runs, *args, ok=(0, 3))
    shown = shlex.join(["taskcollect", "check", "examples/fractal-tasks-walkthrough"])
    print(f"real-sized: {shown} {shlex.join(map(str, args))}")
    print(f"  cold check  {summary(cold)}")
    print(f"  warm check  {summary(warm)}")
    print(f"  ratio warm / cold: {statistics.median(warm) / statistics.median(cold):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per kind")
    parser.add_argument("--wheelhouse", type=Path, help="a filled wheelhouse for the real package")
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="bench-check-", dir="/tmp"))
    try:
        # virtualenv's app-data image, once per machine in real life.
        timed(check(EXAMPLE))
        baseline = [by_hand(base) for _ in range(max(1, args.runs // 2))]
        cold, warm = cold_and_warm(EXAMPLE, base, args.runs)
        print(f"Python {sys.version.split()[0]}; taskcollect check examples/fractal-tasks-demo")
        print(f"by hand (baseline)   {summary(baseline)}")
        print(f"cold check           {summary(cold)}")
        print(f"warm check (reuse)   {summary(warm)}")
        reference = statistics.median(baseline)
        print(f"ratio cold / by hand: {statistics.median(cold) / reference:.3f}")
        print(f"ratio warm / by hand: {statistics.median(warm) / reference:.3f}")
        print(f"ratio warm / cold:    {statistics.median(warm) / statistics.median(cold):.3f}")
        real_sized(base, args.runs, args.wheelhouse)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
