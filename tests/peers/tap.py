"""The upstream's side of a gateway's exchanges: what the reference server was sent and answered.

The suite sees only the gateway's answer. Whether the gateway passed a field
through, dropped it or rewrote it shows only beside what the upstream itself
received and sent back for the same request, so the reference server gets this
middleware before it starts. Generations are JSON; an edit's multipart body is
read back into its parts by Starlette's own form parser (python-multipart), so
what a gateway forwarded (``image[]`` files, a stray text part, the mask) is
plain data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GENERATIONS = "/v1/images/generations"
EDITS = "/v1/images/edits"
TAPPED = (GENERATIONS, EDITS)


@dataclass(frozen=True)
class Part:
    """One multipart part: a file (its filename and Content-Type) or a text value."""

    name: str
    filename: str | None = None
    content_type: str | None = None
    text: str | None = None

    @property
    def is_file(self) -> bool:
        return self.filename is not None


@dataclass(frozen=True)
class UpstreamExchange:
    path: str
    request: Any  # the JSON body received, None if it was not JSON
    status: int
    answer: Any  # the JSON body sent back, None for an event stream or no body
    parts: tuple[Part, ...] = ()  # an edit's multipart parts, in the order received
    streamed: bool = False  # answered with an event stream

    def text(self, name: str) -> str | None:
        """An edit's text field (the first part of that name), None if absent."""
        return next((p.text for p in self.parts if p.name == name and not p.is_file), None)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


async def _parts(scope: Scope, body: bytes) -> tuple[Part, ...]:
    """The parts of a multipart body, as Starlette parses them for the server itself."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, replay).form(max_files=64, max_fields=64)
    except Exception:
        return ()
    out = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            out.append(Part(name, value.filename or "", value.content_type))
        else:
            out.append(Part(name, text=value))
    await form.close()
    return tuple(out)


class Tap:
    """ASGI middleware appending every generation and edit exchange to ``seen``."""

    def __init__(self, app: ASGIApp, seen: list[UpstreamExchange]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in TAPPED:
            await self.app(scope, receive, send)
            return
        request, answer = bytearray(), bytearray()
        status = 0
        streamed = False

        async def tapped_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.extend(message.get("body", b""))
            return message

        async def tapped_send(message: Message) -> None:
            nonlocal status, streamed
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = dict(message.get("headers") or [])
                streamed = b"text/event-stream" in headers.get(b"content-type", b"")
            elif message["type"] == "http.response.body":
                answer.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, tapped_receive, tapped_send)
        finally:
            body = bytes(request)
            multipart = scope["path"] == EDITS
            self.seen.append(
                UpstreamExchange(
                    scope["path"],
                    None if multipart else _json(body),
                    status,
                    None if streamed else _json(bytes(answer)),
                    await _parts(scope, body) if multipart else (),
                    streamed,
                )
            )
