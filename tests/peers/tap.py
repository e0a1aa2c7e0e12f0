"""The upstream's side of a gateway's exchanges: what the reference server was sent and answered.

The suite sees only the gateway's answer. Whether the gateway passed a field
through, dropped it or rewrote it shows only beside what the upstream itself
received and sent back for the same request, so the reference server gets this
middleware before it starts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GENERATIONS = "/v1/images/generations"


@dataclass(frozen=True)
class UpstreamExchange:
    request: Any  # the JSON body received, None if it was not JSON
    status: int
    answer: Any  # the JSON body sent back, None for an event stream or no body


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


class Tap:
    """ASGI middleware appending every generation exchange to ``seen``."""

    def __init__(self, app: ASGIApp, seen: list[UpstreamExchange]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != GENERATIONS:
            await self.app(scope, receive, send)
            return
        request, answer = bytearray(), bytearray()
        status = 0

        async def tapped_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.extend(message.get("body", b""))
            return message

        async def tapped_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                answer.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, tapped_receive, tapped_send)
        finally:
            self.seen.append(UpstreamExchange(_json(request), status, _json(answer)))
