"""The ``taskcollect`` command: ``pip``, ``custom`` and ``check``.

Modules: ``main`` (argument parsing and dispatch), ``collect`` (``pip`` and ``custom``),
``check`` (build, check, collect and smoke-run a project or wheel) and ``report`` (human and
JSON output, log files, usage errors).
"""

from .main import main

__all__ = ["main"]
