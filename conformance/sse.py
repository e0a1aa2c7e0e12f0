"""Server-sent events: a recorded stream parsed, and a live one watched.

:func:`parse_stream` reads a recorded ``text/event-stream`` body with httpx-sse,
whose field rules are the ones the openai SDK's own decoder was copied from: the
events in order, each ``data`` parsed as JSON where it is JSON. An answer to
``stream: true`` is recorded as its raw bytes, so any client can be fed it again.

:class:`StreamProgress` watches an event stream while the transport reads it, so
a stream that never ends, stalls, trickles or sends one gigantic line can be
named in the error that ends it. It keeps counts and a short prefix of the
current line, never the line itself: one event carries a whole image on one
``data:`` line (~2 MB at OpenAI), and a hostile one may be endless.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import httpx
from httpx_sse import EventSource

from conformance.vocabulary import Operation

PARTIAL = "image_generation.partial_image"
COMPLETED = "image_generation.completed"
IMAGE_EVENTS = (PARTIAL, COMPLETED)
# An edit's stream (POST /images/edits) has its own event types, with the same fields.
EDIT_PARTIAL = "image_edit.partial_image"
EDIT_COMPLETED = "image_edit.completed"
EDIT_EVENTS = (EDIT_PARTIAL, EDIT_COMPLETED)
# By operation: (partial, completed).
EVENT_TYPES: Mapping[Operation, tuple[str, str]] = MappingProxyType(
    {"generations": IMAGE_EVENTS, "edits": EDIT_EVENTS}
)
DONE = "[DONE]"
MEDIA_TYPE = "text/event-stream"
# httpx-sse names an event without an ``event:`` line "message", as browsers do.
UNNAMED = "message"


def is_event_stream(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == MEDIA_TYPE


@dataclass(frozen=True)
class Event:
    """One dispatched event: its ``event:`` name, its ``data`` and what that data is."""

    index: int
    name: str
    data: str
    payload: Any = None
    # Why data is not one JSON object (None when it is, or for [DONE]).
    problem: str | None = None

    @property
    def done(self) -> bool:
        """``data: [DONE]``: both official clients stop reading here (a prefix test)."""
        return self.data.startswith(DONE)

    @property
    def type(self) -> Any:
        return self.payload.get("type") if isinstance(self.payload, dict) else None

    @property
    def shown(self) -> str:
        return f"event {self.index} ({self.name if self.name != UNNAMED else 'unnamed'})"


@dataclass(frozen=True)
class ParsedStream:
    events: tuple[Event, ...]
    # An event at the very end without the blank line that dispatches it: the
    # openai SDK and httpx-sse never see it.
    unterminated: Event | None = None

    def of_type(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.type == kind]

    @property
    def read_by_clients(self) -> tuple[Event, ...]:
        """The events before the first [DONE]: what the official clients yield."""
        for i, event in enumerate(self.events):
            if event.done:
                return self.events[:i]
        return self.events


def _payload(data: str) -> tuple[Any, str | None]:
    if data.startswith(DONE):
        return None, None
    if data == "":
        return None, "no data: line (the data is empty)"
    try:
        value = json.loads(data)
    except ValueError as exc:
        return None, f"data is not JSON ({exc}): {data[:60]!r}"
    if not isinstance(value, dict):
        return value, f"data is a JSON {type(value).__name__}, not an object"
    return value, None


def _dispatched(body: bytes) -> list[Event]:
    response = httpx.Response(200, headers={"content-type": MEDIA_TYPE}, content=body)
    out = []
    for i, sse in enumerate(EventSource(response).iter_sse()):
        payload, problem = _payload(sse.data)
        out.append(Event(i, sse.event, sse.data, payload, problem))
    return out


def _ends_an_event(body: bytes) -> bool:
    return body.endswith((b"\n\n", b"\r\n\r\n", b"\r\r", b"\n\r\n", b"\r\n\n"))


def parse_stream(body: bytes) -> ParsedStream:
    """The events of a recorded event-stream body, in order."""
    events = _dispatched(body)
    unterminated = None
    if body and not _ends_an_event(body):
        closed = _dispatched(body + b"\n\n")
        if len(closed) > len(events):
            unterminated = closed[-1]
    return ParsedStream(tuple(events), unterminated)


def completed_answer(parsed: ParsedStream, completed: str = COMPLETED) -> dict[str, Any] | None:
    """What a client reads from a stream, shaped like a JSON answer: ``data`` of the
    completed events' images, the echo and usage of the last; None without one."""
    events = [
        e.payload
        for e in parsed.read_by_clients
        if e.type == completed and isinstance(e.payload, dict)
    ]
    if not events:
        return None
    data = [{"b64_json": e.get("b64_json")} for e in events]
    return {**{k: v for k, v in events[-1].items() if k != "b64_json"}, "data": data}


def billed_images(body: bytes) -> int:
    """Images an event stream delivered: every partial and every completed image
    (of a generation or an edit: a delivered image is billed whatever it is called)."""
    return sum(1 for e in parse_stream(body).events if e.type in (*IMAGE_EVENTS, *EDIT_EVENTS))


# --- watching a live stream -----------------------------------------------------

_TYPE = re.compile(r'"type"\s*:\s*"([^"]{1,80})"')
# Bytes kept of each line: enough for an event name and a type near the start.
_PREFIX = 512
_MIB = 1024 * 1024


class StreamProgress:
    """Counts of what an event stream has sent so far, in bounded memory."""

    def __init__(self) -> None:
        self.received = 0
        self.events: Counter[str] = Counter()
        self.comments = 0
        self.line_bytes = 0  # of the line being read
        self._prefix = bytearray()
        self._after_cr = False
        # The event being read: whether it has a field yet, its name, its data's type.
        self._fields = False
        self._name: str | None = None
        self._type: str | None = None

    @property
    def started(self) -> bool:
        return self.received > 0

    def feed(self, piece: bytes) -> None:
        """Take the next piece of the body (line ends: CRLF, CR or LF)."""
        self.received += len(piece)
        start = 0
        if self._after_cr and piece.startswith(b"\n"):
            start = 1  # the \n of a \r\n split across two reads
        self._after_cr = piece.endswith(b"\r")
        # bytes.find, not a regex: a multi-megabyte line must cost a memchr, not a scan.
        lf, cr = piece.find(b"\n", start), piece.find(b"\r", start)
        while lf >= 0 or cr >= 0:
            end = min(i for i in (lf, cr) if i >= 0)
            self._extend(piece[start:end])
            self._end_line()
            start = end + 2 if piece[end : end + 2] == b"\r\n" else end + 1
            if 0 <= lf < start:
                lf = piece.find(b"\n", start)
            if 0 <= cr < start:
                cr = piece.find(b"\r", start)
        self._extend(piece[start:])

    def _extend(self, segment: bytes) -> None:
        self.line_bytes += len(segment)
        room = _PREFIX - len(self._prefix)
        if room > 0:
            self._prefix += segment[:room]

    def _end_line(self) -> None:
        """Count by the SSE field rules: a blank line dispatches the fields before it."""
        line = self._prefix.decode("utf-8", "replace")
        self._prefix.clear()
        self.line_bytes = 0
        if not line:
            if self._fields:
                self.events[self._type or self._name or "untyped"] += 1
            self._fields, self._name, self._type = False, None, None
            return
        if line.startswith(":"):
            self.comments += 1
            return
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            self._fields, self._name = True, value
        elif field == "data":
            found = DONE if value.startswith(DONE) else _TYPE.search(value)
            self._fields = True
            if found is not None and self._type is None:
                self._type = found if isinstance(found, str) else found.group(1)

    def describe(self) -> str:
        """What the stream had sent when reading stopped ("" if it sent nothing)."""
        if not self.started:
            return ""
        count = sum(self.events.values())
        kinds = ", ".join(f"{kind} ×{n}" for kind, n in self.events.items())
        text = f"; the event stream had sent {count} event(s)" + (f" ({kinds})" if kinds else "")
        if self.comments:
            text += f" and {self.comments} comment line(s)"
        if COMPLETED not in self.events:
            text += f", no {COMPLETED}"
        if self.line_bytes:
            text += f"; {self.line_bytes} bytes into an unfinished line"
            if self.line_bytes > 8 * _MIB:
                text += " (one event's whole image is one data: line, ~2 MB at OpenAI)"
        return text
