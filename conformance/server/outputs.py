"""The reference server's newer GPT outputs: GIF and SVG files, and the answer fields
the 2.5/2.6 models added (``safety_identifier``, ``svg_usage``).

A GIF is a real animated GIF89a: ``frame_count`` frames of the requested size,
each carrying ``frame_duration_ms`` rounded to the nearest 10 ms (GIF stores
hundredths of a second). An SVG is a small SVG document of the requested size.
``safety_identifier`` echoes the request's non-empty safety_identifier, else
``user`` (the SDK's rule); ``svg_usage`` counts the tokens of SVG authoring
when ``svg.model`` was sent, and names that model.

Faults, each breaking one rule (``faults.py``): ``gif-still`` (a one-frame
GIF), ``gif-delay-ignored`` (every frame at the 200 ms default),
``svg-not-xml`` (PNG bytes where the SVG belongs), ``svg-usage-missing``,
``safety-identifier-missing``, ``safety-identifier-no-fallback`` (``user`` is
not echoed in place of an empty safety_identifier), ``gpt-quality-downgrade``
(xhigh and max drawn and echoed as high) and ``prompt-limit-4000`` (a
DALL·E-era prompt limit).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image

from conformance.gpt.preview import rounded_delay
from conformance.server import faults as f
from conformance.server.contract import Violation
from conformance.server.images import render_png
from conformance.server.state import ReferenceState

Json = dict[str, Any]
DEFAULT_DELAY_MS = 200
# What a server with the gpt-quality-downgrade fault draws instead of these.
_DOWNGRADED = {"xhigh": "high", "max": "high"}
_DALLE_PROMPT_LIMIT = 4000


@lru_cache(maxsize=8)
def encode_gif(width: int, height: int, label: str, frames: int, delay_ms: int) -> bytes:
    """An animated GIF of ``frames`` frames, each ``delay_ms`` long (a multiple of 10)."""
    images = []
    for frame in range(max(frames, 1)):
        with Image.open(io.BytesIO(render_png(width, height, f"{label} {frame + 1}"))) as drawn:
            images.append(drawn.convert("P", palette=Image.Palette.ADAPTIVE, colors=64))
    out = io.BytesIO()
    images[0].save(
        out,
        format="GIF",
        save_all=len(images) > 1,
        append_images=images[1:],
        duration=delay_ms,
        loop=0,
        disposal=1,
        optimize=False,
    )
    return out.getvalue()


def encode_svg(width: int, height: int, label: str) -> bytes:
    text = escape(label)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="#f4f4f4"/>'
        f'<rect x="{width // 4}" y="{height // 4}" width="{width // 2}" height="{height // 2}" '
        f'fill="#c0392b"/><text x="8" y="24" font-size="16">{text}</text></svg>\n'
    ).encode()


def encoded_output(
    state: ReferenceState, fmt: str, width: int, height: int, label: str, frames: int, delay: int
) -> bytes | None:
    """The GIF or SVG file of an answer (None for the raster formats)."""
    if fmt == "gif":
        count = 1 if state.has(f.GIF_STILL) else frames
        used = DEFAULT_DELAY_MS if state.has(f.GIF_DELAY_IGNORED) else rounded_delay(delay)
        return encode_gif(width, height, label, count, used)
    if fmt == "svg":
        if state.has(f.SVG_NOT_XML):
            return render_png(width, height, label)
        return encode_svg(width, height, label)
    return None


def echoed_identifier(state: ReferenceState, body: Mapping[str, Any]) -> tuple[bool, str | None]:
    """Whether to send ``safety_identifier`` in the answer, and its value."""
    if state.has(f.SAFETY_IDENTIFIER_MISSING):
        return False, None
    given = body.get("safety_identifier")
    if isinstance(given, str) and given:
        return True, given
    user = body.get("user")
    if isinstance(user, str) and user and not state.has(f.SAFETY_IDENTIFIER_NO_FALLBACK):
        return True, user
    return ("safety_identifier" in body or "user" in body), None


def drawn_quality(state: ReferenceState, quality: str) -> str:
    return _DOWNGRADED.get(quality, quality) if state.has(f.GPT_QUALITY_DOWNGRADE) else quality


def svg_usage(state: ReferenceState, svg_model: str | None, prompt: str) -> Json | None:
    if svg_model is None or state.has(f.SVG_USAGE_MISSING):
        return None
    text = max(1, len(prompt.split()))
    reasoning, output = 64, 480
    return {
        "input_tokens": text,
        "model": svg_model,
        "output_tokens": output,
        "reasoning_tokens": reasoning,
        "total_tokens": text + output,
    }


_PREVIEW_KEYS = {"frame_count": "gif", "frame_duration_ms": "gif", "svg": "svg"}


def preview_needed(body: Mapping[str, Any]) -> str | None:
    """The preview (gif, svg) a request uses, or None."""
    fmt = body.get("output_format")
    if fmt in ("gif", "svg"):
        return str(fmt)
    return next((p for key, p in _PREVIEW_KEYS.items() if body.get(key) is not None), None)


def fault_refusal(state: ReferenceState, body: Mapping[str, Any]) -> Violation | None:
    """A refusal only a faulty server sends (a DALL·E-era prompt limit)."""
    prompt, name = body.get("prompt"), body.get("model") or state.profile.default_model
    model = state.profile.models.get(str(name)) or state.profile.snapshot_of(str(name))
    # The DALL·E models' own limits stand: the fault is a GPT model's wrong limit.
    gpt = model is not None and model.gpt is not None
    limited = gpt and state.has(f.PROMPT_LIMIT_4000) and isinstance(prompt, str)
    if not limited or len(str(prompt)) <= _DALLE_PROMPT_LIMIT:
        return None
    return Violation(
        "prompt-too-long",
        "prompt",
        f"Invalid 'prompt': string too long. Expected a string with maximum length "
        f"{_DALLE_PROMPT_LIMIT}, but got a string with length {len(str(prompt))} instead.",
        code="string_above_max_length",
    )
