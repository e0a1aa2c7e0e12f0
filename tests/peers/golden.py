"""Golden verdicts: what the suite must report about a peer, exactly.

A verdict is keyed ``(check id, "model/probe")``. A golden lists every failure
and every error the suite must report (nothing more: a new failure is a false
alarm or a new deviation to look at; a missing one is blindness), and the
verdicts that must pass (what the peer does right, so a check that stops
passing, or starts skipping, is caught too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from conformance.clients import CLIENTS, family_of
from conformance.plan import build_plan
from conformance.probes import Probe
from conformance.profile import load_profile

Key = tuple[str, str]
Probes = frozenset[str]

# The DALL·E goldens speak of the openai-dalle plan, the GPT ones of openai's.
DALLE = "openai-dalle"
GPT = "openai"


@cache
def _probes(
    profile: str, models: tuple[str, ...] = (), previews: frozenset[str] = frozenset()
) -> tuple[Probe, ...]:
    """The fixed probes of a profile's plan (for some of its models, as ``--models`` sends;
    with the previews ``--preview-access`` grants)."""
    loaded = load_profile(profile)
    loaded = replace(loaded, preview_access=loaded.preview_access | previews)
    plan = build_plan(loaded, models or None)
    return tuple(p for p in plan.probes if p.origin == "fixed")


@dataclass(frozen=True)
class RunProbes:
    """The fixed probes one run sends: a profile, restricted to some models or not.

    Keys must come from the run's own plan: ``--models`` moves the shared probes
    (auth, malformed body, unknown model) onto the first model chosen.
    """

    profile: str
    models: tuple[str, ...] = ()
    previews: frozenset[str] = frozenset()

    def _plan(self) -> tuple[Probe, ...]:
        return _probes(self.profile, self.models, self.previews)

    def probes(self, kind: str, response_format: str | None = None) -> Probes:
        """The ``model/probe`` keys the plan sends of one kind."""
        return frozenset(
            p.key
            for p in self._plan()
            if p.kind == kind and response_format in (None, p.expect.response_format)
        )

    def several_images(self) -> Probes:
        """The valid probes that ask for more than one image."""
        return frozenset(p.key for p in self._plan() if p.kind == "valid" and (p.expect.n or 1) > 1)

    def streams(self) -> Probes:
        """The valid probes that ask for an event stream."""
        return frozenset(p.key for p in self._plan() if p.kind == "valid" and p.expect.stream)

    def keys(self, *probe_ids: str) -> Probes:
        """These probes on every model the plan sends them to."""
        wanted = set(probe_ids)
        found = frozenset(p.key for p in self._plan() if p.id in wanted)
        missing = wanted - {key.split("/", 1)[1] for key in found}
        assert not missing, f"no probe {sorted(missing)} in the {self.profile} plan"
        return found


_DALLE_PLAN = RunProbes(DALLE)


def probes(kind: str, response_format: str | None = None) -> Probes:
    """The ``model/probe`` keys the openai-dalle profile's plan sends of one kind."""
    return _DALLE_PLAN.probes(kind, response_format)


def several_images() -> Probes:
    """The valid probes of the openai-dalle plan that ask for more than one image."""
    return _DALLE_PLAN.several_images()


def clients(behaviour: str, keys: Probes, only: Iterable[str] | None = None) -> dict[str, Probes]:
    """The same verdicts for each client's check of one behaviour (``client.<client>.<behaviour>``).

    The AI SDK (both majors) only ever asks for b64_json, so its ``generates``
    covers those probes alone; ``only`` names clients by family
    (``openai-node`` is both majors of openai-node) or exactly.
    """
    out = {}
    for name, spec in CLIENTS.items():
        if only is not None and name not in only and family_of(name) not in only:
            continue
        b64_only = behaviour == "generates" and spec.formats == ("b64_json",)
        scope = keys & _b64_valid() if b64_only else keys
        if scope:
            out[f"client.{name}.{behaviour}"] = frozenset(scope)
    return out


PREVIEWS = frozenset({"gif", "svg"})
# The checks of a GPT answer that a gateway passed through as the upstream served it:
# base64 only, the settings echoed with auto resolved, real formats, sizes and usage.
GPT_ANSWER_CHECKS = (
    "generation.status",
    "generation.content-type",
    "generation.schema",
    "generation.count",
    "generation.created",
    "images.b64",
    "gpt-image.b64-only",
    "gpt-image.echo",
    "gpt-image.output-format",
    "gpt-image.dimensions",
    "gpt-image.usage",
)


def _b64_valid() -> Probes:
    """Every valid probe answered in base64 (the AI SDK's only form), in the plans the
    goldens speak of (the GPT one with its GIF and SVG requests)."""
    return (
        RunProbes(DALLE).probes("valid", "b64_json")
        | RunProbes(GPT, previews=PREVIEWS).probes("valid", "b64_json")
        | RunProbes("openai-legacy").probes("valid", "b64_json")
    )


def both(*probe_ids: str) -> Probes:
    """The probe on both models of the openai-dalle profile."""
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
    out = {}
    for c in results["checks"]:
        if c["probe"]["origin"] != "fixed":
            continue
        check, probe = c["check"], c["probe"]["id"]
        out[(check, f"{c['model']}/{probe}")] = (c["outcome"], c["message"])
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
