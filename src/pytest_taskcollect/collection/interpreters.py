"""What we need to know about a base interpreter, asked once per process and path.

One short ``python -I -S -c ...`` run reports the interpreter's version, its bytecode magic number,
the wheels its ``ensurepip`` bundles (what ``python -m venv`` would install, and the offline
source of a pip that satisfies the server's ``pip<=24.0``), its environment-marker values and
whether its standard-library folders hold any distribution metadata.
"""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

__all__ = ["InterpreterInfo", "probe_interpreter"]

_PROBE = r"""
import importlib.util, json, os, platform, sys, sysconfig
wheels = []
try:
    import ensurepip
    folders = [os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")]
    folders.append(getattr(ensurepip, "_WHEEL_PKG_DIR", None) or "")
    for folder in folders:
        if folder and os.path.isdir(folder):
            wheels += [os.path.join(folder, f) for f in sorted(os.listdir(folder))
                       if f.endswith(".whl")]
except ImportError:
    pass
impl = sys.implementation
iver = "{0.major}.{0.minor}.{0.micro}".format(impl.version)
if impl.version.releaselevel != "final":
    iver += impl.version.releaselevel[0] + str(impl.version.serial)
markers = {
    "implementation_name": impl.name,
    "implementation_version": iver,
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
paths = sysconfig.get_paths()
stdlib_dists = False
for key in ("stdlib", "platstdlib"):
    folder = paths.get(key)
    for sub in (folder, os.path.join(folder or "", "lib-dynload")):
        if sub and os.path.isdir(sub):
            stdlib_dists = stdlib_dists or any(
                n.endswith((".dist-info", ".egg-info")) for n in os.listdir(sub))
print(json.dumps({
    "version": list(sys.version_info[:3]),
    "cache_tag": impl.cache_tag,
    "magic": importlib.util.MAGIC_NUMBER.hex(),
    "wheels": wheels,
    "markers": markers,
    "stdlib_dists": stdlib_dists,
}))
"""


@dataclass(frozen=True)
class InterpreterInfo:
    """Facts about one base interpreter (see the module docstring)."""

    path: str
    version: tuple[int, int, int]
    cache_tag: str
    magic: str
    bundled_wheels: tuple[str, ...]
    marker_environment: dict[str, str]
    stdlib_has_distributions: bool

    @property
    def major_minor(self) -> str:
        """``"X.Y"``."""
        return f"{self.version[0]}.{self.version[1]}"

    def bundled(self, project: str) -> tuple[str, Path] | None:
        """``(version, wheel path)`` of the wheel ``ensurepip`` bundles for ``project``."""
        for wheel in self.bundled_wheels:
            try:
                name, version, _, _ = parse_wheel_filename(Path(wheel).name)
            except InvalidWheelFilename:
                continue
            if name == project:
                return str(version), Path(wheel)
        return None


_cache: dict[str, InterpreterInfo] = {}
_lock = threading.Lock()


def probe_interpreter(path: str | Path) -> InterpreterInfo:
    """Describe the interpreter at ``path`` (cached per path for the process).

    Raises ``RuntimeError`` with the interpreter's own error when it cannot run.
    """
    key = str(path)
    with _lock:
        if key in _cache:
            return _cache[key]
    try:
        proc = subprocess.run(
            [key, "-I", "-S", "-c", _PROBE],
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RuntimeError(f"Cannot run the Python interpreter {key}: {error}") from error
    if proc.returncode != 0:
        raise RuntimeError(
            f"Cannot run the Python interpreter {key} (returncode={proc.returncode}):\n"
            f"{proc.stderr}"
        )
    data = json.loads(proc.stdout)
    info = InterpreterInfo(
        path=key,
        version=(data["version"][0], data["version"][1], data["version"][2]),
        cache_tag=data["cache_tag"],
        magic=data["magic"],
        bundled_wheels=tuple(data["wheels"]),
        marker_environment=dict(data["markers"]),
        stdlib_has_distributions=bool(data["stdlib_dists"]),
    )
    with _lock:
        _cache[key] = info
    return info
