"""The fuzzer narrowed to one GPT model: its request schema (the oracle that judges a
drawn body is :mod:`classify`).

Valid (billable) cases never stream and ask for the cheapest quality, so one
costs what the cheapest image does; invalid cases may break any declared rule.
A body is *ambiguous* (never sent) where the contract leaves the answer open:
a declared-unsupported parameter sent as null, a key the profile does not
declare at all, a whole-number float, or a rule between parameters that is
not established (``partial_images`` without ``stream``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from conformance.gpt.covering import cheapest_quality
from conformance.params.spec import STREAMING, GptSpec, ParamSpec
from conformance.profile import ModelSpec

Mode = Literal["positive", "negative"]
_DRAWN_PROMPT_MAX = 4096


def _gpt(model: ModelSpec) -> GptSpec:
    assert model.gpt is not None
    return model.gpt


def enum_schema(values: Sequence[Any]) -> dict[str, Any]:
    """One of ``values``, or null (the SDKs send null for "not given")."""
    types = sorted({"boolean" if isinstance(v, bool) else "string" for v in values})
    return {"type": [*types, "null"], "enum": [*values, None]}


def param_schema(spec: ParamSpec) -> dict[str, Any] | None:
    """A declared parameter's JSON schema, for the generations' and the edits' draws."""
    if spec.kind == "enum":
        # Preview values (gif, svg) are drawn nowhere: a key without access refuses them
        # for that reason, not the rule a case is about.
        return enum_schema(spec.plain)
    if spec.kind == "range":
        schema: dict[str, Any] = {"type": ["integer", "null"]}
        if spec.minimum is not None:
            schema["minimum"] = spec.minimum
        if spec.maximum is not None:
            schema["maximum"] = spec.maximum
        return schema
    if spec.kind == "string":
        return {"type": "string"}
    return None  # unsupported or an object: not a property; sending it is a refusal


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
        if spec.kind != "enum" and spec.preview:
            continue  # GIF and SVG parameters need preview access
        schema = param_schema(spec)
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
