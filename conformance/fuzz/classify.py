"""Is a drawn body valid for the profile, invalid (and why), or ambiguous?

Written from the profile, not from the reference server: it decides what a
fuzz probe expects. Whatever the contract does not settle is *ambiguous* and
never sent, so a fuzz verdict can never rest on a guess: a whole-number float
``n`` (JSON Schema calls ``2.0`` an integer, Python does not), a prompt of
only whitespace, a prompt whose length sits on the limit in one way of
counting characters (code points) and over it in another (UTF-16 units), a
size the docs do not list where they list only examples.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from conformance.params.dimensions import SIZE
from conformance.params.pairs import PAIR_RULES
from conformance.params.sizes import parse_size
from conformance.params.spec import GptSpec, ParamSpec
from conformance.profile import ModelSpec, Profile

# Whether a drawn body is one the profile accepts; not a verdict on a server.
Validity = Literal["valid", "invalid", "ambiguous"]


@dataclass(frozen=True)
class Reason:
    """One broken rule: the field (None for the body itself) and what is wrong."""

    param: str | None
    rule: str
    # Which of the profile's error kinds (so which statuses) it calls for.
    kind: str = "invalid_request"

    def __str__(self) -> str:
        return f"{self.param or 'body'}: {self.rule}"


@dataclass(frozen=True)
class Classification:
    verdict: Validity
    model: ModelSpec | None
    reasons: tuple[Reason, ...] = ()
    note: str = ""

    @property
    def param(self) -> str | None:
        """The one field an error must name; None when several are wrong."""
        params = {r.param for r in self.reasons}
        return params.pop() if len(params) == 1 else None


def exhaustive_sizes(model: ModelSpec) -> bool:
    """Whether the profile lists every size (not only examples of sizes)."""
    return bool(getattr(model, "sizes_exhaustive", True))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _enum(param: str, value: Any, allowed: tuple[str, ...]) -> Reason | None:
    if value is None or (isinstance(value, str) and value in allowed):
        return None
    return Reason(param, "unknown value" if isinstance(value, str) else "wrong type")


class Ambiguous(Exception):
    """The contract leaves the answer to this body open: it is never sent."""


_Ambiguous = Ambiguous


def _prompt(value: Any, model: ModelSpec) -> Reason | None:
    if value is None:
        return Reason("prompt", "missing")
    if not isinstance(value, str):
        return Reason("prompt", "wrong type")
    if value == "":
        return Reason("prompt", "empty")
    if not value.strip():
        raise _Ambiguous("a prompt of only whitespace")
    limit: int | None = model.prompt_max_chars
    if limit is None:  # the docs give no limit: no length is wrong
        return None
    points, units = len(value), _utf16_len(value)
    if points > limit:
        return Reason("prompt", "too long")
    if units > limit:
        raise _Ambiguous("a prompt within the limit in code points, over it in UTF-16 units")
    return None


def _n(value: Any, model: ModelSpec) -> Reason | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        raise _Ambiguous("a whole-number float n")
    if not _is_int(value):
        return Reason("n", "wrong type")
    if value < model.n_min:
        return Reason("n", "below minimum")
    if value > model.n_max:
        return Reason("n", "above maximum")
    return None


def _size(value: Any, model: ModelSpec) -> Reason | None:
    if value is None or (isinstance(value, str) and value in model.sizes):
        return None
    if not isinstance(value, str):
        return Reason("size", "wrong type")
    if not exhaustive_sizes(model):
        raise _Ambiguous("a size the docs do not list, where they list only examples")
    return Reason("size", "unsupported")


def _beyond_openai(body: Mapping[str, Any], model: ModelSpec, profile: Profile) -> list[Reason]:
    """The rules of a DALL·E-form model that documents more than OpenAI's fields:
    its dimensions, its vendor parameters, and the fields whose refusal only one
    view expects (dalle/promises.py), which are ambiguous to a drawn case."""
    dims = model.dimensions
    found: list[Reason | None] = []
    if dims.kind == "size":
        wrong = _size(body.get(dims.field), model)
        found.append(Reason(dims.field, wrong.rule) if wrong is not None else None)
    elif body.get("size") is not None:
        raise _Ambiguous("a size where the model takes other dimensions (views differ)")
    for side in (dims.width, dims.height):
        if side is not None and _is_whole_float(body.get(side.field)):
            raise _Ambiguous(f"a whole-number float {side.field}")
    found += [Reason(b.param, b.rule) for b in dims.broken(body) if b.param != "size"]
    ignored = profile.unknown_fields == "ignored"
    for name, values in (
        ("response_format", model.response_formats),
        ("quality", model.qualities),
        ("style", model.styles),
    ):
        spec = model.vendor_params.get(name)
        value = body.get(name)
        if value is None or spec is not None:
            continue
        if not model.documents(name) and ignored:
            raise _Ambiguous(f"{name} where the docs do not mention it (ignored; views differ)")
        found.append(_enum(name, value, values))
    for name, spec in model.vendor_params.items():
        value = body.get(name)
        if value is None:
            continue
        if spec.kind == "integer" and _is_whole_float(value):
            raise _Ambiguous(f"a whole-number float {name}")
        rule = spec.broken(value)
        if rule is not None:
            found.append(Reason(name, rule))
    return [r for r in found if r is not None]


# The prompt and n rules, shared with the GPT family's classification.


def _model(body: Mapping[str, Any], profile: Profile) -> tuple[ModelSpec, Reason | None]:
    default = profile.models[profile.default_model]
    name = body.get("model")
    if name is None:
        return default, None
    if isinstance(name, str) and name in profile.models:
        return profile.models[name], None
    rule = "unknown model" if isinstance(name, str) else "wrong type"
    # Judged further as the default model: whatever else is wrong is wrong there too.
    return default, Reason("model", rule, kind="unknown_model")


def classify(body: Any, profile: Profile) -> Classification:
    """``body`` is the parsed JSON (or raw bytes when it is not JSON)."""
    if not isinstance(body, dict):
        rule = "not JSON" if isinstance(body, bytes) else "not a JSON object"
        return Classification("invalid", None, (Reason(None, rule),))
    model, wrong_model = _model(body, profile)
    if model.family == "gpt":
        return _classify_gpt(body, model, wrong_model)
    try:
        found = [wrong_model, _prompt(body.get("prompt"), model), _n(body.get("n"), model)]
        # OpenAI's own fields only, refused when unknown: today's rules. A vendor
        # that ignores what its docs do not mention goes the longer way, where a
        # drawn value for such a field is ambiguous (the two views differ).
        plain = not model.vendor_params and profile.unknown_fields == "refused"
        if model.dimensions == SIZE and plain:
            found += [
                _size(body.get("size"), model),
                _enum("response_format", body.get("response_format"), model.response_formats),
                _enum("quality", body.get("quality"), model.qualities),
                _enum("style", body.get("style"), model.styles),
            ]
        else:
            found += _beyond_openai(body, model, profile)
    except _Ambiguous as exc:
        return Classification("ambiguous", model, note=str(exc))
    if model.user and "user" in body and not isinstance(body["user"], str):
        found.append(Reason("user", "wrong type"))
    reasons = tuple(r for r in found if r is not None)
    return Classification("invalid" if reasons else "valid", model, reasons)


def _classify_gpt(
    body: dict[str, Any], model: ModelSpec, wrong_model: Reason | None
) -> Classification:
    try:
        found = gpt_reasons(body, model)
    except Ambiguous as exc:
        return Classification("ambiguous", model, note=str(exc))
    reasons = tuple(r for r in (wrong_model, *found) if r is not None)
    return Classification("invalid" if reasons else "valid", model, reasons)


# -- the GPT image family's rules, built on the shared ones above --------------

# Keys every model takes; a GPT model declares the rest as parameters.
_GPT_BASE_KEYS = ("model", "prompt", "n", "size")


def _is_whole_float(value: Any) -> bool:
    return isinstance(value, float) and value.is_integer()


def _gpt_size(value: Any, gpt: GptSpec) -> Reason | None:
    if value is None or (isinstance(value, str) and value in gpt.size.values):
        return None
    if not isinstance(value, str):
        return Reason("size", "wrong type")
    if "\u00d7" in value:
        return Reason("size", "multiplication sign")
    parsed = parse_size(value)
    if gpt.size.rule is not None and parsed is not None:
        broken = gpt.size.rule.broken(*parsed)
        return Reason("size", broken[0][0]) if broken else None
    return Reason("size", "unsupported")


def _param(spec: ParamSpec, body: Mapping[str, Any]) -> Reason | None:
    if spec.name not in body:
        return None
    value = body[spec.name]
    if spec.kind == "unsupported":
        if value is None:
            raise Ambiguous(f"{spec.name} sent as null where the model does not take it")
        return Reason(spec.name, "unsupported parameter", kind="unknown_parameter")
    if spec.kind == "string":
        # Every field but prompt and user is nullable (safety_identifier: "omitted, null,
        # or empty").
        nullable = value is None and spec.name != "user"
        return None if isinstance(value, str) or nullable else Reason(spec.name, "wrong type")
    if value is None or spec.allows(value):
        return None
    if spec.kind == "range" and _is_whole_float(value):
        raise Ambiguous(f"a whole-number float {spec.name}")
    if spec.kind == "range" and isinstance(value, int) and not isinstance(value, bool):
        return Reason(spec.name, "out of range")
    return Reason(spec.name, "unknown value" if isinstance(value, str) else "wrong type")


def gpt_reasons(body: Mapping[str, Any], model: ModelSpec) -> list[Reason]:
    """Every rule ``body`` breaks for a GPT model; raises Ambiguous where the contract is silent."""
    gpt = model.gpt
    assert gpt is not None, "only GPT-family models have these rules"
    unknown = [k for k in body if k not in _GPT_BASE_KEYS and k not in gpt.params]
    if unknown:
        raise Ambiguous(f"a key the profile does not declare ({unknown[0]!r})")
    found = [
        _prompt(body.get("prompt"), model),
        _n(body.get("n"), model),
        _gpt_size(body.get("size"), gpt),
    ]
    found += [_param(spec, body) for spec in gpt.params.values()]
    reasons = [r for r in found if r is not None]
    wrong = {r.param for r in reasons}
    for name in gpt.rules:
        rule = PAIR_RULES[name]
        if wrong & set(rule.params) or rule.broken(body, gpt) is None:
            continue
        if not rule.refused:
            raise Ambiguous(f"{rule.description}")
        reasons.append(Reason(rule.param, name))
    return reasons


def parse(raw: bytes) -> Any:
    """The body as a server parses it: JSON when it is, else the raw bytes."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw
