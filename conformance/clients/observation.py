"""What is replayed into a client, and what the client and the app code did with it.

A :class:`ReplayCall` is one recorded answer plus the call an app makes for the
request that got it: ``generate`` (then read ``data[i].b64_json`` or ``url``) or
``stream`` (iterate the events to ``image_generation.completed``), and for an
edit ``edit`` or ``edit-stream`` (to ``image_edit.completed``), with the files
the app uploads. An
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

from conformance.edits.cases import EditCase
from conformance.exchange import RecordedResponse
from conformance.probes import Probe

Call = Literal["generate", "stream", "edit", "edit-stream"]
EDIT_CALLS = ("edit", "edit-stream")
# An edit's text fields the SDKs take as numbers; "true"/"false" are booleans.
_INTEGERS = ("n", "partial_images", "output_compression")
# How many decoded bytes of an image come back: enough to tell its format.
HEAD_BYTES = 16


@dataclass(frozen=True)
class EditFile:
    """A file an edit uploads: its part name (image, image[], mask), name, type, bytes."""

    name: str
    filename: str
    content_type: str
    data: bytes

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "filename": self.filename,
            "content_type": self.content_type,
            "data_b64": base64.b64encode(self.data).decode(),
        }


@dataclass(frozen=True)
class ReplayCall:
    call: Call
    params: Mapping[str, Any]
    # The field the app reads from each image: b64_json, or url.
    read: str
    response: RecordedResponse
    # An edit's files, in the order the request sent them.
    files: tuple[EditFile, ...] = ()

    @cached_property
    def digest(self) -> str:
        """Identifies the call and the answer: equal calls give equal observations."""
        h = hashlib.sha256()
        h.update(json.dumps([self.call, self.params, self.read], sort_keys=True).encode())
        for f in self.files:
            h.update(f"{f.name}\0{f.filename}\0{f.content_type}\0".encode())
            h.update(f.data)
        h.update(json.dumps([self.response.status, self.response.headers]).encode())
        h.update(self.response.body)
        return h.hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The form the Node runner reads."""
        return {
            "call": self.call,
            "params": dict(self.params),
            "files": [f.to_json() for f in self.files],
            "read": self.read,
            "response": {
                "status": self.response.status,
                "headers": [list(h) for h in self.response.headers],
                "body_b64": base64.b64encode(self.response.body).decode(),
            },
        }


def _typed(value: str, key: str) -> Any:
    if key in _INTEGERS and value.lstrip("-").isdigit():
        return int(value)
    return {"true": True, "false": False}.get(value, value)


def edit_call(case: EditCase, response: RecordedResponse) -> ReplayCall:
    """The edit an app makes for the case: its text fields typed as an app passes them."""
    params = {key: _typed(value, key) for key, value in case.form.fields}
    files = tuple(EditFile(p.name, p.filename, p.content_type, p.data) for p in case.form.files)
    return ReplayCall(
        call="edit-stream" if case.stream else "edit",
        params=params,
        read="b64_json",
        response=response,
        files=files,
    )


def replay_call(probe: Probe, response: RecordedResponse) -> ReplayCall:
    """The call an app makes for the probe's request, answered by ``response``."""
    if probe.edit is not None:
        return edit_call(probe.edit, response)
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
