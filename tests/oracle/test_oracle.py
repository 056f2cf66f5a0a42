"""Our schemas and name helpers must behave exactly like each fractal-server release's.

For every release in ``ORACLE_RELEASES`` (2.14.5, 2.18.5, 2.25.4, 2.26.0) every case runs
through the real server (in its own cached venv, with the release's Python) and through
``get_profile(release).schemas``; the normalised results (accept + JSON dump with key order, or
exception class + pydantic error triples / message, and the JSON schemas) must be identical.
See ``evaluate.py`` for what is recorded and ``corpus.py`` for what is tried.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pytest_taskcollect import get_profile
from pytest_taskcollect.schemas.releases import PathRules, PinFields

from .corpus import GENERATORS, Case
from .evaluate import SCHEMA_TARGET, TARGETS
from .runner import Comparison

pytestmark = pytest.mark.oracle

MIN_GENERATED = 3000
SHOWN_DISAGREEMENTS = 20
SHOWN_CHARS = 600

DOCUMENTED_DEVIATIONS = {
    "hand: §1.5 non-dict body reaches the before-validator": (
        "The server's before-validator calls .get() on the raw body, so a JSON body that is not "
        "an object crashes it (AttributeError, an HTTP 500); we reject it with a ValidationError."
    ),
}
"""Cases where we deliberately differ from the server, keyed by case source, with the reason.
Such a case must still show exactly the recorded difference: a server crash, our rejection."""


def agrees(comparison: Comparison) -> bool:
    """Exact agreement, or exactly the documented deviation for that case."""
    if comparison.case.source in DOCUMENTED_DEVIATIONS:
        return (
            comparison.server.get("exception") == "AttributeError"
            and comparison.ours.get("exception") == "ValidationError"
        )
    return comparison.agrees


def _show(value: object) -> str:
    """Compact, order-preserving JSON for a failure message, cut at ``SHOWN_CHARS``."""
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= SHOWN_CHARS else f"{shown[:SHOWN_CHARS]}... ({len(shown)} chars)"


def first_difference(server: object, ours: object, where: str = "$") -> str:
    """Where two results first differ (JSON path), so long results stay readable."""
    if isinstance(server, dict) and isinstance(ours, dict):
        if list(server) != list(ours):
            return f"{where} keys: server {list(server)} vs ours {list(ours)}"
        for key in server:
            if json.dumps(server[key]) != json.dumps(ours[key]):
                return first_difference(server[key], ours[key], f"{where}.{key}")
    if isinstance(server, list) and isinstance(ours, list) and len(server) == len(ours):
        for index, (left, right) in enumerate(zip(server, ours, strict=True)):
            if json.dumps(left) != json.dumps(right):
                return first_difference(left, right, f"{where}[{index}]")
    return f"{where}: server {_show(server)} vs ours {_show(ours)}"


def disagreement_report(comparisons: list[Comparison]) -> str:
    """Count of disagreements, then the first few with target, source, input and both results."""
    bad = [c for c in comparisons if not agrees(c)]
    lines = [f"{len(bad)} of {len(comparisons)} cases disagree"]
    by_target = Counter(c.case.target for c in bad)
    lines.append("per target: " + ", ".join(f"{t}={n}" for t, n in by_target.most_common()))
    for number, item in enumerate(bad[:SHOWN_DISAGREEMENTS], start=1):
        lines += [
            f"--- #{number} {item.case.target} ({item.case.source})",
            f"  input:  {_show(item.case.input)}",
            f"  first difference at {first_difference(item.server, item.ours)}",
            f"  server: {_show(item.server)}",
            f"  ours:   {_show(item.ours)}",
        ]
    return "\n".join(lines)


def test_corpus_is_large_and_covers_every_target(corpus: list[Case]) -> None:
    """The generator yields enough cases; every target has hand-picked ones, all but the
    JSON-schema target (whose input is just a model name) random ones too."""
    generated = [c for c in corpus if c.generated]
    assert len(generated) >= MIN_GENERATED
    assert {c.target for c in generated} == set(GENERATORS) == set(TARGETS) - {SCHEMA_TARGET}
    assert {c.target for c in corpus if not c.generated} == set(TARGETS)


def test_server_accepts_and_rejects(comparisons: list[Comparison]) -> None:
    """The oracle itself ran every case: no target unavailable, and both outcomes occur."""
    outcomes = Counter((c.case.target, c.server["outcome"]) for c in comparisons)
    assert not [key for key in outcomes if key[1] == "unavailable"], outcomes
    for target in TARGETS:
        assert outcomes[(target, "accepted")] > 0, f"{target}: no accepted case"
        if target not in ("normalize_package_name", SCHEMA_TARGET):  # they never raise
            assert outcomes[(target, "rejected")] > 0, f"{target}: no rejected case"


@pytest.mark.parametrize("target", TARGETS)
def test_target_agrees_with_server(target: str, comparisons: list[Comparison]) -> None:
    """Per-target agreement, so a failure points at the model or helper to fix."""
    subset = [c for c in comparisons if c.case.target == target]
    assert subset, f"no case for {target}"
    assert all(agrees(c) for c in subset), disagreement_report(subset)


def test_whole_corpus_agrees_with_server(comparisons: list[Comparison]) -> None:
    """100 % agreement over the whole corpus."""
    assert all(agrees(c) for c in comparisons), disagreement_report(comparisons)


def test_documented_deviations_are_in_the_corpus(corpus: list[Case]) -> None:
    """A documented deviation that no case exercises is stale."""
    assert set(DOCUMENTED_DEVIATIONS) <= {c.source for c in corpus}


def _server_outcome(comparisons: list[Comparison], target: str, case_input: object) -> str:
    """The server's outcome on the (first) hand-picked case with this target and input."""
    found = next(
        c
        for c in comparisons
        if not c.case.generated and c.case.target == target and c.case.input == case_input
    )
    return str(found.server["outcome"])


def test_server_follows_the_switch_table(release: str, comparisons: list[Comparison]) -> None:
    """The real release accepts and rejects the new fields' cases as its profile says, so the
    corpus exercises each release's own rules (not just rules all releases share)."""
    profile = get_profile(release)
    pip = "TaskCollectPipV2"
    for version in ("3.12", "3.13", "3.14", "3.15", "3.16"):
        expected = "accepted" if version in profile.python_versions else "rejected"
        case = {"package": "p", "python_version": version}
        assert _server_outcome(comparisons, pip, case) == expected, version
    extras_pin = {"package": "p", "pinned_package_versions_pre": {"a[x]": "1"}}
    extras_allowed = (
        profile.pin_fields is PinFields.PRE_POST and "[" in profile.pin_key_allowed_chars
    )
    assert _server_outcome(comparisons, pip, extras_pin) == (
        "accepted" if extras_allowed else "rejected"
    )
    normalising = profile.absolute_path_rules is PathRules.ABSOLUTE_NO_DOTDOT_NORMALISED
    assert _server_outcome(comparisons, "AbsolutePathStr", "/a/b/..") == (
        "rejected" if normalising else "accepted"
    )
    no_version = {"name": "n", "command_parallel": "c"}
    assert _server_outcome(comparisons, "TaskCreateV2", no_version) == (
        "rejected" if profile.version_required else "accepted"
    )


def test_corpus_has_the_new_fields_cases(corpus: list[Case]) -> None:
    """The corpus tries what later releases changed: pre/post pins (with ``[]`` names),
    Python 3.13-3.15, ``..`` and ``.`` paths, and requests without a version."""
    text = [repr(c.input) for c in corpus]
    for needle in (
        "pinned_package_versions_pre",
        "pinned_package_versions_post",
        "[x]",
        "'3.13'",
        "'3.14'",
        "'3.15'",
        "/../",
        "/./",
        "resource_id",
        "archive_path",
    ):
        assert sum(needle in item for item in text) >= 5, needle
