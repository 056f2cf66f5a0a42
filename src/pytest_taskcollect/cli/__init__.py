"""The ``taskcollect`` command: ``pip``, ``custom``, ``check`` and ``wheelhouse``.

Modules: ``main`` (argument parsing and dispatch), ``collect`` (``pip`` and ``custom``),
``check`` (build, check, collect, start each task, manifest freshness, smoke runs),
``check_reuse`` (a kept tasks dir reused by the next check), ``wheelhouse``,
``python_option`` (``--python X.Y[=PATH]``), ``explain`` (one sentence for a failure),
``progress_view`` (progress lines), ``table`` (tables that fit the terminal) and ``report``
(human and JSON output, log files, usage errors).
"""

from .main import main

__all__ = ["main"]
