"""The suite's words for a verdict: severity, outcome and view, each defined once.

Checks, the judge, the reports, the matrix and the gate all speak of these; they
import them from here (a leaf: it imports nothing of the suite), so the order
of outcomes from worst to best, and which outcomes a person must look at, exist
in one place only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

# The endpoint a probe is sent to (POST /v1/images/<operation>).
Operation = Literal["generations", "edits"]
OPERATIONS: tuple[Operation, ...] = ("generations", "edits")
# Below the API root (".../v1"), as the transport sends it and the OpenAPI spec names it.
OPERATION_PATHS: dict[Operation, str] = {
    "generations": "/images/generations",
    "edits": "/images/edits",
}

# must: breaks a drop-in OpenAI client; should: deviates from the contract,
# clients usually cope; may: advisory. Strongest first.
Severity = Literal["must", "should", "may"]
SEVERITIES: tuple[Severity, ...] = ("must", "should", "may")

# What a check function can say. "error": the harness could not get what it
# needed to judge (never the vendor's fault).
CheckOutcome = Literal["passed", "failed", "skipped", "error"]

# A verdict's outcome once the profile's known deviations are applied: "known",
# a failure the profile declares; "fixed", a declared failure that no longer happens.
Outcome = Literal["passed", "failed", "known", "fixed", "skipped", "error"]
# The order reports count them in.
OUTCOMES: tuple[Outcome, ...] = ("passed", "failed", "known", "fixed", "skipped", "error")
# Worst first: the outcome a row shows when its verdicts disagree.
WORST_FIRST: tuple[Outcome, ...] = ("error", "failed", "fixed", "known", "skipped", "passed")
# What a reader of a matrix or a gate must look at.
BAD: frozenset[Outcome] = frozenset({"error", "failed", "fixed", "known"})

# How reports draw an outcome: glyphs every font has (emoji are missing from
# many headless and CI fonts).
SYMBOL: dict[str, str] = {
    "passed": "✓",
    "failed": "✗",
    "known": "⚠",
    "fixed": "↑",
    "skipped": "·",
    "error": "‼",
}

# docs: judged by the vendor's own documented contract (its profile); drop-in:
# judged by what a client written for OpenAI relies on.
View = Literal["docs", "drop-in"]
VIEWS: tuple[View, ...] = ("docs", "drop-in")


def worst(outcomes: Iterable[str]) -> str:
    """The worst of some outcomes (as read from a results file)."""
    return min(outcomes, key=WORST_FIRST.index)
