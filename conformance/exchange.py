"""Exchanges: what was sent and what came back, already redacted.

Checks judge exchanges and nothing else, so a run can be recorded and judged
again offline. Bodies are kept as bytes; ``to_dict``/``from_dict`` give a JSON
form (bodies in base64) for recordings.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from conformance.imaging import Picture, decode_b64, picture
from conformance.sse import COMPLETED, ParsedStream, completed_answer, parse_stream

Headers = list[tuple[str, str]]


def header(headers: Headers, name: str) -> str | None:
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


@dataclass
class RecordedRequest:
    method: str
    url: str
    headers: Headers
    body: bytes = b""

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "headers": [list(h) for h in self.headers],
            "body_b64": base64.b64encode(self.body).decode(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordedRequest:
        return cls(
            method=data["method"],
            url=data["url"],
            headers=[(k, v) for k, v in data["headers"]],
            body=base64.b64decode(data["body_b64"]),
        )


class Answer:
    """One decoded view of an answer, shared by every check of both views.

    Its JSON, its event stream and the completed answer a client reads from it,
    and each image decoded once (format, size, alpha): checks read these and
    never parse or decode again.
    """

    def __init__(self, response: RecordedResponse) -> None:
        self._response = response
        self._pictures: dict[bytes, Picture] = {}
        self._b64: dict[str, bytes | str] = {}
        self._completed: dict[str, dict[str, Any] | None] = {}

    @property
    def json(self) -> Any:
        """The parsed body, or None when it is not JSON."""
        return self._response.json_or_none()

    @cached_property
    def stream(self) -> ParsedStream:
        """The body's server-sent events, in order."""
        return parse_stream(self._response.body)

    @property
    def completed(self) -> dict[str, Any] | None:
        """The stream as a client reads it, shaped like a JSON answer (None: no completed image)."""
        return self.completed_by(COMPLETED)

    def completed_by(self, event_type: str) -> dict[str, Any] | None:
        """The same, read from the completed events of ``event_type`` (an edit's stream
        has its own, ``sse.EVENT_TYPES``); each type read once."""
        if event_type not in self._completed:
            self._completed[event_type] = completed_answer(self.stream, event_type)
        return self._completed[event_type]

    def picture(self, data: bytes) -> Picture:
        """``data`` (an image of this answer, or one it links to) decoded once."""
        found = self._pictures.get(data)
        if found is None:
            found = self._pictures[data] = picture(data)
        return found

    def b64(self, value: str) -> bytes | str:
        """A ``b64_json`` value decoded once: its bytes, or why it is not strict base64."""
        found = self._b64.get(value)
        if found is None:
            try:
                found = decode_b64(value)
            except ValueError as exc:
                found = str(exc)
            self._b64[value] = found
        return found


@dataclass
class RecordedResponse:
    status: int
    headers: Headers
    body: bytes = b""
    # Set when the body was cut at the size cap: checks must not trust its end.
    truncated: bool = False

    @property
    def content_type(self) -> str:
        return (header(self.headers, "content-type") or "").split(";")[0].strip().lower()

    @property
    def is_json_type(self) -> bool:
        ctype = self.content_type
        return ctype == "application/json" or ctype.endswith("+json")

    @cached_property
    def json(self) -> Any:
        """The parsed body, or raises ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    def json_or_none(self) -> Any:
        try:
            return self.json
        except (ValueError, UnicodeDecodeError):
            return None

    @cached_property
    def answer(self) -> Answer:
        """Its one decoded view (JSON, events, images)."""
        return Answer(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "headers": [list(h) for h in self.headers],
            "body_b64": base64.b64encode(self.body).decode(),
            "truncated": self.truncated,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordedResponse:
        return cls(
            status=data["status"],
            headers=[(k, v) for k, v in data["headers"]],
            body=base64.b64decode(data["body_b64"]),
            truncated=data.get("truncated", False),
        )


@dataclass
class Attempt:
    """One try at a request; retried answers leave one of these each."""

    started_s: float
    elapsed_s: float
    status: int | None = None
    error: str | None = None
    # How long the transport waited before the next attempt (backoff or Retry-After).
    wait_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_s": self.started_s,
            "elapsed_s": self.elapsed_s,
            "status": self.status,
            "error": self.error,
            "wait_s": self.wait_s,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attempt:
        return cls(**data)


@dataclass
class Fetch:
    """A GET of an image URL found in an answer (sent without credentials)."""

    url: str
    response: RecordedResponse | None = None
    error: str | None = None
    # Why the URL was not fetched at all (e.g. not http(s), a private address).
    refused: str | None = None
    # The URLs that redirected, in order, when the link was a redirect.
    redirects: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "response": self.response.to_dict() if self.response else None,
            "error": self.error,
            "refused": self.refused,
            "redirects": list(self.redirects),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fetch:
        resp = data.get("response")
        return cls(
            url=data["url"],
            response=RecordedResponse.from_dict(resp) if resp else None,
            error=data.get("error"),
            refused=data.get("refused"),
            redirects=list(data.get("redirects", [])),
        )


@dataclass
class Exchange:
    probe_key: str
    request: RecordedRequest
    response: RecordedResponse | None = None
    # Why there is no answer to judge (refused connection, timeout, ...).
    error: str | None = None
    # Why the probe was not sent at all (e.g. the budget was spent).
    skipped: str | None = None
    # Wall-clock Unix time the request went out: `created` is judged against it.
    sent_at: float = 0.0
    elapsed_s: float = 0.0
    attempts: list[Attempt] = field(default_factory=list)
    billed: int = 0
    fetches: list[Fetch] = field(default_factory=list)

    def fetch_for(self, url: str) -> Fetch | None:
        for fetch in self.fetches:
            if fetch.url == url:
                return fetch
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "probe": self.probe_key,
            "request": self.request.to_dict(),
            "response": self.response.to_dict() if self.response else None,
            "error": self.error,
            "skipped": self.skipped,
            "sent_at": self.sent_at,
            "elapsed_s": self.elapsed_s,
            "attempts": [a.to_dict() for a in self.attempts],
            "billed": self.billed,
            "fetches": [f.to_dict() for f in self.fetches],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        resp = data.get("response")
        return cls(
            probe_key=data["probe"],
            request=RecordedRequest.from_dict(data["request"]),
            response=RecordedResponse.from_dict(resp) if resp else None,
            error=data.get("error"),
            skipped=data.get("skipped"),
            sent_at=data.get("sent_at", 0.0),
            elapsed_s=data.get("elapsed_s", 0.0),
            attempts=[Attempt.from_dict(a) for a in data.get("attempts", [])],
            billed=data.get("billed", 0),
            fetches=[Fetch.from_dict(f) for f in data.get("fetches", [])],
        )
