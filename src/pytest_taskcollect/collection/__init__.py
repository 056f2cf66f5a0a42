"""Collection runners: fractal-server's pip, custom and pixi collection as a library, for the
release chosen in ``CollectionSettings.server_version`` (default 2.14.5).

Modules: ``settings`` (``CollectionSettings``), ``configuration`` (the release's settings
shapes), ``pixi_settings``, ``result`` (``CollectionResult``), ``records`` (the release's
task-group record), ``pip_request`` (the endpoint's rules), ``request_models`` (requests of
other releases, form fields), ``versions`` (version lookup), ``interpreters`` and ``venv`` (the
venv and its seed), ``scripts`` (the bash templates, without bash), ``shell_reading`` and
``install_lines`` (how bash reads the pins, and the hazards), ``dist_info`` (pip show/freeze
from metadata), ``pip_seed`` (the server's pip upgrade, known in advance), ``pip_wheels`` (the
server's pip, fetched once), ``venv_cache`` (the persistent venv store), ``user_cache`` (where
the persistent cache lives), ``tasks`` (manifest to task records),
``server_quirks`` (where the server's bash would fail), ``activity_log``, ``progress`` (events
for whoever waits on a collection), ``interpreter_discovery`` (a CPython ``X.Y`` through pyenv
or ``PATH``), ``wheelhouse`` (the wheels a collection needs, downloaded once), ``interrupts``
and ``leftovers`` (SIGINT/SIGTERM clean-up, folders of killed collections), ``self_contained``
(kept venvs without links into virtualenv's app data), ``pip_path`` (``collect_pip``),
``pip_form`` (``collect_pip_form``), ``custom_path`` (``collect_custom``) and ``pixi_path``
(``collect_pixi``).
"""

from .configuration import ConfigurationError
from .custom_path import collect_custom
from .pip_form import collect_pip_form
from .pip_path import collect_pip, parse_script_pip_show_stdout
from .pixi_path import PixiUnavailableError, collect_pixi
from .request_models import RequestModelError
from .result import (
    CollectedTaskGroup,
    CollectionError,
    CollectionResult,
    CollectionStage,
    TaskGroupRecord,
)
from .self_contained import make_venv_self_contained
from .settings import CollectionMode, CollectionSettings, PixiSettings
from .tasks import check_task_files_exist, prepare_tasks_metadata
from .versions import VersionLookupError, resolve_package_version

__all__ = [
    "CollectedTaskGroup",
    "CollectionError",
    "CollectionMode",
    "CollectionResult",
    "CollectionSettings",
    "CollectionStage",
    "ConfigurationError",
    "PixiSettings",
    "PixiUnavailableError",
    "RequestModelError",
    "TaskGroupRecord",
    "VersionLookupError",
    "check_task_files_exist",
    "collect_custom",
    "collect_pip",
    "collect_pip_form",
    "collect_pixi",
    "make_venv_self_contained",
    "parse_script_pip_show_stdout",
    "prepare_tasks_metadata",
    "resolve_package_version",
]
