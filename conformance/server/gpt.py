"""The reference server's JSON answer to a valid request for a GPT image model.

What OpenAI sends: ``b64_json`` only, the image really encoded as
``output_format`` (Pillow), with an alpha channel for ``transparent``, the
resolved ``size``/``quality``/``background``/``output_format`` echoed (never
``auto``), and token ``usage``. The same images and echo go out as events for
``stream: true`` (:mod:`.stream`). GIF and SVG output, ``safety_identifier``
and ``svg_usage`` are :mod:`.outputs`'.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Any

from PIL import Image
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from conformance.params.spec import AUTO
from conformance.server import faults as f
from conformance.server.gpt_contract import GptGeneration
from conformance.server.images import render_png
from conformance.server.outputs import (
    drawn_quality,
    echoed_identifier,
    encoded_output,
    svg_usage,
)
from conformance.server.state import ReferenceState
from conformance.server.success import created as created_now
from conformance.server.success import json_answer, shaped, without_gpt_extras

Json = dict[str, Any]
# Output tokens of one 1024x1024 image per quality (OpenAI's published counts).
_TOKENS_PER_MEGAPIXEL = {"low": 272, "medium": 1056, "high": 4160}
# What a server with the gpt-auto-size fault makes of size auto: no size of any model.
_ODD_AUTO_SIZE = (1344, 768)
_NOT_AN_IMAGE = b"not an image" * 10


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


def _documented_usage(state: ReferenceState, gen: GptGeneration, usage: Json) -> Json | None:
    """The usage in the shape the profile documents for the GPT form (response.usage)."""
    documented = state.profile.gpt_usage
    if documented == "openai" or state.has(f.USAGE_SHAPE_IGNORED):
        return usage
    if documented == "chat":
        return {
            "prompt_tokens": usage["input_tokens"],
            "completion_tokens": usage["output_tokens"],
            "total_tokens": usage["total_tokens"],
        }
    if documented == "cost":
        return {"cost": round((gen.model.price_per_image or 0.04) * gen.n, 6)}
    return None


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
    if gen.size_auto and state.has(f.GPT_AUTO_SIZE):
        width, height = _ODD_AUTO_SIZE
    if state.has(f.WRONG_DIMENSIONS):
        width, height = max(1, width // 2), max(1, height // 2)
    fmt = gen.output_format
    drawn_format = "png" if state.has(f.GPT_PNG_FOR_JPEG) and fmt in ("jpeg", "webp") else fmt
    transparent = gen.background == "transparent" and not state.has(f.GPT_OPAQUE)
    label = f"{gen.model.name} {width}x{height}"
    data = encoded_output(
        state, fmt, width, height, label, gen.frames, gen.frame_delay_ms
    ) or encode(width, height, label, drawn_format, transparent, gen.compression)
    count = 1 if state.has(f.GPT_N_IGNORED) else gen.n
    if state.has(f.GPT_URL):
        image_id = state.store(data)
        items: list[Json] = [{"url": f"{base_url}v1/files/{image_id}.png"} for _ in range(count)]
    else:
        items = [{"b64_json": _b64(state, data, fmt)} for _ in range(count)]
    if state.has(f.GPT_NULL_FIELDS):
        for item in items:
            item.update(
                {key: None for key in ("url", "b64_json", "revised_prompt") if key not in item}
            )
    echo_auto = state.has(f.GPT_ECHO_AUTO)
    payload: Json = {
        "created": created,
        "background": AUTO if echo_auto and gen.background_auto else gen.background,
        "data": items,
        "output_format": fmt,
        "quality": AUTO if echo_auto and gen.quality_auto else drawn_quality(state, gen.quality),
        "size": AUTO if echo_auto and gen.size_auto else f"{width}x{height}",
    }
    echoed, identifier = echoed_identifier(state, gen.body or {})
    gpt = gen.model.gpt
    # Only a model that takes safety_identifier answers it as null (an empty one sent):
    # an older model echoes the user it was given, or nothing.
    if identifier is None and not (gpt is not None and gpt.supported("safety_identifier")):
        echoed = False
    if echoed:
        payload["safety_identifier"] = identifier
    svg = svg_usage(state, gen.svg_model, gen.prompt)
    if svg is not None:
        payload["svg_usage"] = svg
    usage = _usage(gen, count)
    if state.has(f.GPT_USAGE_NO_OUTPUT):
        usage.update(output_tokens=0, total_tokens=usage["input_tokens"])
        usage["output_tokens_details"] = {"image_tokens": 0, "text_tokens": 0}
    if state.has(f.GPT_USAGE_SUM):
        usage["total_tokens"] += 1
    documented = _documented_usage(state, gen, usage)
    if state.has(f.GPT_USAGE_MALFORMED):
        documented = {"total_tokens": "many"}
    if documented is not None and not state.has(f.GPT_USAGE_MISSING):
        payload["usage"] = documented
    return without_gpt_extras(state, payload), count


def _b64(state: ReferenceState, data: bytes, fmt: str) -> str:
    encoded = base64.b64encode(_NOT_AN_IMAGE if state.has(f.GPT_B64_NOT_IMAGE) else data)
    text = encoded.decode("ascii")
    return f"data:image/{fmt};base64,{text}" if state.has(f.GPT_B64_DATA_URI) else text


async def respond(state: ReferenceState, gen: GptGeneration, base_url: str) -> Response:
    """The JSON answer to a valid GPT request, counted as billed."""
    payload, images = await run_in_threadpool(answer, state, gen, created_now(state), base_url)
    state.count_billed(images)
    if state.has(f.GPT_DATA_MISSING):
        del payload["data"]
    return json_answer(state, shaped(state, payload, f"image/{gen.output_format}"))
