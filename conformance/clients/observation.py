"""What is replayed into a client, and what the client and the app code did with it.

A :class:`ReplayCall` is one recorded answer plus the call an app makes for the
request that got it: ``generate`` (then read ``data[i].b64_json`` or ``url``) or
``stream`` (iterate the events to ``image_generation.completed``). An
:class:`Observation` is the same for every client, whatever its language, so
one set of rules judges them all.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from conformance.exchange import RecordedResponse
from conformance.probes import Probe

Call = Literal["generate", "stream"]
# How many decoded bytes of an image come back: enough to tell its format.
HEAD_BYTES = 16


@dataclass(frozen=True)
class ReplayCall:
    call: Call
    params: Mapping[str, Any]
    # The field the app reads from each image: b64_json, or url.
    read: str
    response: RecordedResponse

    @cached_property
    def digest(self) -> str:
        """Identifies the call and the answer: equal calls give equal observations."""
        h = hashlib.sha256()
        h.update(json.dumps([self.call, self.params, self.read], sort_keys=True).encode())
        h.update(json.dumps([self.response.status, self.response.headers]).encode())
        h.update(self.response.body)
        return h.hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The form the Node runner reads."""
        return {
            "call": self.call,
            "params": dict(self.params),
            "read": self.read,
            "response": {
                "status": self.response.status,
                "headers": [list(h) for h in self.response.headers],
                "body_b64": base64.b64encode(self.response.body).decode(),
            },
        }


def replay_call(probe: Probe, response: RecordedResponse) -> ReplayCall:
    """The call an app makes for the probe's request, answered by ``response``."""
    params = dict(probe.body or {})
    params.setdefault("prompt", "")
    streaming = params.get("stream") is True
    return ReplayCall(
        call="stream" if streaming else "generate",
        params=params,
        read="b64_json" if streaming else (probe.expect.response_format or "b64_json"),
        response=response,
    )


@dataclass(frozen=True)
class Raised:
    """An exception the call raised: its class names, most specific first."""

    names: tuple[str, ...]
    message: str
    status: int | None = None

    @property
    def name(self) -> str:
        return self.names[0] if self.names else "an exception"

    def text(self) -> str:
        return f"{self.name}: {self.message[:160]}" if self.message else self.name


@dataclass(frozen=True)
class Read:
    """One image as the app read it: decoded bytes (size and head), or a parsed URL."""

    where: str
    size: int = 0
    head: bytes = b""
    url: str | None = None


@dataclass(frozen=True)
class Observation:
    # Whether the client sent its request (False: it refused to make the call).
    sent: bool
    raised: Raised | None = None
    # Where the app's own code failed on what the client returned.
    problem: str | None = None
    images: tuple[Read, ...] = ()
    # Stream event types, in order.
    events: tuple[str, ...] = ()
    # The harness failed (never a verdict on the server).
    harness: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Observation:
        if data.get("harness"):
            return cls(sent=False, harness=str(data["harness"]))
        raised = data.get("raised")
        return cls(
            sent=bool(data.get("sent")),
            raised=Raised(
                names=tuple(str(n) for n in raised.get("names") or ()),
                message=str(raised.get("message") or ""),
                status=raised.get("status") if isinstance(raised.get("status"), int) else None,
            )
            if raised
            else None,
            problem=data.get("problem"),
            images=tuple(
                Read(
                    where=str(r["where"]),
                    size=int(r.get("size", 0)),
                    head=bytes.fromhex(r.get("head", "")),
                    url=r.get("url"),
                )
                for r in data.get("images") or ()
            ),
            events=tuple(str(e) for e in data.get("events") or ()),
        )


@dataclass(frozen=True)
class NotRun:
    """A client that could not run here (no Node, a failed install): checks skip."""

    reason: str
