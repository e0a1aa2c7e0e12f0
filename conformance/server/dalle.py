"""The reference server's answer to a valid request for a DALL·E-format model.

``url`` (a stored image served from ``/v1/files``) or ``b64_json``, as
``response_format`` says (a renamed value, such as ``base64``, read as the
OpenAI value it stands for), ``n`` images at the size asked (by ``size``, a
renamed size field, width and height, or an aspect ratio and resolution tier), a ``revised_prompt``
where the model writes one, and ``usage`` in the shape the profile documents.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from conformance.server import faults as f
from conformance.server.contract import Generation, Violation
from conformance.server.errors import validation_error
from conformance.server.images import render_png
from conformance.server.state import ReferenceState
from conformance.server.success import created, json_answer, shaped

# Any consistent number will do: the contract only asks for integers that add up.
_OUTPUT_TOKENS_PER_IMAGE = 1056
_NOT_AN_IMAGE = b"not an image" * 10
_UNUSED_KEYS = ("url", "b64_json", "revised_prompt")
_GPT_IMAGE_KEYS = ("background", "output_format", "quality", "size")

Json = dict[str, Any]


def _hd_refusal(generation: Generation) -> Violation:
    return Violation(
        "quality-unknown",
        "quality",
        f"Invalid 'quality': 'hd' is not supported by {generation.model.name}.",
        code="invalid_value",
    )


def _image_url(state: ReferenceState, png: bytes, base_url: str) -> str:
    # url-404 skips the store: the id then names nothing.
    image_id = uuid.uuid4().hex if state.has(f.URL_404) else state.store(png)
    path = f"v1/files/{image_id}.png"
    return f"/{path}" if state.has(f.URL_RELATIVE) else f"{base_url}{path}"


def _b64(state: ReferenceState, png: bytes) -> str:
    data = _NOT_AN_IMAGE if state.has(f.B64_NOT_IMAGE) else png
    encoded = base64.b64encode(data).decode("ascii")
    return f"data:image/png;base64,{encoded}" if state.has(f.B64_DATA_URI) else encoded


def _item(state: ReferenceState, gen: Generation, fmt: str, png: bytes, base_url: str) -> Json:
    both = state.has(f.BOTH_FORMATS)
    item: Json = {}
    if fmt == "url" or both:
        item["url"] = _image_url(state, png, base_url)
    if fmt == "b64_json" or both:
        # b64-url: the link where the base64 belongs (a proxy that stores every image).
        item["b64_json"] = (
            _image_url(state, png, base_url) if state.has(f.B64_URL) else _b64(state, png)
        )
    if state.has(f.REVISED_PROMPT_NUMBER):
        item["revised_prompt"] = 42
    elif gen.model.revised_prompt:
        item["revised_prompt"] = f"{gen.prompt}, rendered as a test image"
    if state.profile.null_fields or state.has(f.NULL_FIELDS):
        for key in _UNUSED_KEYS:
            item.setdefault(key, None)
    return item


def _make_items(state: ReferenceState, gen: Generation, base_url: str) -> list[Json]:
    count = 1 if state.has(f.N_IGNORED) else gen.n
    fmt = "url" if state.has(f.FORMAT_IGNORED) else gen.response_format
    width, height = gen.width, gen.height
    if state.has(f.WRONG_DIMENSIONS):
        width, height = max(1, width // 2), max(1, height // 2)
    if state.has(f.WRONG_RATIO) and gen.model.dimensions.kind == "aspect_ratio":
        width = height = min(width, height)
    png = render_png(width, height, f"{gen.model.name} {gen.width}x{gen.height}")
    return [_item(state, gen, fmt, png, base_url) for _ in range(count)]


def _usage(state: ReferenceState, gen: Generation, images: int) -> Json | None:
    if state.has(f.USAGE_MALFORMED):
        return {"total_tokens": "many"}
    if state.has(f.USAGE_MISSING):
        return None
    text, output = len(gen.prompt.split()), _OUTPUT_TOKENS_PER_IMAGE * images
    if state.has(f.USAGE_ZERO):
        return {
            "input_tokens": 0,
            "output_tokens": 0,
            "total_tokens": 0,
            "input_tokens_details": {"text_tokens": 0, "image_tokens": 0},
        }
    if state.has(f.USAGE_SUM):
        return {
            "input_tokens": text,
            "output_tokens": output,
            "total_tokens": text + output + 1,
            "input_tokens_details": {"text_tokens": text, "image_tokens": 0},
        }
    if state.profile.usage == "cost" and not state.has(f.USAGE_SHAPE_IGNORED):
        return {"cost": round((gen.model.price_per_image or 0.01) * images, 6)}
    if state.profile.usage in ("openai", "cost"):
        return {
            "input_tokens": text,
            "output_tokens": output,
            "total_tokens": text + output,
            "input_tokens_details": {"text_tokens": text, "image_tokens": 0},
        }
    if state.profile.usage == "chat":
        return {"prompt_tokens": text, "completion_tokens": output, "total_tokens": text + output}
    return None


def _payload(state: ReferenceState, gen: Generation, items: list[Json]) -> Json:
    payload: Json = {"created": created(state)}
    if not state.has(f.DATA_MISSING):
        payload["data"] = items
    if state.has(f.NULL_TOP_LEVEL):
        payload.update(dict.fromkeys(_GPT_IMAGE_KEYS))
    if state.has(f.QUALITY_AUTO):
        payload["quality"] = "auto"
    usage = _usage(state, gen, len(items))
    if usage is not None:
        payload["usage"] = usage
    return shaped(state, payload)


def refusal(state: ReferenceState, gen: Generation, body: Json) -> Response | None:
    """A refusal of a request the contract accepts, as a fault makes it; else None."""
    if state.has(f.REJECT_HD) and body.get("quality") == "hd":
        return validation_error(state, _hd_refusal(gen))
    return None


async def respond(state: ReferenceState, gen: Generation, base_url: str) -> Response:
    """The answer to a valid DALL·E-format request, counted as billed."""
    # Drawing is CPU work; off the event loop it does not stall parallel requests.
    items = await run_in_threadpool(_make_items, state, gen, base_url)
    state.count_billed(len(items))
    return json_answer(state, _payload(state, gen, items))
