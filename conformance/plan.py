"""Planning: from a profile, the probes a run sends.

Refused probes are cheap (a conformant server rejects them without generating)
and many; valid probes are billable and few, chosen by each family's covering
set. The probes every family shares (prompt, ``n``, auth, balance, malformed
JSON, unknown model, the docs' examples) are planned here; a family's own are
planned in its room (:mod:`conformance.dalle`, :mod:`conformance.gpt`), picked
by :data:`ROOMS`, and each operation by its planner in :data:`PLANNERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from conformance.dalle import covering as dalle_covering
from conformance.dalle import plan as dalle_plan
from conformance.depth import Depth
from conformance.depth.rules import with_rules
from conformance.depth.select import select
from conformance.fuzz.edits import edit_fuzz_probes
from conformance.fuzz.probes import FuzzSettings, fuzz_probes
from conformance.gpt import covering as gpt_covering
from conformance.gpt import edits as gpt_edits
from conformance.gpt import plan as gpt_plan
from conformance.gpt import preview as gpt_preview
from conformance.gpt.pricing import request_price
from conformance.lifecycle.listing import listing_probes
from conformance.probes import PROMPT, Expectation, Probe, Row, refused_probe, valid_probe
from conformance.profile import ErrorKind, ModelSpec, Profile
from conformance.profile.counts import assumed_range
from conformance.vocabulary import OPERATIONS, Family, Operation

# Not valid JSON: the object is never closed.
UNCLOSED_JSON_BODY = b'{"model": "%s", "prompt": "A red cube", "n": 1'
UNKNOWN_MODEL = "imagegen-conformance-no-such-model"


@dataclass(frozen=True)
class Room:
    """What one model family plans: the one place planning tells the families apart.

    ``base``: the fields of its cheapest valid request besides model and prompt;
    ``refused``: the refused probes of its own parameters, on that request;
    ``covering``: its covering set, ``(probe id, row)`` pairs; its flag says the
    model spends its extra image on ``n = 2`` instead of a partial image;
    ``can_ask_n``: whether the model could make that trade;
    ``previews``: the requests of preview capabilities (GIF, SVG) the key has access to.
    """

    base: Callable[[ModelSpec], dict[str, Any]]
    refused: Callable[[Profile, ModelSpec, dict[str, Any]], list[Probe]]
    covering: Callable[[ModelSpec, bool], list[tuple[str, Row]]]
    can_ask_n: Callable[[ModelSpec], bool]
    previews: Callable[[ModelSpec, frozenset[str]], list[tuple[str, Row]]] = field(
        default=lambda _model, _access: []
    )


ROOMS: Mapping[Family, Room] = MappingProxyType(
    {
        "dalle": Room(
            dalle_plan.base_request,
            dalle_plan.refused_probes,
            lambda model, _ask_n: dalle_covering.covering_rows(model),
            lambda _model: False,
        ),
        "gpt": Room(
            gpt_plan.base_request,
            gpt_plan.refused_probes,
            lambda model, ask_n: gpt_covering.covering_rows(model, ask_n=ask_n),
            gpt_covering.can_ask_n,
            gpt_preview.preview_rows,
        ),
    }
)


@dataclass(frozen=True)
class Plan:
    """The probes of one run, in the order they are sent, as plain data.

    Valid (billable) probes come first so that they claim the budget, then the
    auth, refused and property-based ones; the docs' example answers, judged
    without a server, come last. The session sends it, the checks judge its
    probes, ``--plan`` prints it.
    """

    profile: Profile
    models: tuple[str, ...]
    probes: tuple[Probe, ...]
    # None: no property-based probes in this plan.
    fuzz: FuzzSettings | None = None
    depth: Depth = "full"
    # Requests the full plan would send (the same as this plan's at depth full).
    full_requests: int = 0

    def by_key(self) -> dict[str, Probe]:
        return {p.key: p for p in self.probes}

    @property
    def billable(self) -> tuple[Probe, ...]:
        return tuple(p for p in self.probes if p.billable)

    def expected_images(self) -> int:
        """Images a conformant server bills: a stream's partial images count."""
        return sum(p.expect.images for p in self.billable)

    def estimated_cost(self) -> float:
        return sum(probe_price(self.profile.models[p.model], p) or 0.0 for p in self.billable)


def probe_price(model: ModelSpec, probe: Probe, images: int | None = None) -> float | None:
    """USD for a billable probe (``images``: how many it bills, default its expectation's);
    an edit adds its input images."""
    count = images if images is not None else probe.expect.images or 1
    if probe.operation == "edits":
        return gpt_edits.edit_price(model, probe)
    return request_price(model, probe.body, count)


def _base(model: ModelSpec) -> dict[str, Any]:
    """The cheapest valid request: each refused probe changes one thing in it."""
    return {"model": model.name, "prompt": PROMPT, **ROOMS[model.family].base(model)}


def _too_long_prompt(limit: int) -> str:
    words = "a red cube on a white table in soft studio light "
    text = words * (limit // len(words) + 2)
    return text[: limit + 1]


def _invalid(
    profile: Profile,
    model: ModelSpec,
    probe_id: str,
    title: str,
    change: dict[str, Any],
    param: str | None,
    *,
    drop: str | None = None,
    kind: str = "invalid_request",
) -> Probe:
    return refused_probe(
        model,
        _base(model),
        probe_id,
        title,
        change,
        param,
        error=profile.errors[kind],
        kind=kind,
        drop=drop,
    )


def refused_probes(profile: Profile, model: ModelSpec, *, shared: bool) -> list[Probe]:
    """Requests a conformant server must refuse with a 4xx and the error envelope.

    Only rules the profile documents are probed: without a documented prompt
    limit there is no too-long probe, and with example sizes only, no size is
    called unsupported.
    """
    probes = [
        _invalid(profile, model, "prompt-missing", "no prompt", {}, "prompt", drop="prompt"),
        _invalid(profile, model, "prompt-empty", "empty prompt", {"prompt": ""}, "prompt"),
        _invalid(
            profile, model, "prompt-type", "prompt that is a number", {"prompt": 12345}, "prompt"
        ),
    ]
    limit = model.prompt_max_chars
    if limit is not None:
        probes.append(
            _invalid(
                profile,
                model,
                "prompt-too-long",
                f"prompt of {limit + 1} characters (limit {limit})",
                {"prompt": _too_long_prompt(limit)},
                "prompt",
            )
        )
    probes += [
        _invalid(profile, model, "n-zero", "n = 0", {"n": 0}, "n"),
        _invalid(
            profile,
            model,
            "n-above-max",
            f"n = {model.n_max + 1} (maximum {model.n_max})",
            {"n": model.n_max + 1},
            "n",
        ),
        _invalid(
            profile,
            model,
            "n-type",
            f'n as a string ("{model.n_min}")',
            {"n": str(model.n_min)},
            "n",
        ),
    ]
    probes += ROOMS[model.family].refused(profile, model, _base(model))
    if shared:
        error = profile.errors["invalid_request"]
        probes.append(
            Probe(
                id="malformed-json",
                model=model.name,
                title="body that is not valid JSON",
                kind="invalid",
                raw_body=UNCLOSED_JSON_BODY % model.name.encode(),
                expect=Expectation(statuses=error.status, error_kind="invalid_request"),
            )
        )
        probes.append(
            _invalid(
                profile,
                model,
                "model-unknown",
                f"unknown model {UNKNOWN_MODEL}",
                {"model": UNKNOWN_MODEL},
                "model",
                kind="unknown_model",
            )
        )
    return probes


def _probes_n(probe: Probe) -> bool:
    """Whether a refusal may rest on n (a fixed n probe, or a drawn body with n)."""
    if probe.kind != "invalid":
        return False
    return probe.expect.param == "n" or (probe.origin == "fuzz" and "n" in (probe.body or {}))


def vendor_counts(profile: Profile, probes: list[Probe]) -> list[Probe]:
    """n as each model's vendor documents it (``ModelSpec.count``): sent under its
    name, or, where there is no such parameter, never sent and never probed; a
    probe that rests on an assumed range says so."""
    out = []
    for probe in probes:
        model = profile.models.get(probe.model)
        count = model.count if model is not None else None
        if count is None or probe.operation != "generations":
            out.append(probe)
            continue
        if count.param is None and _probes_n(probe):
            continue
        changes: dict[str, Any] = {}
        if count.param != "n":
            changes["wire_names"] = {"n": count.param}
        rests_on_n = probe.expect.param == "n" or (probe.expect.n or 1) > 1
        if rests_on_n and (assumed := assumed_range(count)):
            changes["assumed"] = assumed
        out.append(replace(probe, **changes) if changes else probe)
    return out


def auth_probes(profile: Profile, model: ModelSpec) -> list[Probe]:
    """A valid, cheap request sent without a key and with a wrong one."""
    error = profile.errors["unauthorized"]
    expect = Expectation(statuses=error.status, error_kind="unauthorized", code=error.code)
    # No key at all may be refused apart from a wrong one (errors.missing_key).
    missing = profile.errors.get("missing_key", error)
    no_key = Expectation(statuses=missing.status, error_kind="missing_key", code=missing.code)
    body = _base(model)
    return [
        Probe(
            id="missing-key",
            model=model.name,
            title="no API key",
            kind="auth",
            body=body,
            auth="none",
            expect=no_key,
        ),
        Probe(
            id="wrong-key",
            model=model.name,
            title="a wrong API key",
            kind="auth",
            body=body,
            auth="wrong",
            expect=expect,
        ),
    ]


def valid_probes(
    model: ModelSpec, access: frozenset[str] = frozenset(), *, ask_n: bool = False
) -> list[Probe]:
    """The covering set of one model (``ask_n``: see :class:`Room`), then the
    previews (GIF, SVG) the key has ``access`` to: billable probes."""
    room = ROOMS[model.family]
    rows = room.covering(model, ask_n) + room.previews(model, access)
    return [valid_probe(model, probe_id, row) for probe_id, row in rows]


# What an empty balance gets when the profile documents nothing: OpenAI's 429
# insufficient_quota, or the 402 several resellers use.
UNDOCUMENTED_BALANCE = ErrorKind(status=(402, 429))


def balance_probe(profile: Profile, model: ModelSpec) -> Probe:
    """A valid, cheap request sent with a key whose balance is empty."""
    error = profile.errors.get("insufficient_balance") or UNDOCUMENTED_BALANCE
    return Probe(
        id="insufficient-balance",
        model=model.name,
        title="a key with an empty balance",
        kind="balance",
        body=_base(model),
        auth="zero",
        expect=Expectation(
            statuses=error.status, error_kind="insufficient_balance", code=error.code
        ),
    )


def example_probes(profile: Profile) -> list[Probe]:
    """The answers printed in the vendor's docs, to judge without a server."""
    probes = []
    for i, example in enumerate(profile.examples, start=1):
        request = dict(example.request)
        model = profile.models.get(str(request.get("model", profile.default_model)))
        n = request.get("n", 1)
        expect = Expectation(
            statuses=(200,),
            n=n if isinstance(n, int) else 1,
            size=request.get("size") or (model.default_size if model else None),
            response_format=request.get("response_format")
            or (model.default_response_format if model else "url"),
        )
        if model is not None and model.family == "gpt":
            # A GPT-form answer is judged by the GPT checks; a printed answer is one
            # JSON body, never an event stream.
            expect = replace(
                gpt_covering.expectation(model, request), stream=False, partial_images=0
            )
        probes.append(
            Probe(
                id=f"docs-example-{i}",
                model=model.name if model else profile.default_model,
                title=f"the docs' example answer: {example.name}",
                kind="example",
                origin="docs",
                body=request,
                expect=expect,
                potential_images=0,
                answer=example.response,
                source=example.source,
            )
        )
    return probes


@dataclass(frozen=True)
class Wanted:
    """What a run asks of a plan, whatever the operation."""

    profile: Profile
    specs: tuple[ModelSpec, ...]
    zero_balance: bool
    fuzz: FuzzSettings | None
    fixed: bool

    @property
    def shared_model(self) -> ModelSpec:
        """The model the probes sent once (auth, balance, malformed JSON) name."""
        default = self.profile.default_model
        return next((s for s in self.specs if s.name == default), self.specs[0])


@dataclass
class Planned:
    """One operation's probes, by their place in the plan's order."""

    # The vendor's free model list: read before anything else is sent.
    listing: list[Probe] = field(default_factory=list)
    valid: list[Probe] = field(default_factory=list)
    fuzz_valid: list[Probe] = field(default_factory=list)
    auth: list[Probe] = field(default_factory=list)
    refused: list[Probe] = field(default_factory=list)
    fuzz_invalid: list[Probe] = field(default_factory=list)

    def groups(self) -> tuple[list[Probe], ...]:
        return (
            self.listing,
            self.valid,
            self.fuzz_valid,
            self.auth,
            self.refused,
            self.fuzz_invalid,
        )


def _generations(wanted: Wanted) -> Planned:
    profile, specs, shared = wanted.profile, wanted.specs, wanted.shared_model
    planned = Planned()
    if wanted.fuzz:
        planned.fuzz_valid, planned.fuzz_invalid = fuzz_probes(profile, specs, wanted.fuzz)
    if wanted.fixed:
        # Every second streaming GPT model asks n = 2 instead of a partial image.
        tradable = [s for s in specs if ROOMS[s.family].can_ask_n(s)]
        ask_n = {spec.name for spec in tradable[1::2]}
        planned.valid = [
            p
            for spec in specs
            for p in valid_probes(spec, profile.preview_access, ask_n=spec.name in ask_n)
        ]
        planned.auth = auth_probes(profile, shared)
        if wanted.zero_balance:
            planned.auth.append(balance_probe(profile, shared))
        planned.refused = [
            p for spec in specs for p in refused_probes(profile, spec, shared=spec is shared)
        ]
    return planned


def _models(wanted: Wanted) -> Planned:
    """GET /v1/models, where the profile says the vendor serves it: free, read first."""
    return Planned(listing=listing_probes(wanted.profile, [s.name for s in wanted.specs]))


def _edits(wanted: Wanted) -> Planned:
    """Each model's edits (``gpt/edits.py``): billable ones first, the refusals free;
    and the property-based edits (``fuzz/edits.py``). The shared probes (auth,
    balance) are the generations' only."""
    planned = Planned()
    if wanted.fuzz:
        planned.fuzz_valid, planned.fuzz_invalid = edit_fuzz_probes(
            wanted.profile, wanted.specs, wanted.fuzz
        )
    if wanted.fixed:
        probes = [p for spec in wanted.specs for p in gpt_edits.edit_probes(spec)]
        planned.valid = [p for p in probes if p.billable]
        planned.refused = [p for p in probes if not p.billable]
    return planned


# Each operation's planner: the one place planning tells the operations apart.
PLANNERS: Mapping[Operation, Callable[[Wanted], Planned]] = MappingProxyType(
    {"generations": _generations, "models": _models, "edits": _edits}
)


def build_plan(
    profile: Profile,
    models: Sequence[str] | None = None,
    *,
    zero_balance: bool = False,
    fuzz: FuzzSettings | None = None,
    fixed: bool = True,
    operations: Sequence[Operation] = OPERATIONS,
    depth: Depth = "full",
) -> Plan:
    """Valid probes first: they claim the budget before refused ones could waste it.

    ``zero_balance``: a key with an empty balance is at hand (always, for the
    reference server; with --zero-balance-key-env for a vendor).
    ``fixed=False`` leaves out the hand-written probes (covering set, auth,
    refused, empty balance), so a run shows what the property-based ones catch on
    their own. The docs' example answers are always judged: they cost nothing.
    Each of ``operations`` is planned by its planner, and their probes are
    merged group by group: the free model list (``models``) before anything
    else, then every operation's billable ones. Every probe carries the rules it
    exercises (``conformance/depth/rules.py``); ``depth`` short keeps the fewest
    that exercise each of them once per place it can differ (``depth/select.py``).
    """
    chosen = tuple(models) if models else tuple(profile.models)
    wanted = Wanted(
        profile=profile,
        specs=tuple(profile.models[name] for name in chosen),
        zero_balance=zero_balance,
        fuzz=fuzz,
        fixed=fixed,
    )
    planned = [PLANNERS[operation](wanted) for operation in operations]
    # Group by group across the operations: [[valid of each], [fuzz_valid of each], ...].
    by_group = zip(*(each.groups() for each in planned), strict=True)
    probes = [p for group in by_group for probes_of_one in group for p in probes_of_one]
    probes = vendor_counts(profile, probes)
    examples = [p for p in example_probes(profile) if p.model in chosen]
    full = with_rules(probes + examples, profile, chosen)
    return Plan(
        profile=profile,
        models=chosen,
        probes=tuple(select(full, profile, depth)),
        fuzz=fuzz,
        depth=depth,
        full_requests=requests_sent(full),
    )


def requests_sent(probes: Sequence[Probe]) -> int:
    """Requests a plan's probes send: each model's listing probe reads one GET /v1/models."""
    sent = [p for p in probes if p.sent]
    listings = sum(1 for p in sent if p.kind == "listing")
    return len(sent) - max(listings - 1, 0)
