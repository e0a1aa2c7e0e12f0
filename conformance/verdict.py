"""Judging: one check on one exchange, in both views, gives a Verdict.

Views: *docs* judges by the vendor's own documented contract (its profile);
*drop-in* judges by what a client written for OpenAI relies on. A profile's known
deviations turn an expected failure into ``known``, and an expected failure that
no longer happens into ``fixed`` (strict, like pytest's strict xfail).
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from conformance.checks.base import Check, Context, Result
from conformance.examples import stand_in_exchange
from conformance.exchange import Exchange
from conformance.gpt.preview import access_refusal
from conformance.probes import Probe
from conformance.profile import BASELINES, LEGACY, Deviation, Profile, openai_baseline
from conformance.redact import Redactor
from conformance.vocabulary import SEVERITIES, Outcome, Severity, View


@dataclass(frozen=True)
class ViewResult:
    outcome: Outcome
    message: str
    deviation: Deviation | None = None


@dataclass(frozen=True)
class Verdict:
    check: Check
    probe: Probe
    # Filled per view by judge(); apply_deviations() may then rewrite an entry.
    views: dict[View, ViewResult]

    @property
    def id(self) -> str:
        return f"{self.check.id}[{self.probe.id}]"

    @property
    def title(self) -> str:
        return f"{self.check.title}: {self.probe.title}"

    @property
    def model(self) -> str:
        return self.probe.model

    def result(self, view: View) -> ViewResult:
        return self.views[view]


def drop_in_rules(profile: Profile) -> Profile:
    """The vendor's models judged by what OpenAI's clients rely on.

    What a request may contain stays the vendor's (its models, sizes, limits);
    how answers and refusals look is OpenAI's: its statuses and error codes, no
    vendor-specific usage shape, no explicit nulls. Each model is judged by the
    baseline of its family: refusals both families share keep DALL·E's statuses,
    the GPT family adds its own (a parameter it does not take). The GPT answer
    checks read the GPT baseline themselves.
    """
    if profile.name in (*BASELINES.values(), LEGACY):
        return profile  # OpenAI's own contract (the shut-down models' too)
    baseline = openai_baseline("dalle")
    errors = dict(baseline.errors)
    if any(m.family == "gpt" for m in profile.models.values()):
        errors = {**openai_baseline("gpt").errors, **errors}
    return dataclasses.replace(
        profile,
        errors=MappingProxyType(errors),
        usage="none",
        null_fields=False,
        strict_types=True,
    )


def view_rules(profile: Profile) -> dict[View, Profile]:
    return {"docs": profile, "drop-in": drop_in_rules(profile)}


def _run(check: Check, ctx: Context) -> Result:
    try:
        return check.run(ctx)
    except Exception as exc:  # a broken check is the harness's fault, not the vendor's
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Result(
            "error",
            f"check {check.id} crashed: {type(exc).__name__}: "
            f"{exc} ({where.filename}:{where.lineno})",
        )


def _placeholders_only(
    check: Check, probe: Probe, profile: Profile, view: View, result: Result
) -> Result:
    """A docs example that fails only on the docs' own placeholders is not judged."""
    stand_in = stand_in_exchange(probe)
    if stand_in is None:
        return result
    exchange, where = stand_in
    again = _run(check, Context(probe=probe, exchange=exchange, profile=profile, view=view))
    if again.outcome != "passed":
        return result
    return Result(
        "skipped",
        f"not judged: the docs print placeholders, not values ({', '.join(where)[:200]}); "
        f"with values in their place the example passes (as printed: {result.message})",
    )


def judge(
    check: Check,
    probe: Probe,
    exchange: Exchange | None,
    rules: Mapping[View, Profile],
    redactor: Redactor | None = None,
) -> Verdict:
    """Judge one check on one probe's exchange in every view."""
    views: dict[View, ViewResult] = {}
    for view, profile in rules.items():
        if exchange is None:
            result = Result("skipped", "not sent in this run")
        elif exchange.skipped:
            result = Result("skipped", exchange.skipped)
        elif exchange.response is None or exchange.error is not None:
            # An answer kept only as evidence (e.g. 503 until retries ran out) is not judged.
            result = Result("error", exchange.error or "no answer")
        elif denied := _denied(probe, exchange):
            result = Result("skipped", denied)
        else:
            result = _run(
                check, Context(probe=probe, exchange=exchange, profile=profile, view=view)
            )
            if result.outcome == "failed" and probe.kind == "example":
                result = _placeholders_only(check, probe, profile, view, result)
        if redactor is not None:
            result = Result(result.outcome, redactor.text(result.message))
        views[view] = ViewResult(result.outcome, result.message)
    return Verdict(check=check, probe=probe, views=views)


def _denied(probe: Probe, exchange: Exchange) -> str | None:
    """A GIF/SVG request the key has no access to: no check judges it (a refused
    probe's rule cannot be told from the missing access either)."""
    response = exchange.response
    if probe.kind not in ("valid", "invalid") or response is None:
        return None
    return access_refusal(probe.expect.preview, response.status, response.answer.json)


def apply_deviations(verdicts: list[Verdict], rules: Mapping[View, Profile]) -> None:
    """Known deviations, judged over every verdict a deviation covers.

    While any covered verdict fails, the failures are ``known`` (the rest pass);
    once none fails, the covered passes are ``fixed``, so the profile gets updated.
    """
    for view, profile in rules.items():
        for deviation in profile.deviations:
            covered = [
                v
                for v in verdicts
                if deviation.matches(v.check.id, v.probe.id, v.probe.model, view)
            ]
            # The vendor's server decides whether a deviation still happens; its
            # printed examples only ever show it.
            outcomes = {v.views[view].outcome for v in covered if v.probe.kind != "example"}
            for v in covered:
                now = v.views[view]
                still = "failed" in outcomes or v.probe.kind == "example"
                if still and now.outcome == "failed":
                    v.views[view] = ViewResult(
                        "known", f"known deviation: {deviation.reason} ({now.message})", deviation
                    )
                elif not still and now.outcome == "passed":
                    v.views[view] = ViewResult(
                        "fixed",
                        f"fixed: the known deviation no longer occurs ({deviation.reason}); "
                        "remove it from the profile",
                        deviation,
                    )


def no_verdict_from_a_down_server(
    probes: Iterable[Probe], exchanges: Mapping[str, Exchange], *, healthy: int
) -> None:
    """A 5xx that was kept as the answer (to bad input, or a 500 on every retry of a
    well-formed request) is a verdict only from a server that answers otherwise.

    ``healthy``: how many API answers of the batch that sent these probes were
    neither 429 nor 5xx. When none was, such a 5xx says the server is down or
    overloaded, not that it failed that request: the exchange becomes an error
    of the run, never a failure of the vendor.
    """
    if healthy:
        return
    for probe in probes:
        exchange = exchanges[probe.key]
        response = exchange.response
        if exchange.error is None and response is not None and response.status >= 500:
            exchange.error = (
                f"HTTP {response.status}, and every request of this run got a 5xx or "
                "429: the server is down or overloaded, so the run could not judge"
            )


def severity_rank(severity: Severity) -> int:
    return SEVERITIES.index(severity)


def fails_run(verdict: Verdict, view: View, fail_on: Severity) -> bool:
    """Whether this verdict makes the run exit 1 under ``--fail-on``."""
    if verdict.probe.kind == "example":
        return False  # the vendor's docs are wrong, not its server: reported only
    outcome = verdict.result(view).outcome
    if outcome in ("error", "fixed"):
        return True
    if outcome == "failed":
        return severity_rank(verdict.check.severity) <= severity_rank(fail_on)
    return False
