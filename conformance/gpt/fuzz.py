"""The fuzzer narrowed to one GPT model: its request schema and how a drawn body is judged.

Valid (billable) cases never stream and ask for the cheapest quality, so one
costs what the cheapest image does; invalid cases may break any declared rule.
A body is *ambiguous* (never sent) where the contract leaves the answer open:
a declared-unsupported parameter sent as null, a key the profile does not
declare at all, a whole-number float, or a rule between parameters that is
not established (``partial_images`` without ``stream``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from conformance.fuzz.classify import Ambiguous, Reason, n_reason, prompt_reason
from conformance.gpt.covering import cheapest_quality
from conformance.gpt.pairs import PAIR_RULES
from conformance.gpt.params import STREAMING, GptSpec, ParamSpec
from conformance.gpt.sizes import parse_size
from conformance.profile import ModelSpec

Mode = Literal["positive", "negative"]
_BASE_KEYS = ("model", "prompt", "n", "size")
_DRAWN_PROMPT_MAX = 4096


def _gpt(model: ModelSpec) -> GptSpec:
    assert model.gpt is not None
    return model.gpt


def _param_schema(spec: ParamSpec) -> dict[str, Any] | None:
    if spec.kind == "enum":
        types = sorted({"boolean" if isinstance(v, bool) else "string" for v in spec.values})
        return {"type": [*types, "null"], "enum": [*spec.values, None]}
    if spec.kind == "range":
        schema: dict[str, Any] = {"type": ["integer", "null"]}
        if spec.minimum is not None:
            schema["minimum"] = spec.minimum
        if spec.maximum is not None:
            schema["maximum"] = spec.maximum
        return schema
    if spec.kind == "string":
        return {"type": "string"}
    return None  # unsupported: not a property; sending it is a refusal


def request_schema(model: ModelSpec, mode: Mode, prompt: dict[str, Any]) -> dict[str, Any]:
    """``CreateImageRequest`` for one GPT model (``prompt``: the prompt's schema)."""
    gpt = _gpt(model)
    n_max = min(model.n_max, max(model.n_min, 1)) if mode == "positive" else model.n_max
    sizes: list[Any] = list(gpt.size.values)
    if prompt.get("maxLength", 0) > _DRAWN_PROMPT_MAX:
        # Drawing 32001-character strings is slow and tells nothing the fixed
        # prompt-too-long probe does not: drawn prompts stay far below the limit.
        prompt = {k: v for k, v in prompt.items() if k != "maxLength"}
    properties: dict[str, Any] = {
        "model": {"type": "string", "enum": [model.name]},
        "prompt": prompt,
        "n": {"type": ["integer", "null"], "minimum": model.n_min, "maximum": n_max},
        "size": {"type": ["string", "null"], "enum": [*sizes, None]},
    }
    for spec in gpt.params.values():
        if mode == "positive" and spec.name in STREAMING:
            continue  # valid cases do not stream
        schema = _param_schema(spec)
        if schema is not None:
            properties[spec.name] = schema
    if "compression-needs-jpeg-or-webp" in gpt.rules and "output_compression" in properties:
        # Below 100 is valid only with jpeg/webp, which one field's schema cannot say:
        # drawn bodies keep to 100 (or null), and a lower value is a refusal to find.
        properties["output_compression"]["minimum"] = 100
    cheapest = cheapest_quality(model)
    if mode == "positive" and cheapest is not None and "quality" in properties:
        properties["quality"] = {"type": "string", "enum": [cheapest]}
    return {
        "type": "object",
        "required": ["model", "prompt"],
        "properties": properties,
        "additionalProperties": False,
    }


def _is_whole_float(value: Any) -> bool:
    return isinstance(value, float) and value.is_integer()


def _size(value: Any, gpt: GptSpec) -> Reason | None:
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
        return None if isinstance(value, str) else Reason(spec.name, "wrong type")
    if value is None or spec.allows(value):
        return None
    if spec.kind == "range" and _is_whole_float(value):
        raise Ambiguous(f"a whole-number float {spec.name}")
    if spec.kind == "range" and isinstance(value, int) and not isinstance(value, bool):
        return Reason(spec.name, "out of range")
    return Reason(spec.name, "unknown value" if isinstance(value, str) else "wrong type")


def gpt_reasons(body: Mapping[str, Any], model: ModelSpec) -> list[Reason]:
    """Every rule ``body`` breaks for a GPT model; raises Ambiguous where the contract is silent."""
    gpt = _gpt(model)
    unknown = [k for k in body if k not in _BASE_KEYS and k not in gpt.params]
    if unknown:
        raise Ambiguous(f"a key the profile does not declare ({unknown[0]!r})")
    found = [
        prompt_reason(body.get("prompt"), model),
        n_reason(body.get("n"), model),
        _size(body.get("size"), gpt),
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
