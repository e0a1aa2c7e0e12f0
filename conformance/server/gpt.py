"""The reference server's GPT image models: their request rules and their answers.

Rules are named like the refused probes that test them (``size-multiple``,
``quality-unknown``, ``response-format-unsupported``,
``transparent-needs-png-or-webp``, ...), so a fault can switch one off; the
prompt and ``n`` rules are the DALL·E family's (:mod:`.contract`). A valid
request gets what OpenAI sends: ``b64_json`` only, the image really encoded as
``output_format`` (Pillow), with an alpha channel for ``transparent``, the
resolved ``size``/``quality``/``background``/``output_format`` echoed (never
``auto``), and token ``usage``. A request with ``stream: true`` gets the same
images and echo as events (:mod:`conformance.server.stream`); a model that
declares no streaming refuses it (400, ``param: stream``). GIF and SVG output,
``safety_identifier`` and ``svg_usage`` are :mod:`conformance.server.outputs`'.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from PIL import Image

from conformance.gpt.pairs import PAIR_RULES
from conformance.gpt.params import AUTO, GptSpec, ParamSpec
from conformance.gpt.sizes import parse_size
from conformance.profile import ModelSpec
from conformance.server.contract import Violation, first_broken, shared_rule
from conformance.server.images import render_png
from conformance.server.outputs import (
    drawn_quality,
    echoed_identifier,
    encoded_output,
    svg_usage,
)

if TYPE_CHECKING:
    from conformance.server.app import ReferenceState

Json = dict[str, Any]
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
# Output tokens of one 1024x1024 image per quality (OpenAI's published counts).
_TOKENS_PER_MEGAPIXEL = {"low": 272, "medium": 1056, "high": 4160}
_SIDE_MIN, _SIDE_MAX = 64, 2048
# What a server with the gpt-auto-size fault makes of size auto: no size of any model.
_ODD_AUTO_SIZE = (1344, 768)

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


# --- the answer ----------------------------------------------------------------


@lru_cache(maxsize=32)
def encode(width: int, height: int, label: str, fmt: str, transparent: bool, level: int) -> bytes:
    """The test image in ``fmt``; transparent: an RGBA image whose frame is see-through."""
    with Image.open(io.BytesIO(render_png(width, height, label))) as drawn:
        image = drawn.convert("RGBA" if transparent else "RGB")
    if transparent:
        alpha = Image.new("L", image.size, 0)
        frame_x, frame_y = max(1, width // 8), max(1, height // 8)
        alpha.paste(255, (frame_x, frame_y, width - frame_x, height - frame_y))
        image.putalpha(alpha)
    out = io.BytesIO()
    if fmt == "jpeg":
        image.save(out, format="JPEG", quality=max(1, min(level, 95)))
    elif fmt == "webp":
        image.save(out, format="WEBP", quality=max(1, min(level, 100)), method=0)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def _usage(gen: GptGeneration, images: int) -> Json:
    text = max(1, len(gen.prompt.split()))
    per_image = _TOKENS_PER_MEGAPIXEL.get(gen.quality, 1056) * gen.width * gen.height // 2**20
    output = max(1, per_image) * images
    return {
        "input_tokens": text,
        "input_tokens_details": {"text_tokens": text, "image_tokens": 0},
        "output_tokens": output,
        "output_tokens_details": {"image_tokens": output, "text_tokens": 0},
        "total_tokens": text + output,
    }


def answer(
    state: ReferenceState, gen: GptGeneration, created: int | None, base_url: str
) -> tuple[Json, int]:
    """The JSON answer to a valid GPT request, and how many images it bills."""
    width, height = gen.width, gen.height
    if gen.size_auto and state.has("gpt-auto-size"):
        width, height = _ODD_AUTO_SIZE
    if state.has("wrong-dimensions"):
        width, height = max(1, width // 2), max(1, height // 2)
    fmt = gen.output_format
    drawn_format = "png" if state.has("gpt-png-for-jpeg") and fmt in ("jpeg", "webp") else fmt
    transparent = gen.background == "transparent" and not state.has("gpt-opaque")
    label = f"{gen.model.name} {width}x{height}"
    data = encoded_output(
        state, fmt, width, height, label, gen.frames, gen.frame_delay_ms
    ) or encode(width, height, label, drawn_format, transparent, gen.compression)
    count = 1 if state.has("n-ignored") else gen.n
    if state.has("gpt-url"):
        image_id = state.store(data)
        items: list[Json] = [{"url": f"{base_url}v1/files/{image_id}.png"} for _ in range(count)]
    else:
        encoded = base64.b64encode(data).decode("ascii")
        items = [{"b64_json": encoded} for _ in range(count)]
    echo_auto = state.has("gpt-echo-auto")
    payload: Json = {
        "created": created,
        "background": AUTO if echo_auto and gen.background_auto else gen.background,
        "data": items,
        "output_format": fmt,
        "quality": AUTO if echo_auto and gen.quality_auto else drawn_quality(state, gen.quality),
        "size": AUTO if echo_auto and gen.size_auto else f"{width}x{height}",
    }
    echoed, identifier = echoed_identifier(state, gen.body or {})
    if echoed:
        payload["safety_identifier"] = identifier
    svg = svg_usage(state, gen.svg_model, gen.prompt)
    if svg is not None:
        payload["svg_usage"] = svg
    usage = _usage(gen, count)
    if state.has("gpt-usage-no-output"):
        usage.update(output_tokens=0, total_tokens=usage["input_tokens"])
        usage["output_tokens_details"] = {"image_tokens": 0, "text_tokens": 0}
    if not state.has("gpt-usage-missing"):
        payload["usage"] = usage
    return payload, count
