"""The request contract of POST /v1/images/generations, as named rules.

Each rule has a stable name because faults switch rules off one at a time. The
rules are written to be disjoint (each looks only at the case it owns: the
type rule at non-strings, the emptiness rule at strings, ...) so that switching
one off lets exactly its bad value through instead of tripping a neighbour.
Whatever gets through is then coerced tolerantly, the way lax gateways do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from conformance.params.dimensions import DIMENSION_RULES, SIZE_FIELD
from conformance.params.vendor import OPENAI_FIELDS, VENDOR_RULES
from conformance.profile import ModelSpec, Profile
from conformance.profile.deployments import served_as

if TYPE_CHECKING:
    pass

MALFORMED_JSON = "malformed-json"
MODEL_UNKNOWN = "model-unknown"

# What a server that swallows a broken body draws instead.
DEFAULT_PROMPT = "a conformance test image"
# Bounds for coerced values, so a fault cannot make the server draw 10**9 images
# or a 100000-pixel-wide picture.
_N_CAP = 10
_SIDE_MIN, _SIDE_MAX = 64, 2048
_WXH = re.compile(r"\s*(\d{1,6})\s*x\s*(\d{1,6})\s*")
_SHOWN_MAX = 60
_RATIO = re.compile(r"([1-9][0-9]{0,3}):([1-9][0-9]{0,3})")


@dataclass(frozen=True)
class Violation:
    """A refused request: the rule it broke and what the error must say."""

    rule: str
    param: str | None
    message: str
    code: str | None = None
    # Which of the profile's error kinds (and so which status) applies.
    kind: str = "invalid_request"


@dataclass(frozen=True)
class Generation:
    """What to draw, with every default applied and every value coerced."""

    model: ModelSpec
    prompt: str
    n: int
    width: int
    height: int
    response_format: str


Rule = Callable[[Mapping[str, Any], ModelSpec], Violation | None]


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 3] + "..."


def _allowed(values: tuple[str, ...]) -> str:
    if not values:
        return "none: leave the field out"
    return ", ".join(repr(v) for v in values)


def _is_int(value: Any) -> TypeGuard[int]:
    # JSON true is a bool in Python, and bool is an int subclass: not a count.
    return isinstance(value, int) and not isinstance(value, bool)


def _type_error(param: str, rule: str, expected: str, value: Any) -> Violation:
    message = (
        f"Invalid type for '{param}': expected {expected}, but got {_json_type(value)} instead."
    )
    return Violation(rule, param, message)


def _value_error(param: str, rule: str, message: str) -> Violation:
    return Violation(rule, param, f"Invalid '{param}': {message}", code="invalid_value")


def _ascii_size(value: str) -> str:
    return value.replace("\u00d7", "x")


def parse_body(raw: bytes) -> dict[str, Any] | Violation:
    """The request body as a JSON object, or the violation it is."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        return body
    message = (
        "We could not parse the JSON body of your request: it is not valid JSON, "
        "or not a JSON object. Send a JSON object such as "
        '{"prompt": "a red cube", "n": 1}.'
    )
    return Violation(MALFORMED_JSON, None, message)


def resolve_model(body: Mapping[str, Any], profile: Profile) -> tuple[ModelSpec, Violation | None]:
    """The model to judge (and draw) with; unknown models fall back to the default."""
    default = profile.models[profile.default_model]
    name = body.get("model")
    if name is None:
        return default, None
    if isinstance(name, str) and profile.deployments:
        # A deployment name stands for its model; the bare model id is no deployment.
        served = served_as(profile.deployments, name)
        if served is None:
            message = f"The deployment {_shown(name)} does not exist."
            return default, Violation(
                MODEL_UNKNOWN, "model", message, code="DeploymentNotFound", kind="unknown_model"
            )
        name = served
    if isinstance(name, str) and name in profile.models:
        return profile.models[name], None
    snapshot = profile.snapshot_of(name) if isinstance(name, str) else None
    if snapshot is not None:
        return snapshot, None  # a dated snapshot is served under its model's contract
    known = _allowed(tuple(profile.models))
    if isinstance(name, str):
        message = f"The model {_shown(name)} does not exist. Use one of: {known}."
    else:
        message = f"Invalid type for 'model': expected a string, but got {_json_type(name)}."
    return default, Violation(
        MODEL_UNKNOWN, "model", message, code="model_not_found", kind="unknown_model"
    )


def _prompt_missing(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    if body.get("prompt") is None:
        return Violation("prompt-missing", "prompt", "Missing required parameter: 'prompt'.")
    return None


def _prompt_type(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    prompt = body.get("prompt")
    if prompt is not None and not isinstance(prompt, str):
        return _type_error("prompt", "prompt-type", "a string", prompt)
    return None


def _prompt_empty(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    prompt = body.get("prompt")
    if isinstance(prompt, str) and not prompt.strip():
        return _value_error(
            "prompt", "prompt-empty", "empty string. Describe the image to generate."
        )
    return None


def _prompt_too_long(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    prompt = body.get("prompt")
    limit = model.prompt_max_chars
    if limit is not None and isinstance(prompt, str) and len(prompt) > limit:
        return _value_error(
            "prompt",
            "prompt-too-long",
            f"string too long. {model.name} accepts at most {model.prompt_max_chars} "
            f"characters, but got {len(prompt)}.",
        )
    return None


def _n_type(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    n = body.get("n")
    if n is not None and not _is_int(n):
        return _type_error("n", "n-type", "an integer", n)
    return None


def _n_zero(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    n = body.get("n")
    if _is_int(n) and n < model.n_min:
        return _value_error(
            "n",
            "n-zero",
            f"integer below minimum value. Expected a value >= {model.n_min}, but got {n}.",
        )
    return None


def _n_above_max(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    n = body.get("n")
    if _is_int(n) and n > model.n_max:
        return _value_error(
            "n",
            "n-above-max",
            f"integer above maximum value. {model.name} generates at most {model.n_max} "
            f"image(s) per request, but got {n}.",
        )
    return None


def _size_field(model: ModelSpec) -> str | None:
    """The field of a model's WxH size (renamed or OpenAI's), None for other dimensions."""
    dims = model.dimensions
    return dims.field if dims.kind == "size" else None


def _size_unicode_x(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    field = _size_field(model)
    size = body.get(field) if field else None
    if isinstance(size, str) and "\u00d7" in size:
        return _value_error(
            field or SIZE_FIELD,
            "size-unicode-x",
            f"{_shown(size)} uses the multiplication sign '\u00d7'; write the size "
            f"with an ASCII x, such as {_shown(_ascii_size(size))}.",
        )
    return None


def _size_unsupported(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    field = _size_field(model)
    size = body.get(field) if field else None
    if field is None or size is None:
        return None
    # Compared with an ASCII x: the unicode-x rule owns the multiplication sign,
    # so with that rule off "1024\u00d71024" passes here as 1024x1024.
    if isinstance(size, str) and _ascii_size(size) in model.sizes:
        return None
    return _value_error(
        field,
        "size-unsupported",
        f"{_shown(size)} is not supported by {model.name}. "
        f"Supported sizes: {_allowed(model.sizes)}.",
    )


def _enum_rule(param: str, rule: str, allowed: Callable[[ModelSpec], tuple[str, ...]]) -> Rule:
    def check(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
        value = body.get(param)
        if value is None or (isinstance(value, str) and value in allowed(model)):
            return None
        if model.free_form(param):
            return None  # any string; its type is the vendor-type rule's
        return _value_error(
            param,
            rule,
            f"{_shown(value)} is not supported by {model.name}. "
            f"Supported values: {_allowed(allowed(model))}.",
        )

    return check


def _formats(model: ModelSpec) -> tuple[str, ...]:
    """response_format's values as the vendor spells them (a renamed base64)."""
    spec = model.vendor_params.get("response_format")
    return tuple(str(v) for v in spec.values) if spec is not None else model.response_formats


def _dimension_rule(rule: str) -> Rule:
    def check(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
        for broken in model.dimensions.broken(body):
            if broken.rule == rule:
                return _value_error(
                    broken.param, rule, f"{_shown(body.get(broken.param))}: {broken.message}."
                )
        return None

    return check


def _vendor_rule(rule: str) -> Rule:
    def check(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
        for name, spec in model.vendor_params.items():
            if body.get(name) is None or (name in OPENAI_FIELDS and spec.kind == "enum"):
                continue
            if spec.broken(body[name]) == rule:
                return _value_error(
                    name, rule, f"{_shown(body[name])} is not valid for {model.name}."
                )
        return None

    return check


def _user_type(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    # The contract types `user` as a plain string, not a nullable one.
    if "user" in body and not isinstance(body["user"], str):
        return _type_error("user", "user-type", "a string", body["user"])
    return None


_CHECKS: tuple[tuple[str, Rule], ...] = (
    ("prompt-missing", _prompt_missing),
    ("prompt-type", _prompt_type),
    ("prompt-empty", _prompt_empty),
    ("prompt-too-long", _prompt_too_long),
    ("n-type", _n_type),
    ("n-zero", _n_zero),
    ("n-above-max", _n_above_max),
    ("size-unicode-x", _size_unicode_x),
    ("size-unsupported", _size_unsupported),
    (
        "response-format-unknown",
        _enum_rule("response_format", "response-format-unknown", _formats),
    ),
    ("quality-unknown", _enum_rule("quality", "quality-unknown", lambda m: m.qualities)),
    ("style-unknown", _enum_rule("style", "style-unknown", lambda m: m.styles)),
    ("user-type", _user_type),
)
# The rules of what a vendor documents beyond OpenAI's fields (issue 22): its
# dimensions and its own parameters, checked after OpenAI's.
_BEYOND_OPENAI: tuple[tuple[str, Rule], ...] = (
    *((name, _dimension_rule(name)) for name in DIMENSION_RULES),
    *((name, _vendor_rule(name)) for name in VENDOR_RULES),
)
# Every rule of step 3, in the order they are checked. The model comes first
# because the other limits depend on it.
RULES: tuple[str, ...] = (MODEL_UNKNOWN, *(name for name, _ in _CHECKS))
BEYOND_OPENAI_RULES: tuple[str, ...] = tuple(name for name, _ in _BEYOND_OPENAI)


def shared_rule(name: str) -> Rule:
    """One of the rules above, for a model family that shares it (prompt, n, ...)."""
    return dict(_CHECKS)[name]


def first_broken(
    rules: Iterable[tuple[str, Rule]],
    body: Mapping[str, Any],
    model: ModelSpec,
    skip: frozenset[str] = frozenset(),
) -> Violation | None:
    """The first of these rules the body breaks, leaving out those named in ``skip``."""
    for name, rule in rules:
        if name not in skip and (found := rule(body, model)) is not None:
            return found
    return None


def check_dalle_request(
    body: Mapping[str, Any], model: ModelSpec, skip: frozenset[str] = frozenset()
) -> Generation | Violation:
    """A DALL·E-format model's rules: the first broken rule not in ``skip``, or what to draw."""
    return first_broken((*_CHECKS, *_BEYOND_OPENAI), body, model, skip) or coerce(body, model)


def _coerce_prompt(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _coerce_n(value: Any) -> int:
    if value is None:
        return 1
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):
        return 1
    return min(max(n, 1), _N_CAP)


def _parse_size(size: str) -> tuple[int, int]:
    width, height = size.split("x")
    return int(width), int(height)


# What a model that documents no size draws.
_UNSTATED_SIZE = "1024x1024"


def _default_size(model: ModelSpec) -> tuple[int, int]:
    return _parse_size(model.default_size or (model.sizes or (_UNSTATED_SIZE,))[0])


def _other_dimensions(body: Mapping[str, Any], model: ModelSpec) -> tuple[int, int]:
    """What a model of width/height or aspect-ratio dimensions draws for ``body``."""
    dims = model.dimensions
    asked = dims.asked(body, None)
    parsed = _WXH.fullmatch(asked.size) if asked.size else None
    if parsed is not None:
        width, height = (min(max(int(side), _SIDE_MIN), _SIDE_MAX) for side in parsed.groups())
        return width, height
    if asked.ratio is not None and (ratio := _RATIO.fullmatch(asked.ratio)) is not None:
        # No documented pixels: the ratio on a 1024-pixel long edge.
        w, h = int(ratio.group(1)), int(ratio.group(2))
        return (1024, max(1, 1024 * h // w)) if w >= h else (max(1, 1024 * w // h), 1024)
    return _default_size(model)


def _coerce_size(value: Any, model: ModelSpec, body: Mapping[str, Any]) -> tuple[int, int]:
    if model.dimensions.kind in ("width_height", "aspect_ratio"):
        return _other_dimensions(body, model)
    if model.dimensions.kind == "none":
        return _default_size(model)
    if not isinstance(value, str):
        return _default_size(model)
    size = _ascii_size(value)
    # Documented sizes are drawn exactly, even beyond the clamp below.
    if size in model.sizes:
        return _parse_size(size)
    match = _WXH.fullmatch(size)
    if match is None:
        return _default_size(model)
    width, height = (min(max(int(side), _SIDE_MIN), _SIDE_MAX) for side in match.groups())
    return width, height


def coerce(body: Mapping[str, Any], model: ModelSpec) -> Generation:
    """What a tolerant server draws for ``body``; exact for a valid body."""
    fmt = body.get("response_format")
    renamed = model.vendor_params.get("response_format")
    if renamed is not None and isinstance(fmt, str):
        fmt = renamed.openai_value(fmt)
    if fmt is None:
        fmt = model.default_response_format
    elif fmt not in model.response_formats:
        fmt = "url"
    field = _size_field(model) or SIZE_FIELD
    width, height = _coerce_size(body.get(field), model, body)
    return Generation(
        model=model,
        prompt=_coerce_prompt(body.get("prompt")),
        n=_coerce_n(body.get("n")),
        width=width,
        height=height,
        response_format=str(fmt),
    )
