"""The suite's words: a probe's axes (operation, family) and a verdict's (severity,
outcome, view), each defined once.

The planners, the transport, checks, the judge, the reports, the matrix and the
gate all speak of these; they
import them from here (a leaf: it imports nothing of the suite), so the order
of outcomes from worst to best, and which outcomes a person must look at, exist
in one place only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

# The endpoint a probe is sent to: POST /v1/images/<operation> (generations,
# edits), or models, the
# vendor's free GET /v1/models (read first, for the models' lifecycle). Each
# stage dispatches on it in one place: the planner, the request, the checks'
# applicability, the server's routes and the report's grouping.
Operation = Literal["generations", "models", "edits"]
OPERATIONS: tuple[Operation, ...] = ("generations", "models", "edits")
# Below the API root (".../v1"), as the transport sends it and the OpenAPI spec names it.
OPERATION_PATHS: dict[Operation, str] = {
    "generations": "/images/generations",
    "models": "/models",
    "edits": "/images/edits",
}

# The answer form a model is judged by: gpt, the GPT image form (parameters as
# data, b64_json only, token usage); dalle, the DALL·E form, which is also the
# form of any other model sold in it (flux, imagen, ...). Derived from a model's
# spec (ModelSpec.family), never stored beside it.
Family = Literal["dalle", "gpt"]
FAMILIES: tuple[Family, ...] = ("dalle", "gpt")

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
