"""What every successful JSON answer shares, whichever family drew it: its
``created`` stamp, its bytes as the serialization faults leave them, and the
shape the profile documents (``response.shape``: the list key, created, extra
fields; for the GPT form, usage and echo)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from starlette.responses import Response

from conformance.server import faults as f
from conformance.server.state import ReferenceState

Json = dict[str, Any]


def created(state: ReferenceState) -> int | None:
    if state.has(f.CREATED_NULL):
        return None
    now = time.time()
    return int(now * 1000) if state.has(f.CREATED_MS) else int(now)


def json_answer(state: ReferenceState, payload: Json) -> Response:
    content = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    if state.has(f.JSON_TRUNCATED):
        content = content[: len(content) // 2]
    if state.has(f.CONTENT_TYPE_TEXT):
        return Response(content, media_type="text/plain; charset=utf-8")
    return Response(content, media_type="application/json")


# GPT form: the settings an answer echoes (dropped where the vendor echoes none).
ECHO_KEYS = ("background", "output_format", "quality", "size")
# Plausible values for the extra fields vendors document; any other is a string.
_FIELD_VALUES: dict[str, Any] = {
    "seed": 42,
    "timings": {"inference": 0.5},
    "has_nsfw_concepts": False,
    "nsfw": False,
    "width": 1024,
    "height": 1024,
    "cost": 0.0,
}


def _field_value(name: str, media_type: str) -> Any:
    if name == "id":
        return f"gen-{uuid.uuid4().hex[:12]}"
    if name in ("mime_type", "content_type", "media_type"):
        return media_type
    return _FIELD_VALUES.get(name, f"{name} as documented")


def without_gpt_extras(state: ReferenceState, payload: Json) -> Json:
    """A GPT-form answer without the usage or echo the vendor does not document
    (before streaming: its events carry what the JSON answer does)."""
    shape = state.profile.shape
    if state.has(f.SHAPE_IGNORED):
        return payload
    drop = set() if shape.usage else {"usage"}
    if not shape.echo:
        drop.update(ECHO_KEYS)
    return {k: v for k, v in payload.items() if k not in drop}


def shaped(state: ReferenceState, payload: Json, media_type: str = "image/png") -> Json:
    """An OpenAI-shaped JSON answer in the shape the profile documents
    (``response.shape``): the list under its key, created left out, the extra
    fields added. The shape-* faults answer OpenAI's shape, or leave the fields out."""
    shape = state.profile.shape
    if shape.is_openai or state.has(f.SHAPE_IGNORED):
        return payload
    out: Json = {}
    for key, value in payload.items():
        if key == "created" and not shape.created:
            continue
        out[shape.list_key if key == "data" else key] = value
    if state.has(f.SHAPE_FIELDS_MISSING):
        return out
    for name in shape.fields:
        out.setdefault(name, _field_value(name, media_type))
    items = out.get(shape.list_key)
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict):
            for name in shape.item_fields:
                item.setdefault(name, _field_value(name, media_type))
    return out
