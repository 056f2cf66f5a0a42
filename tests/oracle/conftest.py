"""Fixtures of the oracle suite: the server venv and both implementations' results on the corpus."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from support.fractal_server_venv import ensure_server_venv

from .corpus import Case, build_corpus
from .runner import Comparison, run_evaluate


@pytest.fixture(scope="session")
def server_python() -> Path:
    """Interpreter of the cached fractal-server 2.14.5 venv (built on first use)."""
    return ensure_server_venv("2.14.5")


@pytest.fixture(scope="session")
def corpus() -> list[Case]:
    """The full deterministic corpus: hand-picked cases, then generated ones."""
    return build_corpus()


@pytest.fixture(scope="session")
def comparisons(server_python: Path, corpus: list[Case]) -> list[Comparison]:
    """Both implementations' results on the corpus (one subprocess each).

    The server runs isolated (``-I``) so the dev environment cannot leak into its venv; ours
    runs with the test interpreter and environment, like the rest of the test suite.
    """
    server = run_evaluate([str(server_python), "-I"], "server", corpus)
    ours = run_evaluate([sys.executable], "ours", corpus)
    return [Comparison(c, s, o) for c, s, o in zip(corpus, server, ours, strict=True)]
