"""Planning: from a profile, the probes a run sends.

Refused probes are cheap (a conformant server rejects them without generating)
and many; valid probes are billable and few, chosen by :mod:`covering`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conformance.covering import PROMPT, covering_rows
from conformance.edits.plan import edit_price, edit_probes
from conformance.fuzz.probes import FuzzSettings, fuzz_probes
from conformance.gpt.plan import base_request, gpt_refused_probes, gpt_valid_probes
from conformance.gpt.pricing import request_price
from conformance.probes import Expectation, Probe, potential_images
from conformance.profile import ErrorKind, ModelSpec, Profile

# Not valid JSON: the object is never closed.
UNCLOSED_JSON_BODY = b'{"model": "%s", "prompt": "A red cube", "n": 1'
UNKNOWN_MODEL = "imagegen-conformance-no-such-model"


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
        return edit_price(model, probe)
    return request_price(model, probe.body, count)


def _cheapest_size(model: ModelSpec) -> str:
    return min(model.sizes, key=lambda s: int(s.split("x")[0]) * int(s.split("x")[1]))


def _base(model: ModelSpec) -> dict[str, Any]:
    """The cheapest valid request: each refused probe changes one thing in it."""
    if model.family == "gpt":
        return {"model": model.name, "prompt": PROMPT, **base_request(model)}
    return {"model": model.name, "prompt": PROMPT, "size": _cheapest_size(model)}


def _unsupported_size(model: ModelSpec) -> str:
    for candidate in ("999x999", "640x480", "123x456"):
        if candidate not in model.sizes:
            return candidate
    raise AssertionError("unreachable: a model lists every candidate size")


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
    body = _base(model)
    if drop:
        body.pop(drop)
    body.update(change)
    error = profile.errors[kind]
    return Probe(
        id=probe_id,
        model=model.name,
        title=title,
        kind="invalid",
        body=body,
        expect=Expectation(statuses=error.status, error_kind=kind, param=param, code=error.code),
        potential_images=potential_images(body),
    )


def _dalle_refused(profile: Profile, model: ModelSpec) -> list[Probe]:
    """Size, response_format, quality and style probes of a DALL·E-form model."""
    some_size = model.sizes[0]
    probes: list[Probe] = []
    if model.sizes_exhaustive:
        probes.append(
            _invalid(
                profile,
                model,
                "size-unsupported",
                f"size {_unsupported_size(model)} (not documented)",
                {"size": _unsupported_size(model)},
                "size",
            )
        )
    probes += [
        _invalid(
            profile,
            model,
            "size-unicode-x",
            f"size written with the multiplication sign ({some_size.replace('x', '×')})",
            {"size": some_size.replace("x", "×")},
            "size",
        ),
        _invalid(
            profile,
            model,
            "response-format-unknown",
            'response_format "gif"',
            {"response_format": "gif"},
            "response_format",
        ),
        _invalid(
            profile, model, "quality-unknown", 'quality "ultra"', {"quality": "ultra"}, "quality"
        ),
        _invalid(profile, model, "style-unknown", 'style "cartoon"', {"style": "cartoon"}, "style"),
    ]
    return probes


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
    if model.family == "gpt":
        probes += gpt_refused_probes(profile, model, _base(model))
    else:
        probes += _dalle_refused(profile, model)
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


def auth_probes(profile: Profile, model: ModelSpec) -> list[Probe]:
    """A valid, cheap request sent without a key and with a wrong one."""
    error = profile.errors["unauthorized"]
    expect = Expectation(statuses=error.status, error_kind="unauthorized", code=error.code)
    body = _base(model)
    return [
        Probe(
            id="missing-key",
            model=model.name,
            title="no API key",
            kind="auth",
            body=body,
            auth="none",
            expect=expect,
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


def valid_probes(model: ModelSpec) -> list[Probe]:
    if model.family == "gpt":
        return gpt_valid_probes(model)
    probes = []
    for probe_id, row in covering_rows(model):
        probes.append(
            Probe(
                id=probe_id,
                model=model.name,
                title="generate " + ", ".join(row.covers),
                kind="valid",
                body=row.body,
                expect=Expectation(
                    statuses=(200,), n=row.n, size=row.size, response_format=row.response_format
                ),
                potential_images=row.n,
                covers=row.covers,
            )
        )
    return probes


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
        probes.append(
            Probe(
                id=f"docs-example-{i}",
                model=model.name if model else profile.default_model,
                title=f"the docs' example answer: {example.name}",
                kind="example",
                origin="docs",
                body=request,
                expect=Expectation(
                    statuses=(200,),
                    n=n if isinstance(n, int) else 1,
                    size=request.get("size") or (model.default_size if model else None),
                    response_format=request.get("response_format")
                    or (model.default_response_format if model else "url"),
                ),
                potential_images=0,
                answer=example.response,
                source=example.source,
            )
        )
    return probes


def build_plan(
    profile: Profile,
    models: Sequence[str] | None = None,
    *,
    zero_balance: bool = False,
    fuzz: FuzzSettings | None = None,
    fixed: bool = True,
) -> Plan:
    """Valid probes first: they claim the budget before refused ones could waste it.

    ``zero_balance``: a key with an empty balance is at hand (always, for the
    reference server; with --zero-balance-key-env for a vendor).
    ``fixed=False`` leaves out the hand-written probes (covering set, auth,
    refused, empty balance), so a run shows what the property-based ones catch on
    their own. The docs' example answers are always judged: they cost nothing.
    """
    chosen = tuple(models) if models else tuple(profile.models)
    specs = [profile.models[name] for name in chosen]
    shared_model = (
        profile.models[profile.default_model] if profile.default_model in chosen else specs[0]
    )
    fuzz_valid, fuzz_invalid = fuzz_probes(profile, specs, fuzz) if fuzz else ([], [])
    valid: list[Probe] = []
    auth: list[Probe] = []
    refused: list[Probe] = []
    if fixed:
        valid = [p for spec in specs for p in valid_probes(spec)]
        edits = [p for spec in specs for p in edit_probes(spec)]
        valid += [p for p in edits if p.billable]
        auth = auth_probes(profile, shared_model)
        if zero_balance:
            auth.append(balance_probe(profile, shared_model))
        refused = [
            p for spec in specs for p in refused_probes(profile, spec, shared=spec is shared_model)
        ]
        refused += [p for p in edits if not p.billable]
    examples = [p for p in example_probes(profile) if p.model in chosen]
    return Plan(
        profile=profile,
        models=chosen,
        probes=tuple(valid + fuzz_valid + auth + refused + fuzz_invalid + examples),
        fuzz=fuzz,
    )
