"""The reference server's answer to ``stream: true``: OpenAI's event stream.

For each image, ``partial_images`` events ``image_generation.partial_image``
(``partial_image_index`` 0, 1, ...; each a whole image in the format asked,
drawn as an earlier stage), then one ``image_generation.completed`` with the
echo fields (``created_at``, ``size``, ``quality``, ``background``,
``output_format``) and ``usage``. Each event is an ``event:`` line and one
``data:`` line of compact JSON, then a blank line; there is no ``[DONE]``: the
body ends after the last completed event (OpenAI, live capture 2026-09-20).
The images, echo and usage are those of the JSON answer
(:func:`conformance.server.gpt.answer`), and each partial adds 100 output
tokens to the usage, as OpenAI bills it.

Faults, each breaking one streaming rule (``faults.py``): ``stream-as-json``
(a JSON answer, as a server that ignores ``stream`` sends),
``stream-content-type-text``, ``stream-event-without-data`` (an ``event: ping``
line with no ``data:``), ``stream-flat-error`` (a flat error object instead of
the completed event), ``stream-partial-index-one-based``,
``stream-no-completed``, ``stream-completed-no-usage``, ``stream-done``
(``data: [DONE]`` appended), ``stream-done-padded`` (``data: [DONE] ``, with a
trailing space, appended), ``stream-no-event-lines`` (``data:`` lines only, no
``event:`` line naming each event) and ``stream-no-partials`` (the partial
images asked for never come).
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from conformance.params.sizes import parse_size
from conformance.server import faults as f
from conformance.server.gpt import answer, encode
from conformance.server.gpt_contract import GptGeneration
from conformance.server.state import ReferenceState
from conformance.server.success import created
from conformance.sse import COMPLETED, DONE, MEDIA_TYPE, PARTIAL

Json = dict[str, Any]
# Output tokens OpenAI bills for each partial image (gauravzqa/llmgw live capture).
PARTIAL_TOKENS = 100
_ECHOED = ("size", "quality", "background", "output_format")


def wants_stream(body: Mapping[str, Any]) -> bool:
    return body.get("stream") is True


def partials_asked(body: Mapping[str, Any], gen: GptGeneration) -> int:
    """The partial images to send per image; out of range is ignored (none)."""
    value = body.get("partial_images")
    spec = gen.model.gpt.param("partial_images") if gen.model.gpt else None
    if isinstance(value, bool) or not isinstance(value, int) or spec is None:
        return 0
    return value if spec.allows(value) else 0


def _event(kind: str, data: Json, named: bool = True) -> bytes:
    line = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"event: {kind}\n" if named else ""
    return f"{head}data: {line}\n\n".encode()


def _usage(usage: Any, partials: int) -> Any:
    if (
        not isinstance(usage, dict)
        or not partials
        or not isinstance(usage.get("output_tokens"), int)
    ):
        return usage  # a malformed usage (a fault) goes out as it is
    extra = PARTIAL_TOKENS * partials
    out = {**usage, "output_tokens": usage["output_tokens"] + extra}
    out["total_tokens"] = usage["total_tokens"] + extra
    details = usage.get("output_tokens_details")
    if isinstance(details, dict):
        out["output_tokens_details"] = {**details, "image_tokens": details["image_tokens"] + extra}
    return out


def _partial_image(state: ReferenceState, gen: GptGeneration, size: Any, stage: int) -> str:
    width, height = parse_size(size) or (gen.width, gen.height)
    transparent = gen.background == "transparent" and not state.has(f.GPT_OPAQUE)
    label = f"{gen.model.name} {width}x{height} partial {stage + 1}"
    data = encode(width, height, label, gen.output_format, transparent, gen.compression)
    return base64.b64encode(data).decode("ascii")


def stream_events(
    state: ReferenceState, gen: GptGeneration, partials: int, created_at: int | None, base_url: str
) -> tuple[list[bytes], int]:
    """The events of one streamed answer, and how many images it bills."""
    payload, _ = answer(state, gen, created_at, base_url)
    echo = {key: payload[key] for key in _ECHOED if key in payload}
    first = 1 if state.has(f.STREAM_PARTIAL_INDEX_ONE_BASED) else 0
    named = not state.has(f.STREAM_NO_EVENT_LINES)
    if state.has(f.STREAM_NO_PARTIALS):
        partials = 0
    chunks: list[bytes] = []
    sequence = 0
    billed = 0
    for item in payload["data"]:
        for stage in range(partials):
            image = _partial_image(state, gen, payload.get("size"), stage)
            data = {"type": PARTIAL, "b64_json": image, "created_at": created_at, **echo}
            data.update(partial_image_index=first + stage, sequence_number=sequence)
            chunks.append(_event(PARTIAL, data, named))
            sequence += 1
            billed += 1
            if stage == 0 and state.has(f.STREAM_EVENT_WITHOUT_DATA):
                chunks.append(b"event: ping\n\n")
        if state.has(f.STREAM_FLAT_ERROR):
            error = {"type": "error", "code": "server_error", "message": "Image generation failed."}
            chunks.append(_event("error", error))
            break
        if state.has(f.STREAM_NO_COMPLETED):
            continue
        done: Json = {"type": COMPLETED, "b64_json": item.get("b64_json"), "created_at": created_at}
        done.update(echo)
        if "usage" in payload and not state.has(f.STREAM_COMPLETED_NO_USAGE):
            done["usage"] = _usage(payload["usage"], partials)
        done["sequence_number"] = sequence
        chunks.append(_event(COMPLETED, done, named))
        sequence += 1
        billed += 1
    if state.has(f.STREAM_DONE):
        chunks.append(f"data: {DONE}\n\n".encode())
    if state.has(f.STREAM_DONE_PADDED):
        chunks.append(f"data: {DONE} \n\n".encode())
    return chunks, billed


def media_type(state: ReferenceState) -> str:
    return "text/plain; charset=utf-8" if state.has(f.STREAM_CONTENT_TYPE_TEXT) else MEDIA_TYPE


async def respond(
    state: ReferenceState, gen: GptGeneration, body: Mapping[str, Any], base_url: str
) -> Response:
    """The answer to ``stream: true`` on a GPT model: its events, one chunk each."""
    partials = partials_asked(body, gen)
    chunks, images = await run_in_threadpool(
        stream_events, state, gen, partials, created(state), base_url
    )
    state.count_billed(images)

    async def send() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return StreamingResponse(send(), media_type=media_type(state))
