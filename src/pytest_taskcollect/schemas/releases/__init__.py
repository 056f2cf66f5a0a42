"""Schema models per fractal-server release, built from the release's schema switches.

``pytest_taskcollect.schemas`` holds 2.14.5's models. Every later release differs from them in
a few switch values (``SchemaSwitches``), and each model family has one builder that takes
just the switches it depends on:

===================================  ===========================================================
builder (module)                     switches, and the release where each value starts
===================================  ===========================================================
``uploaded_file_model`` (requests)   ``FractalUploadedFile`` for ``WheelFile`` (2.15.0)
``pip_request_model`` (requests)     Python 3.13 (2.15.7), 3.14 (2.17.0), 3.15 (2.25.3);
                                     ``_pre``/``_post`` pins (2.16.0); ``[]`` in pin names (2.17.2)
``custom_request_model`` (requests)  its manifest; path rules (2.18.0); ``version`` required
                                     (2.23.1)
``manifest_models`` (tasks)          ``type`` is the ``TaskType`` enum (2.14.14)
``task_create_model`` (tasks)        enum ``type`` (2.14.14); ``version`` required (2.23.1);
                                     ``MISSING`` for unset commands (2.25.3)
``task_group_create_models``         ``pixi_version``, ``archive_path``/``env_info`` (2.15.0); pins
(task_groups)                        (2.16.0); ``resource_id`` (2.17.0); paths (2.18.0); ``version``
                                     required (2.23.1); ``MISSING`` (2.25.3)
``group_enum`` (enums)               ``StrEnum`` (2.14.6); ``pixi`` origin (2.15.0); ``delete``
                                     (2.16.0) and ``reset`` (2.22.10) actions
names                                ``V2`` suffix dropped, no aliases (2.18.0)
===================================  ===========================================================

Builders are cached, so a class exists once per distinct combination and releases that agree
share it; for 2.14.5's values each returns the 2.14.5 class itself. ``release_schemas`` puts a
release's models together in a ``ReleaseSchemas`` namespace; reach it through
``pytest_taskcollect.get_profile(version).schemas``.
"""

from .namespace import ReleaseSchemas, release_schemas
from .switches import PathRules, PinFields, RecordNames, SchemaSwitches, UnsetFields

__all__ = [
    "PathRules",
    "PinFields",
    "RecordNames",
    "ReleaseSchemas",
    "SchemaSwitches",
    "UnsetFields",
    "release_schemas",
]
