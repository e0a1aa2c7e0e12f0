"""The contract narrowed to one model of a profile, as an OpenAPI document.

The spec in ``specs/`` leaves model-dependent limits to the profiles; here they
go back in (sizes, n range, enums, prompt length), so schemathesis' positive
cases are valid *for this model* and its negative cases break the model's own
rules rather than only the generic ones.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from conformance.params.dimensions import SIZE, Side
from conformance.params.vendor import VendorParam
from conformance.profile import ModelSpec
from conformance.spec import load_spec
from conformance.vocabulary import OPERATION_PATHS

Mode = Literal["positive", "negative"]
# The fuzzer draws generations bodies: the spec's operation it narrows.
OPERATION = (OPERATION_PATHS["generations"], "POST")
# A prompt with something to draw: blank prompts are ambiguous (see classify).
_NOT_BLANK = r"\S"


def _nullable_enum(values: tuple[str, ...], nullable: bool) -> dict[str, Any]:
    if not values:
        return {"type": "null"}
    if nullable:
        return {"type": ["string", "null"], "enum": [*values, None]}
    return {"type": "string", "enum": list(values)}


def _prompt(model: ModelSpec) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": _NOT_BLANK}
    limit: int | None = model.prompt_max_chars
    if limit is not None:  # None: the docs give no limit
        schema["maxLength"] = limit
    return schema


def request_schema(model: ModelSpec, mode: Mode) -> dict[str, Any]:
    """``CreateImageRequest`` for one model.

    Positive cases ask for one image (``n`` absent, null or 1): the covering set
    already pays for ``n > 1``, and a fuzz case should cost one image at most.
    Fields whose default the profile does not state are required to be explicit
    there, so every positive case has a known expected size and format.
    """
    if model.family == "gpt":
        from conformance.fuzz.gpt import request_schema as gpt_request_schema

        return gpt_request_schema(model, mode, _prompt(model))
    n_max = min(model.n_max, max(model.n_min, 1)) if mode == "positive" else model.n_max
    properties: dict[str, Any] = {
        "model": {"type": "string", "enum": [model.name]},
        "prompt": _prompt(model),
        "n": {"type": ["integer", "null"], "minimum": model.n_min, "maximum": n_max},
        # Where the docs list only example sizes, an unlisted one is ambiguous
        # (classify drops it); the documented ones are still the valid values.
        "size": _nullable_enum(model.sizes, model.default_size is not None),
        "response_format": _nullable_enum(model.response_formats, nullable=True),
        "quality": _nullable_enum(model.qualities, nullable=True),
        "style": _nullable_enum(model.styles, nullable=True),
    }
    if model.user:
        properties["user"] = {"type": "string"}
    required = ["model", "prompt"]
    if model.default_size is None:
        required.append("size")
    if model.dimensions != SIZE or model.vendor_params:
        properties, required = _beyond_openai(model, properties, required)
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        # Unknown keys are no rule of any profile: a negative case that only adds
        # one would be valid, so the positive side never adds them either.
        "additionalProperties": False,
    }


def _side(side: Side) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": side.minimum, "maximum": side.maximum}
    if side.step > 1 and side.minimum % side.step == 0:
        schema["multipleOf"] = side.step
    elif side.step > 1:
        schema = {"type": "integer", "enum": list(side.values())}
    return schema


def _vendor(spec: VendorParam, wire: tuple[Any, ...]) -> dict[str, Any]:
    if spec.kind == "enum":
        return {"enum": [*wire, None]}
    if spec.kind == "string":
        return {"type": ["string", "null"]}
    if spec.kind == "boolean":
        return {"type": ["boolean", "null"]}
    schema: dict[str, Any] = {"type": [spec.kind, "null"]}
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
    if spec.maximum is not None:
        schema["maximum"] = spec.maximum
    return schema


def _beyond_openai(
    model: ModelSpec, properties: dict[str, Any], required: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """The dimensions and vendor parameters of a model that documents more than
    OpenAI's fields (params/dimensions.py, params/vendor.py)."""
    dims = model.dimensions
    props = {k: v for k, v in properties.items() if k != "size"}
    need = [r for r in required if r != "size"]
    if dims.kind == "size":
        props[dims.field] = properties["size"]
        need += [dims.field] if "size" in required else []
    for side in (dims.width, dims.height):
        if side is not None:
            props[side.field] = _side(side)
    for choice in (dims.aspect_ratio, dims.resolution):
        if choice is not None:
            props[choice.field] = _nullable_enum(choice.values, choice.default is not None)
    need += list(dims.required())
    for name, spec in model.vendor_params.items():
        props[name] = _vendor(spec, tuple(spec.values))
    return props, need


def narrowed_spec(model: ModelSpec, mode: Mode) -> dict[str, Any]:
    """The whole OpenAPI document with the request body narrowed to ``model``.

    Security is dropped: the transport adds the key; auth has its own probes.
    """
    spec = copy.deepcopy(load_spec())
    spec.pop("security", None)
    spec["components"].pop("securitySchemes", None)
    spec["components"]["schemas"]["CreateImageRequest"] = request_schema(model, mode)
    return spec
