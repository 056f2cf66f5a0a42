"""Requests for the emulated release: its own models, other releases' models, raw form fields.

Each release has its own request models (``profile.schemas.pip_request`` is ``TaskCollectPipV2``
for 2.14.5, ``TaskCollectPip`` with ``_pre``/``_post`` pins for 2.26.0...). The runners take:

* the release's own model, as is;
* another release's model, converted only where the meaning is identical: every field it sets
  must exist in the release's model (a 2.14.5 ``pinned_package_versions`` has no 2.26.0
  counterpart: ``RequestModelError`` names the release and the model to use); the values are
  then validated by the release's model, so a value that release refuses fails as that
  release's 422 would (``"Invalid request-body\\n..."``);
* raw form fields (``pip_request_from_form``), read as the release's form endpoint reads them:
  pin dicts or their JSON text, and a known pin field of another release **ignored with a
  warning**, since FastAPI reads only the declared form fields: a client still sending
  ``pinned_package_versions`` to 2.16.0+ gets no pins and no error (fractal-client#873). Any
  other unknown field is an error (most likely a typo).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..profiles import RELEASES, ServerProfile, get_profile
from ..profiles.switches import PythonVersionFormField

__all__ = [
    "FormRejected",
    "IgnoredFormFieldWarning",
    "RequestModelError",
    "for_release",
    "model_releases",
    "pip_request_from_form",
]

M = TypeVar("M", bound=BaseModel)

_PIN_FIELDS = (
    "pinned_package_versions",
    "pinned_package_versions_pre",
    "pinned_package_versions_post",
)


class RequestModelError(TypeError):
    """A request model of another release with a field the emulated release does not have."""


class IgnoredFormFieldWarning(UserWarning):
    """A form field the emulated release does not declare, so its endpoint ignores it."""


class FormRejected(ValueError):
    """The form endpoint's 422 detail for these fields (a string, or FastAPI's JSON list)."""


@cache
def model_releases(model: type[BaseModel]) -> str:
    """The releases whose schemas use ``model`` (``"2.14.5 to 2.15.9"``), or ``""``."""
    users = [
        release
        for release in RELEASES
        if model
        in (get_profile(release).schemas.pip_request, get_profile(release).schemas.custom_request)
    ]
    if not users:
        return ""
    return users[0] if len(users) == 1 else f"{users[0]} to {users[-1]}"


def _model_name(model: type[BaseModel]) -> str:
    releases = model_releases(model)
    return f"{model.__name__} (fractal-server {releases})" if releases else model.__name__


def for_release(request: BaseModel, target: type[M], profile: ServerProfile) -> M:
    """``request`` as an instance of ``target``, the release's model (see the module docstring).

    Raises ``RequestModelError`` for a field ``target`` lacks and ``ValidationError`` when the
    release refuses a value.
    """
    if isinstance(request, target):
        return request
    names = {
        name
        for name in type(request).model_fields
        if name in request.model_fields_set or getattr(request, name) is not None
    }
    given = request.model_dump(include=names)  # nested models (the manifest) as data
    missing = [name for name in given if name not in target.model_fields]
    if missing:
        hint = ""
        if "pinned_package_versions" in missing and "pinned_package_versions_post" in (
            target.model_fields
        ):
            hint = (
                " (pinned_package_versions_post installs after the package, as "
                "pinned_package_versions did; pinned_package_versions_pre before it)"
            )
        raise RequestModelError(
            f"{_model_name(type(request))} sets {', '.join(missing)}, which fractal-server "
            f"{profile.version}'s {target.__name__} does not have: build the request with "
            f"get_profile({profile.version!r}).schemas.{target.__name__}{hint}."
        )
    return target.model_validate(given)


def _pins_value(name: str, value: Any) -> Any:
    """A pin form field: a dict, or its JSON text (as a client sends it)."""
    if isinstance(value, str):
        try:
            return json.loads(value) if value else None
        except json.JSONDecodeError as error:
            raise FormRejected(f"Invalid request-body\n{error}") from None
    return value


def pip_request_from_form(
    fields: Mapping[str, Any], profile: ServerProfile
) -> tuple[BaseModel, list[str]]:
    """The release's pip request from raw form fields, and the warnings for fields the form
    endpoint ignores. Raises ``FormRejected`` with the endpoint's 422 detail, ``TypeError``
    for a field no release has."""
    model = profile.schemas.pip_request
    declared = set(model.model_fields)
    warnings = []
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name in declared:
            values[name] = _pins_value(name, value) if name in _PIN_FIELDS else value
        elif name in _PIN_FIELDS:
            use = [pin for pin in _PIN_FIELDS if pin in declared]
            warnings.append(
                f"fractal-server {profile.version} has no form field {name}: its endpoint "
                "reads only the fields it declares, so it silently ignores this one and "
                f"installs none of these pins, without an error (fractal-client#873). Send "
                f"{' or '.join(use)} instead."
            )
        else:
            raise TypeError(
                f"{name!r} is not a form field of fractal-server {profile.version}'s pip "
                f"endpoint; its fields are: {', '.join(sorted(declared))}."
            )
    python_version = values.get("python_version")
    if (
        python_version is not None
        and profile.python_version_form_field is PythonVersionFormField.TYPED_LITERAL
        and python_version not in profile.python_versions
    ):
        allowed = ", ".join(f"'{version}'" for version in profile.python_versions[:-1])
        expected = f"{allowed} or '{profile.python_versions[-1]}'"
        detail = [
            {
                "type": "literal_error",
                "loc": ["body", "python_version"],
                "msg": f"Input should be {expected}",
                "input": python_version,
                "ctx": {"expected": expected},
            }
        ]
        raise FormRejected(json.dumps(detail))
    try:
        return model.model_validate(values), warnings
    except ValidationError as error:
        raise FormRejected(f"Invalid request-body\n{error}") from None
