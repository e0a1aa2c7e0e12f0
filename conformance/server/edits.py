"""POST /v1/images/edits: a multipart edit read within bounds, judged by OpenAI's edit
rules, answered with the edited images.

The form is read and judged by :mod:`.edit_form` (a body past the cap is a 413,
a broken rule the contract's refusal); a valid edit is drawn by
:mod:`.edit_answer`, as JSON or, for ``stream: true``, as ``image_edit.*`` events.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from conformance.server import stream
from conformance.server.contract import Violation
from conformance.server.edit_answer import edit_answer, edit_stream
from conformance.server.edit_form import BodyTooLarge, check_edit, read_form
from conformance.server.errors import error_answer, validation_error
from conformance.server.state import ReferenceState
from conformance.server.success import created, json_answer, shaped


async def answer(request: Request, state: ReferenceState, base_url: str) -> Response:
    """The answer to an authenticated edit request (``base_url`` unused: edits answer
    b64_json only)."""
    try:
        items = await read_form(request)
    except BodyTooLarge:
        return error_answer(
            state, 413, "Maximum content size limit exceeded.", type_="server_error"
        )
    if isinstance(items, Violation):
        return validation_error(state, items)
    job = await run_in_threadpool(check_edit, items, state.profile, state)
    if isinstance(job, Violation):
        return validation_error(state, job)
    if state.latency_s:
        await asyncio.sleep(state.latency_s)
    if job.stream:
        chunks, images = await run_in_threadpool(edit_stream, state, job, created(state))
        state.count_billed(images)

        async def send() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

        return StreamingResponse(send(), media_type=stream.media_type(state))
    payload, images = await run_in_threadpool(edit_answer, state, job, created(state))
    state.count_billed(images)
    # The list key, created and extra fields as documented (response.shape).
    return json_answer(state, shaped(state, payload))
