"""openai-python, fed the recorded answer: default mode, or strict mode.

The SDK sends its own request for the probe's parameters into a replay
transport that answers with exactly what the server answered, so what the SDK
(and then the app's code) makes of it is what an app would see: judged
offline, at no extra cost, and the same on a replayed run. Retries are off.
"""

from __future__ import annotations

import base64
import importlib
import inspect
from collections.abc import Iterable
from functools import cache
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import openai
from pydantic import ValidationError

from conformance.clients.observation import HEAD_BYTES, Observation, Raised, Read, ReplayCall
from conformance.exchange import RecordedResponse

# Hop-by-hop and encoding headers describe the original wire form, not our bytes.
_DROP = {"content-encoding", "content-length", "transfer-encoding", "connection"}


@cache
def http_module() -> ModuleType:
    """The HTTP library this SDK version is built on (httpx, or httpx2 in SDK 3.x)."""
    for base in openai.DefaultHttpxClient.__mro__[1:]:
        root = base.__module__.split(".")[0]
        if root.startswith("httpx"):
            return importlib.import_module(root)
    return importlib.import_module("httpx")


@cache
def _generate_params() -> frozenset[str]:
    """The keyword arguments ``images.generate`` takes; the rest go as extra_body."""
    client = openai.OpenAI(api_key="sk-replay-not-a-real-key")
    return frozenset(inspect.signature(client.images.generate).parameters)


def version() -> str:
    return f"openai {openai.__version__}"


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        return f"a str ({len(value)} chars)"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__


def _raised(exc: BaseException) -> Raised:
    text = str(exc).splitlines()[0] if str(exc) else ""
    cause = exc.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        # Strict mode's reason: which field, and what the SDK's types allow there.
        first = cause.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the body"
        text += f" ({where}: {first['msg']})"
    status = getattr(exc, "status_code", None)
    names = tuple(c.__name__ for c in type(exc).__mro__ if c not in (BaseException, object))
    return Raised(names, text[:300], status if isinstance(status, int) else None)


def _read_image(where: str, field: str, value: Any) -> Read | str:
    """The app's code on one image: ``b64decode(item.b64_json)``, or the URL parsed."""
    try:
        if field == "url":
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{value[:80]!r} is not an absolute http(s) URL")
            return Read(where, url=value)
        data = base64.b64decode(value)
    except Exception as exc:  # the app's code failing is the observation
        how = f"urlsplit({where})" if field == "url" else f"base64.b64decode({where})"
        return f"{where} is {_describe(value)}: {how} raised {type(exc).__name__}: {exc}"
    return Read(where, size=len(data), head=data[:HEAD_BYTES])


def _read_items(result: Any, field: str) -> tuple[list[Read], str | None]:
    data = getattr(result, "data", None)
    if not isinstance(data, list):
        return [], f"returned {_describe(result)}; .data is {_describe(data)}"
    if not data:
        return [], "returned .data = []: data[0] raises IndexError"
    reads: list[Read] = []
    for i, item in enumerate(data):
        read = _read_image(f"data[{i}].{field}", field, getattr(item, field, None))
        if isinstance(read, str):
            return reads, read
        reads.append(read)
    return reads, None


def _read_stream(stream: Iterable[Any], reads: list[Read], events: list[str]) -> str | None:
    """Iterate to the end, reading each completed image; the lists fill as it goes."""
    for event in stream:
        kind = getattr(event, "type", None)
        events.append(kind if isinstance(kind, str) else _describe(event))
        if kind == "image_generation.completed":
            where = f"{kind}.b64_json"
            read = _read_image(where, "b64_json", getattr(event, "b64_json", None))
            if isinstance(read, str):
                return read
            reads.append(read)
    return None


def replay_client(
    recorded: RecordedResponse, *, strict: bool, sent: list[bytes] | None = None
) -> openai.OpenAI:
    """An openai-python client, retries off, whose every request gets the recorded
    answer's bytes; the body of each request it sends is appended to ``sent``."""
    http = http_module()
    headers = [(k, v) for k, v in recorded.headers if k.lower() not in _DROP]

    def answer(request: Any) -> Any:
        if sent is not None:
            sent.append(request.read())
        return http.Response(recorded.status, headers=headers, content=recorded.body)

    return openai.OpenAI(
        api_key="sk-replay-not-a-real-key",
        base_url="http://replay.invalid/v1",
        max_retries=0,
        http_client=http.Client(transport=http.MockTransport(answer)),
        _strict_response_validation=strict,
    )


def observe(call: ReplayCall, *, strict: bool) -> Observation:
    """Run the app's call with openai-python against the recorded answer."""
    sent: list[bytes] = []
    client = replay_client(call.response, strict=strict, sent=sent)
    known = _generate_params()
    kwargs = {k: v for k, v in call.params.items() if k in known}
    extra = {k: v for k, v in call.params.items() if k not in known}
    if extra:
        kwargs["extra_body"] = extra
    reads: list[Read] = []
    events: list[str] = []
    problem = None
    try:
        with client:
            result = client.images.generate(**kwargs)
            if call.call == "stream":
                problem = _read_stream(result, reads, events)
            else:
                reads, problem = _read_items(result, call.read)
    except Exception as exc:  # which exception, if any, is the observation
        return Observation(
            sent=bool(sent), raised=_raised(exc), images=tuple(reads), events=tuple(events)
        )
    return Observation(sent=bool(sent), problem=problem, images=tuple(reads), events=tuple(events))
