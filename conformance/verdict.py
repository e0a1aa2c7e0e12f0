"""Judging: one check on one exchange, in both views, gives a Verdict.

Views: *docs* judges by the vendor's own documented contract (its profile);
*drop-in* judges by what a client written for OpenAI relies on. A profile's known
deviations turn an expected failure into ``known``, and an expected failure that
no longer happens into ``fixed`` (strict, like pytest's strict xfail).
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal

from conformance.checks.base import SEVERITIES, Check, Context, Result
from conformance.exchange import Exchange
from conformance.probes import Probe
from conformance.profile import Deviation, Profile, load_profile
from conformance.redact import Redactor

View = Literal["docs", "drop-in"]
VIEWS: tuple[View, ...] = ("docs", "drop-in")
OUTCOMES = ("passed", "failed", "known", "fixed", "skipped", "error")


@dataclass(frozen=True)
class ViewResult:
    outcome: str
    message: str
    deviation: Deviation | None = None


@dataclass(frozen=True)
class Verdict:
    check: Check
    probe: Probe
    views: Mapping[str, ViewResult]

    @property
    def id(self) -> str:
        return f"{self.check.id}[{self.probe.id}]"

    @property
    def title(self) -> str:
        return f"{self.check.title}: {self.probe.title}"

    @property
    def model(self) -> str:
        return self.probe.model

    def result(self, view: str) -> ViewResult:
        return self.views[view]


@cache
def _openai_baseline() -> Profile:
    return load_profile("openai")


def drop_in_rules(profile: Profile) -> Profile:
    """The vendor's models judged by what OpenAI's clients rely on.

    What a request may contain stays the vendor's (its models, sizes, limits);
    how answers and refusals look is OpenAI's: its statuses and error codes, no
    vendor-specific usage shape, no explicit nulls.
    """
    if profile.name == "openai":
        return profile
    baseline = _openai_baseline()
    return dataclasses.replace(
        profile,
        errors=baseline.errors,
        usage="none",
        null_fields=False,
    )


def view_rules(profile: Profile) -> dict[str, Profile]:
    return {"docs": profile, "drop-in": drop_in_rules(profile)}


def _apply_deviations(
    result: Result, check: Check, probe: Probe, view: str, deviations: tuple[Deviation, ...]
) -> ViewResult:
    match = next((d for d in deviations if d.matches(check.id, probe.id, probe.model, view)), None)
    if match is None or result.outcome in ("skipped", "error"):
        return ViewResult(result.outcome, result.message)
    if result.outcome == "failed":
        return ViewResult("known", f"known deviation: {match.reason} ({result.message})", match)
    return ViewResult(
        "fixed",
        f"fixed: the known deviation no longer occurs ({match.reason}); remove it from the profile",
        match,
    )


def judge(
    check: Check,
    probe: Probe,
    exchange: Exchange | None,
    rules: Mapping[str, Profile],
    redactor: Redactor | None = None,
) -> Verdict:
    """Judge one check on one probe's exchange in every view."""
    views: dict[str, ViewResult] = {}
    for view, profile in rules.items():
        if exchange is None:
            result = Result("skipped", "not sent in this run")
        elif exchange.skipped:
            result = Result("skipped", exchange.skipped)
        elif exchange.response is None or exchange.error is not None:
            # An answer kept only as evidence (e.g. 503 until retries ran out) is not judged.
            result = Result("error", exchange.error or "no answer")
        else:
            try:
                result = check.run(
                    Context(probe=probe, exchange=exchange, profile=profile, view=view)
                )
            except Exception as exc:  # a broken check is the harness's fault, not the vendor's
                where = traceback.extract_tb(exc.__traceback__)[-1]
                result = Result(
                    "error",
                    f"check {check.id} crashed: {type(exc).__name__}: "
                    f"{exc} ({where.filename}:{where.lineno})",
                )
        if redactor is not None:
            result = Result(result.outcome, redactor.text(result.message))
        views[view] = _apply_deviations(result, check, probe, view, profile.deviations)
    return Verdict(check=check, probe=probe, views=views)


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def fails_run(verdict: Verdict, view: str, fail_on: str) -> bool:
    """Whether this verdict makes the run exit 1 under ``--fail-on``."""
    outcome = verdict.result(view).outcome
    if outcome in ("error", "fixed"):
        return True
    if outcome == "failed":
        return severity_rank(verdict.check.severity) <= severity_rank(fail_on)
    return False
