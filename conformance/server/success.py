"""What every successful JSON answer shares, whichever family drew it: its
``created`` stamp and its bytes, as the serialization faults leave them."""

from __future__ import annotations

import json
import time
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
