"""Golden verdicts: what the suite must report about a peer, exactly.

A verdict is keyed ``(check id, "model/probe")``. A golden lists every failure
and every error the suite must report (nothing more: a new failure is a false
alarm or a new deviation to look at; a missing one is blindness), and the
verdicts that must pass (what the peer does right, so a check that stops
passing, or starts skipping, is caught too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from conformance.clients import CLIENTS
from conformance.plan import build_plan
from conformance.probes import Probe
from conformance.profile import load_profile

# The goldens were written against DALL·E 2 and 3 (the openai profile is the GPT
# family now): the peers are judged on the DALL·E contract.
PROFILE = "openai-dalle"

Key = tuple[str, str]
Probes = frozenset[str]


@cache
def _probes() -> tuple[Probe, ...]:
    """The fixed probes of the DALL·E profile's plan: goldens speak of these only."""
    return tuple(p for p in build_plan(load_profile(PROFILE)).probes if p.origin == "fixed")


def probes(kind: str, response_format: str | None = None) -> Probes:
    """The ``model/probe`` keys the DALL·E profile's plan sends of one kind."""
    return frozenset(
        p.key
        for p in _probes()
        if p.kind == kind and response_format in (None, p.expect.response_format)
    )


def several_images() -> Probes:
    """The valid probes that ask for more than one image."""
    return frozenset(p.key for p in _probes() if p.kind == "valid" and (p.expect.n or 1) > 1)


def clients(behaviour: str, keys: Probes, only: Iterable[str] | None = None) -> dict[str, Probes]:
    """The same verdicts for each client's check of one behaviour (``client.<client>.<behaviour>``).

    The AI SDK only ever asks for b64_json, so its ``generates`` covers those probes alone.
    """
    out = {}
    for name in only if only is not None else CLIENTS:
        scope = (
            keys & probes("valid", "b64_json")
            if (name, behaviour)
            == (
                "vercel-ai",
                "generates",
            )
            else keys
        )
        if scope:
            out[f"client.{name}.{behaviour}"] = frozenset(scope)
    return out


def both(*probe_ids: str) -> Probes:
    """The probe on both models of the DALL·E profile."""
    return frozenset(f"{m}/{p}" for m in ("dall-e-2", "dall-e-3") for p in probe_ids)


def d2(*probe_ids: str) -> Probes:
    return frozenset(f"dall-e-2/{p}" for p in probe_ids)


def d3(*probe_ids: str) -> Probes:
    return frozenset(f"dall-e-3/{p}" for p in probe_ids)


@dataclass(frozen=True)
class Golden:
    failed: Mapping[str, Probes]
    passed: Mapping[str, Probes]
    error: Mapping[str, Probes] = field(default_factory=dict)
    # ``model/probe`` → words every error verdict on that probe must contain.
    error_says: Mapping[str, str] = field(default_factory=dict)


def _keys(spec: Mapping[str, Iterable[str]]) -> set[Key]:
    return {(check, probe) for check, probe_keys in spec.items() for probe in probe_keys}


def verdicts(results: Mapping[str, Any]) -> dict[Key, tuple[str, str]]:
    """``(check, model/probe)`` → ``(outcome, message)`` of the fixed probes in a results.json."""
    fixed = {p.key for p in _probes()}
    out = {}
    for c in results["checks"]:
        check, probe = c["check"], c["probe"]["id"]
        key = f"{c['model']}/{probe}"
        if key in fixed:
            out[(check, key)] = (c["outcome"], c["message"])
    return out


def _show(keys: Iterable[Key], found: Mapping[Key, tuple[str, str]]) -> str:
    lines = [
        f"  {check}[{probe}]: {found.get((check, probe), ('absent', ''))[0]}"
        f" {found.get((check, probe), ('', ''))[1][:120]}"
        for check, probe in sorted(keys)
    ]
    return "\n".join(lines) or "  (none)"


def mismatches(results: Mapping[str, Any], golden: Golden) -> list[str]:
    """Every way the run differs from the golden, described; empty when it matches."""
    found = verdicts(results)
    problems = []
    for outcome, spec in (("failed", golden.failed), ("error", golden.error)):
        want = _keys(spec)
        have = {k for k, (o, _) in found.items() if o == outcome}
        if have - want:
            problems.append(f"{outcome}, not in the golden:\n{_show(have - want, found)}")
        if want - have:
            problems.append(f"golden says {outcome}, the run did not:\n{_show(want - have, found)}")
    not_passed = {k for k in _keys(golden.passed) if found.get(k, ("absent", ""))[0] != "passed"}
    if not_passed:
        problems.append(f"golden says passed, the run did not:\n{_show(not_passed, found)}")
    for probe, words in golden.error_says.items():
        wrong = {
            k for k, (o, m) in found.items() if k[1] == probe and o == "error" and words not in m
        }
        if wrong:
            problems.append(f"errors not naming {words!r}:\n{_show(wrong, found)}")
    return problems
