"""``collect_pip_form``: a pip collection from the raw form fields a client sends.

The pip endpoint is a multipart form: FastAPI reads the fields the release declares and drops
the others without a word. ``collect_pip_form`` reads the fields the same way
(``request_models.pip_request_from_form``): a pin field of another release is ignored with a
warning in the result (fractal-client#873: ``pinned_package_versions`` sent to 2.16.0+ installs
no pins and raises no error), and a value the form refuses fails at stage ``"request"`` with the
release's 422 detail. This is what the plugin's ``collect_pip(**fields)`` fixture and
``taskcollect pip`` use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ..schemas import TaskGroupActivityStatusV2
from ..schemas.task_collection import PipRequestBase, UploadedFileBase
from .pip_path import collect_pip
from .request_models import FormRejected, pip_request_from_form
from .result import CollectionResult
from .settings import CollectionSettings

__all__ = ["collect_pip_form"]


def collect_pip_form(
    fields: Mapping[str, Any],
    *,
    wheel: UploadedFileBase | os.PathLike[str] | str | None = None,
    settings: CollectionSettings,
) -> CollectionResult:
    """Collect from form ``fields`` (``package``, ``package_version``, ``package_extras``,
    ``python_version`` and the release's pin fields, as dicts or JSON text), as the pip
    endpoint of ``settings.server_version`` reads them. ``TypeError`` for a field that is no
    pin field and not one of the release's (most likely a typo)."""
    started = datetime.now(timezone.utc)
    try:
        request, warnings = pip_request_from_form(fields, settings.profile)
    except FormRejected as error:
        return CollectionResult(
            status=TaskGroupActivityStatusV2.FAILED,
            server_version=settings.server_version,
            stage="request",
            error=str(error),
            timestamp_started=started,
            timestamp_ended=datetime.now(timezone.utc),
        )
    assert isinstance(request, PipRequestBase)
    result = collect_pip(request, wheel=wheel, settings=settings)
    if not warnings:
        return result
    return result.model_copy(update={"warnings": [*warnings, *result.warnings]})
