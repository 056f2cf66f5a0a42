"""Fixtures of the oracle suite: one real fractal-server per release, and both implementations'
results on the corpus for each release."""

from __future__ import annotations

import sys

import pytest

from support.fractal_server_venv import ensure_server_venv, server_import_env

from .corpus import Case, build_corpus
from .runner import Comparison, run_evaluate

ORACLE_RELEASES = ("2.14.5", "2.18.5", "2.25.4", "2.26.0")
"""The releases checked: the default, the newest one on Python 3.11, and the two newest."""


@pytest.fixture(scope="session")
def corpus() -> list[Case]:
    """The full deterministic corpus: hand-picked cases, then generated ones."""
    return build_corpus()


@pytest.fixture(scope="session", params=ORACLE_RELEASES)
def release(request: pytest.FixtureRequest) -> str:
    """The fractal-server release under comparison."""
    return str(request.param)


@pytest.fixture(scope="session")
def comparisons(release: str, corpus: list[Case]) -> list[Comparison]:
    """Both implementations' results on the corpus for ``release`` (one subprocess each).

    The server runs isolated (``-I``) in its own venv (built on first use), with the
    environment its settings need at import time; ours runs with the test interpreter and
    environment, reading the release's models from ``get_profile(release).schemas``.
    """
    server_python = ensure_server_venv(release)
    server = run_evaluate(
        [str(server_python), "-I"], "server", release, corpus, env=server_import_env()
    )
    ours = run_evaluate([sys.executable], "ours", release, corpus)
    return [Comparison(c, s, o) for c, s, o in zip(corpus, server, ours, strict=True)]
