"""The request contract of the GPT image models, as named rules, and what to draw.

Rules are named like the refused probes that test them (``size-multiple``,
``quality-unknown``, ``response-format-unsupported``,
``transparent-needs-png-or-webp``, ...), so a fault can switch one off; the
prompt and ``n`` rules are the DALL·E family's (:mod:`.contract`). A valid
request is coerced into a :class:`GptGeneration`, every auto resolved; what is
sent back for it is :mod:`.gpt` (JSON) or :mod:`.stream` (``stream: true``). A
model that declares no streaming refuses ``stream`` (400, ``param: stream``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.params.pairs import PAIR_RULES
from conformance.params.sizes import parse_size
from conformance.params.spec import AUTO, GptSpec, ParamSpec
from conformance.profile import ModelSpec
from conformance.server.contract import Violation, first_broken, shared_rule

Rule = Callable[[Mapping[str, Any], ModelSpec], Violation | None]

_SHARED = (
    "prompt-missing",
    "prompt-type",
    "prompt-empty",
    "prompt-too-long",
    "n-type",
    "n-zero",
    "n-above-max",
    "size-unicode-x",
)
_SIDE_MIN, _SIDE_MAX = 64, 2048

# What a server that skips each GPT-only rule does with the value instead.
GPT_TOLERATED: Mapping[str, str] = {
    "size-multiple": "a size that is not a multiple of 16 is drawn (sides clamped to 64..2048)",
    "size-ratio": "a size beyond 3:1 is drawn (sides clamped to 64..2048)",
    "size-edge": "a size with a long edge above the limit is drawn (sides clamped to 64..2048)",
    "size-pixels-min": "a size with too few pixels is drawn",
    "size-pixels-max": "a size with too many pixels is drawn (sides clamped to 64..2048)",
    "background-unknown": "an unknown background is drawn as opaque",
    "output-format-unknown": "an unknown output_format answers with png",
    "output-compression-range": "output_compression out of range is clamped to 0..100",
    "moderation-unknown": "an unknown moderation level is ignored",
    "stream-unknown": "a stream value that is not a boolean is ignored",
    "partial-images-range": "partial_images out of range is ignored",
    "response-format-unsupported": "response_format is ignored (b64_json is sent anyway)",
    "style-unsupported": "style is ignored",
    "transparent-needs-png-or-webp": "transparent with jpeg is drawn opaque as a jpeg",
    "compression-needs-jpeg-or-webp": "png with a compression below 100 is drawn as png",
    "complexity-unknown": "an unknown complexity is ignored",
    "frame-count-range": "frame_count out of range is clamped to 1..16",
    "safety-identifier-type": "a safety_identifier that is not a string is ignored",
    "svg-type": "an svg that is no object with a model is ignored",
    "gif-no-stream": "a GIF asked as a stream is answered as a JSON GIF",
    "gif-no-partial-images": "partial_images with a GIF is ignored",
    "gif-no-compression": "output_compression with a GIF is ignored",
    "frames-need-gif": "frame_count without output_format gif is ignored",
    "svg-no-stream": "an SVG asked as a stream is answered as a JSON SVG",
    "svg-no-partial-images": "partial_images with an SVG is ignored",
    "svg-no-compression": "output_compression with an SVG is ignored",
    "svg-single-image": "n above 1 with an SVG draws that many SVGs",
    "svg-object-needs-svg": "the svg object without output_format svg is ignored",
}
# Formats the server draws (anything else is answered as png).
_FORMATS = ("png", "jpeg", "webp", "gif", "svg")


@dataclass(frozen=True)
class GptGeneration:
    """What to draw for a GPT model, every default applied and every auto resolved."""

    model: ModelSpec
    prompt: str
    n: int
    width: int
    height: int
    size_auto: bool
    output_format: str
    background: str  # transparent | opaque
    background_auto: bool
    quality: str
    quality_auto: bool
    compression: int
    frames: int = 1
    frame_delay_ms: int = 200
    svg_model: str | None = None
    # The request itself, for the echo fields read from it (safety_identifier).
    body: Mapping[str, Any] | None = None


def _gpt(model: ModelSpec) -> GptSpec:
    assert model.gpt is not None
    return model.gpt


def _slug(name: str) -> str:
    return name.replace("_", "-")


def _shown(value: Any) -> str:
    return repr(value)[:60]


def _size_unsupported(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
    size = body.get("size")
    if size is None:
        return None
    gpt = _gpt(model)
    ascii_size = size.replace("\u00d7", "x") if isinstance(size, str) else size
    if isinstance(ascii_size, str) and ascii_size in gpt.size.values:
        return None
    if gpt.size.rule is not None and parse_size(ascii_size) is not None:
        return None  # the size rule's limits judge it
    listed = ", ".join(repr(v) for v in gpt.size.values)
    more = " or WIDTHxHEIGHT within the size rule" if gpt.size.rule else ""
    return Violation(
        "size-unsupported",
        "size",
        f"Invalid value: {_shown(size)}. Supported values are: {listed}{more}.",
        code="invalid_value",
    )


def _size_limit(subrule: str) -> Rule:
    def check(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
        gpt = _gpt(model)
        size = body.get("size")
        ascii_size = size.replace("\u00d7", "x") if isinstance(size, str) else None
        parsed = parse_size(ascii_size)
        if gpt.size.rule is None or parsed is None or ascii_size in gpt.size.values:
            return None
        for name, message in gpt.size.rule.broken(*parsed):
            if name == subrule:
                return Violation(subrule, "size", f"Invalid size {message}.", code="invalid_value")
        return None

    return check


def _param_rule(spec: ParamSpec) -> tuple[str, Rule] | None:
    name = spec.name
    if spec.kind == "unsupported":

        def unsupported(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
            if body.get(name) is None:
                return None
            return Violation(
                f"{_slug(name)}-unsupported",
                name,
                f"Unknown parameter: '{name}'.",
                code="unknown_parameter",
                kind="unknown_parameter",
            )

        return f"{_slug(name)}-unsupported", unsupported
    if spec.kind == "string" and name == "user":
        return "user-type", shared_rule("user-type")
    if spec.kind in ("string", "object"):
        rule = f"{_slug(name)}-type"
        wanted = (
            "a string" if spec.kind == "string" else "an object with " + ", ".join(spec.required)
        )

        def typed(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
            given = body.get(name)
            if given is None or spec.allows(given):
                return None
            message = f"Invalid type for '{name}': expected {wanted}, but got {_shown(given)}."
            return Violation(rule, name, message, code="invalid_type")

        return rule, typed
    rule = f"{_slug(name)}-{'range' if spec.kind == 'range' else 'unknown'}"

    def value(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
        given = body.get(name)
        # Values the sources disagree on (open) are taken, as the tolerant side does.
        if given is None or spec.allows(given) or given in spec.open:
            return None
        if spec.kind == "range":
            allowed = f"an integer from {spec.minimum} to {spec.maximum}"
        else:
            allowed = ", ".join(repr(v) for v in spec.values)
        return Violation(
            rule,
            name,
            f"Invalid value for '{name}': {_shown(given)}. Supported values are: {allowed}.",
            code="invalid_value",
        )

    return rule, value


def _pair_rule(name: str) -> Rule:
    rule = PAIR_RULES[name]

    def check(body: Mapping[str, Any], model: ModelSpec) -> Violation | None:
        message = rule.broken(body, _gpt(model))
        if message is None:
            return None
        return Violation(name, rule.param, message, code=rule.code)

    return check


def model_rules(model: ModelSpec) -> list[tuple[str, Rule]]:
    """The validation rules of one GPT model, in the order they are checked."""
    gpt = _gpt(model)
    rules: list[tuple[str, Rule]] = [(name, shared_rule(name)) for name in _SHARED]
    rules.append(("size-unsupported", _size_unsupported))
    if gpt.size.rule is not None:
        rules += [(sub, _size_limit(sub)) for sub in gpt.size.rule.subrules()]
    rules += [found for spec in gpt.params.values() if (found := _param_rule(spec)) is not None]
    if "stream" not in gpt.params:
        # A model that declares no streaming refuses it like a parameter it does not take.
        unsupported = _param_rule(ParamSpec("stream", "unsupported"))
        assert unsupported is not None
        rules.append(unsupported)
    rules += [(name, _pair_rule(name)) for name in gpt.rules if PAIR_RULES[name].refused]
    return rules


def check_gpt_request(
    body: Mapping[str, Any], model: ModelSpec, skip: frozenset[str] = frozenset()
) -> GptGeneration | Violation:
    return first_broken(model_rules(model), body, model, skip) or coerce(body, model)


# --- what to draw ------------------------------------------------------------


def _coerce_size(value: Any, model: ModelSpec) -> tuple[int, int, bool]:
    gpt = _gpt(model)
    if value is None or value == AUTO:
        default = gpt.size.default
        if default not in (None, AUTO):
            parsed = parse_size(default)
            if parsed:
                return (*parsed, False)
        first = parse_size(gpt.size.fixed[0])
        assert first is not None
        return (*first, True)
    text = value.replace("\u00d7", "x").strip() if isinstance(value, str) else ""
    parsed = parse_size(text)
    if parsed and gpt.size.allows(text):
        return (*parsed, False)
    if parsed:
        width, height = (min(max(side, _SIDE_MIN), _SIDE_MAX) for side in parsed)
        return width, height, False
    return _coerce_size(None, model)


def _resolved(gpt: GptSpec, body: Mapping[str, Any], name: str, fallback: str) -> tuple[str, bool]:
    """The value to use and whether it was auto (explicitly or by default)."""
    value = gpt.effective(body, name)
    spec = gpt.param(name)
    if spec is None or not isinstance(value, str) or not spec.allows(value):
        value = spec.default if spec is not None and spec.default is not None else fallback
    if value == AUTO:
        return fallback, True
    return str(value), False


def coerce(body: Mapping[str, Any], model: ModelSpec) -> GptGeneration:
    """What a tolerant server draws for ``body``; exact for a valid body."""
    gpt = _gpt(model)
    width, height, size_auto = _coerce_size(body.get("size"), model)
    fmt = gpt.effective(body, "output_format")
    fmt = fmt if fmt in _FORMATS else "png"
    background, background_auto = _resolved(gpt, body, "background", "opaque")
    if background not in ("transparent", "opaque") or (
        background == "transparent" and fmt == "jpeg"
    ):
        background = "opaque"
    qualities = [str(q) for q in gpt.values("quality") if q != AUTO] or ["medium"]
    middle = qualities[len(qualities) // 2]
    quality, quality_auto = _resolved(gpt, body, "quality", middle)
    compression = body.get("output_compression")
    if not isinstance(compression, int) or isinstance(compression, bool):
        compression = 100
    n = body.get("n")
    prompt = body.get("prompt")
    frames = body.get("frame_count")
    if isinstance(frames, bool) or not isinstance(frames, int):
        frames = gpt.default("frame_count") or 1
    delay = body.get("frame_duration_ms")
    if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0:
        delay = gpt.default("frame_duration_ms") or 200
    svg = body.get("svg")
    svg_model = svg.get("model") if isinstance(svg, dict) and fmt == "svg" else None
    return GptGeneration(
        model=model,
        prompt=prompt if isinstance(prompt, str) else str(prompt or ""),
        n=min(max(n, 1), 10) if isinstance(n, int) and not isinstance(n, bool) else 1,
        width=width,
        height=height,
        size_auto=size_auto,
        output_format=fmt,
        background=background,
        background_auto=background_auto,
        quality=quality,
        quality_auto=quality_auto,
        compression=min(max(compression, 0), 100),
        frames=min(max(int(frames), 1), 16),
        frame_delay_ms=int(delay),
        svg_model=svg_model if isinstance(svg_model, str) else None,
        body=body,
    )
