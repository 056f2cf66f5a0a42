"""Where fractal-server's bash scripts behave differently from this runner (every release).

We pass every value to subprocesses as a separate argument, so paths with spaces or quotes work
here. The server does not: it runs ``shlex.split(f"bash {script_path}")`` and its templates
assign values to **unquoted** shell variables (``PACKAGE_ENV_DIR=<venv path>``,
``PYTHON=<interpreter>``, ``INSTALL_STRING=<wheel path>[extras]``, ...), so such values break the
server's collection. ``server_failure_warnings`` lists those cases; the collection itself goes on.
"""

from __future__ import annotations

import re

__all__ = ["TWO_PINS_EXPLANATION", "server_failure_warnings", "two_pins_explanation"]


def two_pins_explanation(release: str) -> str:
    """Appended to the error of a collection that fails because of two or more pins (2.14.5
    to 2.14.10)."""
    return (
        f"Note (pytest-taskcollect): this is a fractal-server {release} bug, fixed in "
        "2.14.11. Its 2_pip_install.sh passes all pinned versions to pip as ONE quoted "
        'argument (pip install "$PINNED_PACKAGE_LIST"), so with two or more pins pip sees a '
        "single invalid requirement such as 'a==1 b==2' and the collection fails. With "
        f"{release}, pin at most one package per collection."
    )


TWO_PINS_EXPLANATION = two_pins_explanation("2.14.5")
"""``two_pins_explanation`` for 2.14.5."""

# Characters that end or alter an unquoted bash assignment or an shlex-split word.
_SHELL_BREAKING = re.compile(r"""[\s'"\\$`;&|()<>]""")


def _breaks(value: str) -> list[str]:
    return sorted({repr(char) for char in _SHELL_BREAKING.findall(value)})


def server_failure_warnings(
    *,
    path: str,
    venv_path: str,
    interpreter: str,
    install_string: str,
    pip_cache_dir: str | None,
    release: str = "2.14.5",
) -> list[str]:
    """Messages for each value the scripts of fractal-server ``release`` would mishandle."""
    warnings = []
    if found := _breaks(path):
        warnings.append(
            f"fractal-server {release} would fail here: the task-group path {path!r} contains "
            f"{', '.join(found)}. The server runs `bash <path>/scripts/<script>.sh` through "
            "shlex.split and assigns the venv path to an unquoted shell variable "
            "(PACKAGE_ENV_DIR=...), so the script path and the venv path break apart."
        )
    elif found := _breaks(venv_path):
        warnings.append(
            f"fractal-server {release} would fail here: the venv path {venv_path!r} contains "
            f"{', '.join(found)}, and its scripts assign it to an unquoted shell variable."
        )
    if found := _breaks(interpreter):
        warnings.append(
            f"fractal-server {release} would fail here: the Python interpreter path "
            f"{interpreter!r} contains {', '.join(found)}, and 1_create_venv.sh assigns it to "
            "an unquoted shell variable (PYTHON=...)."
        )
    if found := _breaks(install_string):
        warnings.append(
            f"fractal-server {release} would fail here: the pip install string "
            f"{install_string!r} contains {', '.join(found)}, and 2_pip_install.sh assigns it "
            "to an unquoted shell variable (INSTALL_STRING=...), so bash splits or rejects it."
        )
    if pip_cache_dir is not None and (found := _breaks(pip_cache_dir)):
        warnings.append(
            f"fractal-server {release} would fail here: the pip cache dir {pip_cache_dir!r} "
            f"contains {', '.join(found)}, and the scripts expand '--cache-dir <dir>' unquoted."
        )
    return warnings
