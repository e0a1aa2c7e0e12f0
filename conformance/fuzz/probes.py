"""Drawn cases as probes (``origin="fuzz"``), judged by the same checks as fixed ones.

Ids are stable for a seed: ``fuzz-neg-0042`` is the 42nd distinct invalid case
drawn for that model, so ``-k fuzz-neg-0042`` with the same ``--seed`` sends
exactly that request again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.dalle.covering import expectation as dalle_expectation
from conformance.fuzz.classify import Classification
from conformance.fuzz.generate import DEFAULT_SEED, Drawn, draw
from conformance.gpt.covering import expectation as gpt_expectation
from conformance.probes import Expectation, Probe, potential_images
from conformance.profile import ModelSpec, Profile
from conformance.vocabulary import Family

# Positive cases are drawn from a pool this many times larger, then the richest
# kept: the covering set already pays for the plain requests.
_POSITIVE_POOL = 30
_SHOWN = 60


@dataclass(frozen=True)
class FuzzSettings:
    """How many property-based cases a plan holds, and the seed they come from."""

    seed: int = DEFAULT_SEED
    negative: int = 160  # distinct invalid cases per model
    positive: int = 1  # valid (billable) cases in the run, cheapest models first


def expect_refusal(profile: Profile, c: Classification) -> Expectation:
    # A kind the profile does not document (unknown_parameter) is an invalid request.
    kinds = list(
        dict.fromkeys(r.kind if r.kind in profile.errors else "invalid_request" for r in c.reasons)
    )
    statuses = tuple(dict.fromkeys(s for k in kinds for s in profile.errors[k].status))
    kind = kinds[0] if len(kinds) == 1 else "invalid_request"
    code = profile.errors[kind].code if len(kinds) == 1 else None
    return Expectation(
        statuses=statuses,
        error_kind=kind,
        error_kinds=tuple(kinds) if len(kinds) > 1 else (),
        param=c.param,
        code=code,
    )


def _refusal_title(drawn: Drawn) -> str:
    reasons = ", ".join(str(r) for r in drawn.classification.reasons)
    return f"fuzz: {reasons}"


def negative_probes(profile: Profile, model: ModelSpec, fuzz: FuzzSettings) -> list[Probe]:
    probes = []
    for i, drawn in enumerate(draw(profile, model, "negative", fuzz.negative, fuzz.seed), 1):
        c = drawn.classification
        probes.append(
            Probe(
                id=f"fuzz-neg-{i:04d}",
                model=model.name,
                title=_refusal_title(drawn),
                kind="invalid",
                expect=expect_refusal(profile, c),
                body=drawn.fields,
                raw_body=drawn.content,
                potential_images=potential_images(drawn.fields),
                covers=tuple(str(r) for r in c.reasons),
                origin="fuzz",
            )
        )
    return probes


# What a valid body of each family must show.
_EXPECTATIONS: Mapping[Family, Callable[[ModelSpec, dict[str, Any]], Expectation]] = {
    "dalle": dalle_expectation,
    "gpt": gpt_expectation,
}


def _richness(body: dict[str, Any]) -> tuple[int, int, int]:
    """Prefer cases that exercise what fixed requests do not: nulls, user, odd text."""
    prompt = str(body.get("prompt", ""))
    nulls = sum(1 for v in body.values() if v is None)
    return (len(body) + nulls, int(not prompt.isascii()), len(prompt))


def _covers(body: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for key, value in body.items():
        if key in ("model",):
            continue
        if key == "prompt":
            out.append(f"prompt ({len(value)} chars{'' if value.isascii() else ', non-ASCII'})")
        elif value is None:
            out.append(f"{key}=null")
        elif key == "user":
            out.append("user")
        else:
            out.append(f"{key}={value}")
    return tuple(out)


def positive_probes(
    profile: Profile, model: ModelSpec, count: int, fuzz: FuzzSettings
) -> list[Probe]:
    if count <= 0:
        return []
    pool = draw(profile, model, "positive", count * _POSITIVE_POOL, fuzz.seed)
    bodies = [d for d in pool if d.fields is not None]
    # Stable: equal richness keeps drawing order.
    chosen = sorted(bodies, key=lambda d: _richness(d.fields or {}), reverse=True)[:count]
    probes = []
    for i, drawn in enumerate(chosen, 1):
        body = drawn.fields or {}
        n = body.get("n") or 1
        expect = _EXPECTATIONS[model.family](model, body)
        covers = _covers(body)
        probes.append(
            Probe(
                id=f"fuzz-pos-{i:02d}",
                model=model.name,
                title="fuzz: generate " + ", ".join(covers),
                kind="valid",
                expect=expect,
                body=body,
                raw_body=drawn.content,
                potential_images=n,
                covers=covers,
                origin="fuzz",
            )
        )
    return probes


def valid_counts(models: Sequence[ModelSpec], total: int) -> dict[str, int]:
    """Valid fuzz cases per model: ``total`` dealt round the models, cheapest first.

    Each costs an image; the covering set already pays for every documented
    value, so by default one case on the cheapest model buys what fuzzing adds
    (drawn prompts, explicit nulls, ``user``) at the lowest price.
    """
    order = sorted(
        models,
        key=lambda m: m.price_per_image if m.price_per_image is not None else float("inf"),
    )
    counts = dict.fromkeys((m.name for m in models), 0)
    for i in range(total):
        counts[order[i % len(order)].name] += 1
    return counts


def fuzz_probes(
    profile: Profile, models: Sequence[ModelSpec], fuzz: FuzzSettings
) -> tuple[list[Probe], list[Probe]]:
    """(valid, invalid) fuzz probes for the models, in plan order."""
    counts = valid_counts(models, fuzz.positive)
    valid = [p for m in models for p in positive_probes(profile, m, counts[m.name], fuzz)]
    invalid = [p for m in models for p in negative_probes(profile, m, fuzz)]
    return valid, invalid


def summary(fuzz: FuzzSettings, probes: Sequence[Probe]) -> str:
    """One line for reports: the seed (to reproduce the run) and what was drawn."""
    drawn = [p for p in probes if p.origin == "fuzz"]
    invalid = sum(1 for p in drawn if p.kind == "invalid")
    return (
        f"seed {fuzz.seed}: {invalid} invalid and {len(drawn) - invalid} valid "
        f"property-based request(s) (--fuzz-examples {fuzz.negative}, "
        f"--fuzz-valid {fuzz.positive})"
    )


def shown(content: bytes) -> str:
    """A request body cut for one line of a plan."""
    text = content.decode("utf-8", "replace")
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
