"""Shrinking after the run: a failing fuzz case reduced to a minimal request that still fails.

Greedy and verified: each candidate (the case's broken rules moved onto the
cheapest valid request, one rule at a time, then the plainest value breaking
each rule) is sent and judged by the same check; it replaces the current case
only if that check still fails. Candidates go through the run's transport and
what is left of its budget, and a run sends at most ``MAX_REQUESTS`` of them,
so shrinking can never push billing past ``--budget``. Valid (billable) cases
are not shrunk: every step would bill an image.

Failures are grouped by model, check and the field first at fault; each group
is shrunk once, from its smallest case, and every failure in it points to the
result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.exchange import Exchange
from conformance.fuzz.classify import Reason, classify
from conformance.fuzz.probes import expect_refusal
from conformance.probes import Probe, potential_images
from conformance.profile import ModelSpec, Profile

MAX_REQUESTS = 50  # the run's shrinking allowance
MAX_PER_GROUP = 8
SHORT_PROMPT = "a"

GroupKey = tuple[str, str, str]
Send = Callable[[Probe], Exchange | None]
Fails = Callable[[str, Probe, Exchange], bool]


@dataclass(frozen=True)
class Minimal:
    """The smallest request found that still fails ``check``, and how it was found."""

    check: str
    source: Probe  # the fuzz case it was shrunk from
    probe: Probe
    exchange: Exchange
    requests: int  # requests shrinking sent for this group
    # Why shrinking stopped short of trying every candidate, if it did.
    stopped: str = ""

    @property
    def shrunk(self) -> bool:
        return self.probe is not self.source


def group_key(probe: Probe, check: str) -> GroupKey:
    first = probe.covers[0].split(":")[0] if probe.covers else "body"
    return (probe.model, check, first)


def _witness(reason: Reason, model: ModelSpec) -> Any:
    """The plainest value that breaks ``reason``'s rule, as the fixed probes use."""
    if reason.rule == "wrong type":
        return 1 if reason.param != "n" else str(model.n_min)
    limit: int | None = model.prompt_max_chars
    plain: dict[tuple[str | None, str], Any] = {
        ("n", "above maximum"): model.n_max + 1,
        ("n", "below minimum"): model.n_min - 1,
        ("prompt", "too long"): "a" * (limit + 1) if limit is not None else "x",
        ("prompt", "empty"): "",
        ("size", "unsupported"): "1x1",
        ("model", "unknown model"): "x",
    }
    return plain.get((reason.param, reason.rule), "x")


def _transplant(body: Mapping[str, Any], model: ModelSpec, reasons: Sequence[Reason]) -> Any:
    """The cheapest valid request with only these broken fields carried over."""
    out: dict[str, Any] = {"model": model.name, "prompt": SHORT_PROMPT}
    for reason in reasons:
        if reason.param is None:
            continue
        if reason.param in body:
            out[reason.param] = body[reason.param]
        else:
            out.pop(reason.param, None)
    return out


def candidates(probe: Probe, profile: Profile) -> Iterator[dict[str, Any]]:
    """Smaller requests to try instead of ``probe``, most promising first."""
    body = probe.body
    c = classify(body, profile) if body is not None else None
    if body is None or c is None or c.model is None or c.verdict != "invalid":
        return
    model = profile.models.get(probe.model, c.model)
    reasons = list(c.reasons)
    yield _transplant(body, model, reasons)
    if len(reasons) > 1:
        for reason in reasons:
            yield _transplant(body, model, [reason])
    for reason in reasons:
        if reason.param is not None and reason.rule != "missing":
            yield {**_transplant(body, model, reasons), reason.param: _witness(reason, model)}


def _size(body: Any) -> int:
    return len(repr(body))


def _as_probe(source: Probe, body: dict[str, Any], step: int, profile: Profile) -> Probe | None:
    c = classify(body, profile)
    if c.verdict != "invalid":
        return None
    return Probe(
        id=f"{source.id}-min{step}",
        model=source.model,
        title="shrunk " + ", ".join(str(r) for r in c.reasons),
        kind="invalid",
        expect=expect_refusal(profile, c),
        body=body,
        potential_images=potential_images(body),
        covers=tuple(str(r) for r in c.reasons),
        origin="fuzz",
    )


def shrink(
    source: Probe,
    exchange: Exchange,
    check: str,
    profile: Profile,
    send: Send,
    fails: Fails,
    allowance: int,
) -> Minimal:
    """Shrink one failing case with at most ``allowance`` requests."""
    best, best_exchange, sent, step = source, exchange, 0, 0
    tried: set[str] = set()
    improved = True
    while improved and sent < allowance:
        improved = False
        for body in candidates(best, profile):
            key = repr(sorted(body.items()))
            if key in tried or _size(body) >= _size(best.body):
                continue
            tried.add(key)
            step += 1
            probe = _as_probe(source, body, step, profile)
            if probe is None:
                continue
            answer = send(probe)
            sent += 1
            if answer is None:
                return Minimal(check, source, best, best_exchange, sent, "the budget is spent")
            if answer.response is not None and fails(check, probe, answer):
                best, best_exchange, improved = probe, answer, True
                break
            if sent >= allowance:
                break
    return Minimal(check, source, best, best_exchange, sent)


def shrink_all(
    failures: Sequence[tuple[Probe, str]],
    exchanges: Mapping[str, Exchange],
    profile: Profile,
    send: Send,
    fails: Fails,
) -> dict[GroupKey, Minimal]:
    """One minimal request per group of failures, within ``MAX_REQUESTS`` in all."""
    groups: dict[GroupKey, list[Probe]] = {}
    for probe, check in failures:
        groups.setdefault(group_key(probe, check), []).append(probe)
    out: dict[GroupKey, Minimal] = {}
    left = MAX_REQUESTS
    for key, probes in groups.items():
        smallest = min(probes, key=lambda p: len(p.content()))
        exchange = exchanges[smallest.key]
        if left <= 0 or smallest.body is None or smallest.operation != "generations":
            why = (
                "raw bodies are not shrunk"
                if smallest.body is None
                else "edit forms are not shrunk"
                if smallest.operation != "generations"
                else "allowance spent"
            )
            out[key] = Minimal(key[1], smallest, smallest, exchange, 0, why)
            continue
        found = shrink(smallest, exchange, key[1], profile, send, fails, min(left, MAX_PER_GROUP))
        left -= found.requests
        out[key] = found
    return out
