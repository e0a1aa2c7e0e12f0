"""The reference server's answer to a valid edit: real images in which the mask's
opening visibly changed, token usage counting the input images, and the
``image_edit.*`` event stream.

The output is the first input scaled to the output size, with the mask's
transparent area painted (``conformance.edits.inputs.PAINT``) and everything
else left as it was; without a mask the whole image is tinted, as an unmasked
edit may repaint everything. Usage counts the prompt's words as text tokens
and the profile's per-image figure for each input image (more with
``input_fidelity: high``). A stream sends, per image, the partial images
(``image_edit.partial_image``, ``partial_image_index`` from 0, each a stage
of the edit) and one ``image_edit.completed`` with the echo and usage; no
``[DONE]``, as on generations.

Faults (``faults.py``), one edit rule each: ``edit-mask-ignored`` (the whole
image repainted), ``edit-n-ignored``, ``edit-size-ignored`` (always 1024x1024),
``edit-usage-no-image-tokens``, ``edit-stream-generation-events``
(``image_generation.*`` event types).
"""

from __future__ import annotations

import base64
import io
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from PIL import Image

from conformance.edits.inputs import PAINT
from conformance.edits.pricing import input_image_tokens
from conformance.server import faults as f
from conformance.server.edit_form import EditJob
from conformance.server.gpt_contract import GptGeneration
from conformance.sse import COMPLETED, EDIT_COMPLETED, EDIT_PARTIAL, PARTIAL

if TYPE_CHECKING:
    from conformance.server.state import ReferenceState

Json = dict[str, Any]
_GENERATION_TYPES = {
    EDIT_PARTIAL: PARTIAL,
    EDIT_COMPLETED: COMPLETED,
}
_TOKENS_PER_MEGAPIXEL = {"low": 272, "medium": 1056, "high": 4160}
_PARTIAL_TOKENS = 100
_FAULT_SIZE = (1024, 1024)


@lru_cache(maxsize=16)
def _edited(
    first: bytes, mask: bytes | None, width: int, height: int, strength: float, whole: bool
) -> Image.Image:
    with Image.open(io.BytesIO(first)) as opened:
        base = opened.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
    paint = Image.new("RGB", (width, height), PAINT)
    painted = Image.blend(base, paint, strength)
    if mask is None or whole:
        return painted
    with Image.open(io.BytesIO(mask)) as opened:
        alpha = (
            opened.convert("RGBA").resize((width, height), Image.Resampling.NEAREST).getchannel("A")
        )
    # Where the mask is transparent (alpha 0) the edit shows; elsewhere the input stays.
    opening = alpha.point(lambda a: 255 if a == 0 else 0)
    return Image.composite(painted, base, opening)


def _encode(image: Image.Image, gen: GptGeneration, transparent: bool) -> bytes:
    out = io.BytesIO()
    level = gen.compression
    if transparent:
        image = image.convert("RGBA")
        alpha = Image.new("L", image.size, 0)
        fx, fy = max(1, image.width // 8), max(1, image.height // 8)
        alpha.paste(255, (fx, fy, image.width - fx, image.height - fy))
        image.putalpha(alpha)
    if gen.output_format == "jpeg":
        image.convert("RGB").save(out, format="JPEG", quality=max(1, min(level, 95)))
    elif gen.output_format == "webp":
        image.save(out, format="WEBP", quality=max(1, min(level, 100)), method=0)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def _size(state: ReferenceState, job: EditJob) -> tuple[int, int]:
    if state.has(f.EDIT_SIZE_IGNORED):
        return _FAULT_SIZE
    return job.generation.width, job.generation.height


def _image(state: ReferenceState, job: EditJob, strength: float) -> str:
    width, height = _size(state, job)
    mask = job.mask.data if job.mask else None
    edited = _edited(
        job.images[0].data, mask, width, height, strength, state.has(f.EDIT_MASK_IGNORED)
    )
    transparent = job.generation.background == "transparent"
    return base64.b64encode(_encode(edited, job.generation, transparent)).decode("ascii")


def usage(state: ReferenceState, job: EditJob, images: int, partials: int = 0) -> Json:
    gen = job.generation
    width, height = _size(state, job)
    text = max(1, len(gen.prompt.split()))
    image_in = input_image_tokens(job.spec, len(job.images), job.input_fidelity)
    if state.has(f.EDIT_USAGE_NO_IMAGE_TOKENS):
        image_in = 0
    per_image = _TOKENS_PER_MEGAPIXEL.get(gen.quality, 1056) * width * height // 2**20
    output = max(1, per_image) * images + _PARTIAL_TOKENS * partials
    return {
        "input_tokens": text + image_in,
        "input_tokens_details": {"text_tokens": text, "image_tokens": image_in},
        "output_tokens": output,
        "output_tokens_details": {"image_tokens": output, "text_tokens": 0},
        "total_tokens": text + image_in + output,
    }


def _count(state: ReferenceState, job: EditJob) -> int:
    return 1 if state.has(f.EDIT_N_IGNORED) else job.generation.n


def _echo(state: ReferenceState, job: EditJob) -> Json:
    gen = job.generation
    width, height = _size(state, job)
    return {
        "background": gen.background,
        "output_format": gen.output_format,
        "quality": gen.quality,
        "size": f"{width}x{height}",
    }


def edit_answer(state: ReferenceState, job: EditJob, created: int | None) -> tuple[Json, int]:
    """The JSON answer to a valid edit, and how many images it bills."""
    count = _count(state, job)
    image = _image(state, job, 1.0)
    payload: Json = {"created": created, **_echo(state, job)}
    payload["data"] = [{"b64_json": image} for _ in range(count)]
    payload["usage"] = usage(state, job, count)
    return payload, count


def _event(state: ReferenceState, kind: str, data: Json) -> bytes:
    if state.has(f.EDIT_STREAM_GENERATION_EVENTS):
        kind = _GENERATION_TYPES[kind]
    data = {"type": kind, **data}
    line = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {kind}\ndata: {line}\n\n".encode()


def edit_stream(
    state: ReferenceState, job: EditJob, created: int | None
) -> tuple[list[bytes], int]:
    """The events of one streamed edit, and how many images (partials included) it bills."""
    count = _count(state, job)
    echo = _echo(state, job)
    chunks: list[bytes] = []
    sequence = billed = 0
    for _ in range(count):
        for stage in range(job.partial_images):
            strength = (stage + 1) / (job.partial_images + 1)
            data = {"b64_json": _image(state, job, strength), "created_at": created, **echo}
            data.update(partial_image_index=stage, sequence_number=sequence)
            chunks.append(_event(state, EDIT_PARTIAL, data))
            sequence += 1
            billed += 1
        done: Json = {"b64_json": _image(state, job, 1.0), "created_at": created, **echo}
        done["usage"] = usage(state, job, 1, job.partial_images)
        done["sequence_number"] = sequence
        chunks.append(_event(state, EDIT_COMPLETED, done))
        sequence += 1
        billed += 1
    return chunks, billed
