"""A depth's probes: every rule of the full plan exercised once per place it can differ.

Billable probes (the covering set, already at its bound), the model list and the
docs' examples are kept whole. Of the free probes, each is kept only if it
exercises a rule not yet exercised at its place (a model, a family, the vendor):
the hand-written ones first, in plan order, then the drawn ones, so a drawn case
is sent only for a rule (or a check) no hand-written probe reaches there. That is
the greedy answer to the set cover, in plan order so that the ids stay stable.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.depth import Depth
from conformance.probes import Probe, Rule
from conformance.profile import Profile

# Where a rule was exercised: (kind, name, place), the place being a model's name,
# a family's, or the vendor's.
Item = tuple[str, str, str]


def _kept_whole(probe: Probe) -> bool:
    return probe.billable or not probe.sent or probe.kind == "listing"


def place(rule: Rule, probe: Probe, profile: Profile) -> str:
    if rule.scope == "vendor":
        return "vendor"
    spec = profile.models.get(probe.model)
    if rule.scope == "family" and spec is not None:
        return f"family {spec.family}"
    return f"model {probe.model}"


def items(probe: Probe, profile: Profile) -> set[Item]:
    return {(r.kind, r.name, place(r, probe, profile)) for r in probe.rules}


def select(probes: Sequence[Probe], profile: Profile, depth: Depth) -> list[Probe]:
    """The probes of ``depth``, in plan order (``full``: all of them)."""
    if depth == "full":
        return list(probes)
    covered: set[Item] = set()
    chosen: set[int] = set()
    for i, probe in enumerate(probes):
        if _kept_whole(probe):
            chosen.add(i)
            covered |= items(probe, profile)
    # Hand-written before drawn: each keeps its case, a drawn one only new rules.
    for origin in ("fixed", "fuzz"):
        for i, probe in enumerate(probes):
            if i in chosen or probe.origin != origin:
                continue
            new = items(probe, profile) - covered
            if new:
                chosen.add(i)
                covered |= new
    return [p for i, p in enumerate(probes) if i in chosen]


def covered_items(probes: Sequence[Probe], profile: Profile) -> set[Item]:
    """Every (rule, place) the probes exercise: a short plan's equals its full plan's."""
    return {item for probe in probes for item in items(probe, profile)}
