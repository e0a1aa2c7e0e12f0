"""POST /v1/images/generations: a request judged by its model's rules, answered by its family.

The body is read (a fault may swallow a broken one), judged by the rules of the
model it names (:mod:`.rules`; a key without a preview is refused it first, 403),
and a valid one is answered by the family's room: :mod:`.dalle`, :mod:`.gpt`, or
:mod:`.stream` for ``stream: true``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from conformance.server import dalle, gpt, outputs, stream
from conformance.server import faults as f
from conformance.server.contract import DEFAULT_PROMPT, Violation, parse_body
from conformance.server.errors import error_answer, validation_error
from conformance.server.gpt_contract import GptGeneration
from conformance.server.rules import check_request
from conformance.server.state import ReferenceState


def _read_body(raw: bytes, state: ReferenceState) -> dict[str, Any] | Violation:
    body = parse_body(raw)
    if isinstance(body, Violation) and body.rule in state.skipped_rules:
        return {"prompt": DEFAULT_PROMPT}
    return body if isinstance(body, Violation) else _vendor_count(body, state)


def _vendor_count(body: dict[str, Any], state: ReferenceState) -> dict[str, Any]:
    """n as the model's vendor names it (profile n: rename), read as n; where the
    vendor has no n (n: absent) a stray one is ignored, as an unknown field."""
    model = state.profile.models.get(str(body.get("model", state.profile.default_model)))
    wire = model.count.param if model is not None else "n"
    if wire == "n" or state.has(f.N_RENAME_IGNORED):
        return body
    out = {k: v for k, v in body.items() if k != "n"}
    if wire is not None and wire in out:
        out["n"] = out.pop(wire)
    return out


async def _generating(state: ReferenceState) -> None:
    if state.latency_s:
        await asyncio.sleep(state.latency_s)  # a generation takes time; others go on meanwhile


async def answer(request: Request, state: ReferenceState, base_url: str) -> Response:
    """The answer to an authenticated generations request."""
    body = _read_body(await request.body(), state)
    if isinstance(body, Violation):
        return validation_error(state, body)
    if state.preview_denied and (preview := outputs.preview_needed(body)) is not None:
        message = f"Your organization does not have access to the {preview.upper()} preview."
        return error_answer(state, 403, message, code="preview_access_required")
    outcome = outputs.fault_refusal(state, body) or check_request(
        body,
        state.profile,
        state.skipped_rules,
        strict_fields=state.has(f.REFUSES_UNDOCUMENTED),
    )
    if isinstance(outcome, Violation):
        return validation_error(state, outcome)
    if isinstance(outcome, GptGeneration):
        await _generating(state)
        if stream.wants_stream(body) and not state.has(f.STREAM_AS_JSON):
            return await stream.respond(state, outcome, body, base_url)
        return await gpt.respond(state, outcome, base_url)
    refused = dalle.refusal(state, outcome, body)
    if refused is not None:
        return refused
    await _generating(state)
    return await dalle.respond(state, outcome, base_url)
