"""Collection runners: fractal-server 2.14.5's pip collection (``collect_pip``) as a library.

Modules: ``settings`` (``CollectionSettings``), ``result`` (``CollectionResult``),
``pip_request`` (the endpoint's rules), ``versions`` (version lookup), ``interpreters`` and
``venv`` (the venv and its seed), ``scripts`` (the bash templates, without bash),
``dist_info`` (pip show/freeze from metadata), ``pip_seed`` (the server's pip upgrade, known in
advance), ``pip_wheels`` (the server's pip, fetched once), ``venv_cache`` (the persistent venv
store), ``user_cache`` (where the persistent cache lives), ``tasks`` (manifest
to ``TaskCreateV2``), ``server_quirks`` (where the server's bash would fail), ``activity_log``,
``progress`` (events for whoever waits on a collection), ``interpreter_discovery`` (a CPython
``X.Y`` through pyenv or ``PATH``), ``wheelhouse`` (the wheels a collection needs, downloaded
once) and ``pip_path`` (``collect_pip`` itself).
"""

from .custom_path import collect_custom
from .pip_path import collect_pip, parse_script_pip_show_stdout
from .result import CollectedTaskGroup, CollectionError, CollectionResult, CollectionStage
from .settings import CollectionMode, CollectionSettings
from .tasks import check_task_files_exist, prepare_tasks_metadata
from .versions import VersionLookupError, resolve_package_version

__all__ = [
    "CollectedTaskGroup",
    "CollectionError",
    "CollectionMode",
    "CollectionResult",
    "CollectionSettings",
    "CollectionStage",
    "VersionLookupError",
    "check_task_files_exist",
    "collect_custom",
    "collect_pip",
    "parse_script_pip_show_stdout",
    "prepare_tasks_metadata",
    "resolve_package_version",
]
