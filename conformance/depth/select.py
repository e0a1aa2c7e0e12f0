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

# Where a rule was exercised: (kind, name, place), the place being an operation with
# a model's name, a family's, or the vendor's.
Item = tuple[str, str, str]


def _kept_whole(probe: Probe) -> bool:
    return probe.billable or not probe.sent or probe.kind == "listing"


def place(rule: Rule, probe: Probe, profile: Profile) -> str:
    """Where ``rule`` is exercised: the operation's route (a gateway may validate its
    generations and not its edits), then the vendor, a family or a model."""
    if rule.scope == "vendor":
        return f"{probe.operation} vendor"
    spec = profile.models.get(probe.model)
    if rule.scope == "family" and spec is not None:
        return f"{probe.operation} family {spec.family}"
    return f"{probe.operation} model {probe.model}"


def _places(rule: Rule, probe: Probe, profile: Profile) -> list[str]:
    """The rule's place and every place that holds it: a rule exercised for one model is
    exercised for its family and for the vendor too (on that operation's route)."""
    spec = profile.models.get(probe.model)
    family = [f"{probe.operation} family {spec.family}"] if spec is not None else []
    wider = {
        "model": [*family, f"{probe.operation} vendor"],
        "family": [f"{probe.operation} vendor"],
    }
    return [place(rule, probe, profile), *wider.get(rule.scope, [])]


def items(probe: Probe, profile: Profile) -> set[Item]:
    return {(r.kind, r.name, at) for r in probe.rules for at in _places(r, probe, profile)}


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
