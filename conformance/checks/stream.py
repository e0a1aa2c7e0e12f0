"""Answers to ``stream: true``: server-sent events with partial and completed images.

What OpenAI sends (spec ``ImageGenStreamEvent``, live capture 2026-09-20):
``text/event-stream``; per image, up to ``partial_images`` events of type
``image_generation.partial_image`` (``partial_image_index`` 0, 1, ...), then one
``image_generation.completed`` with the echo fields and ``usage``; each event an
``event:`` line and one ``data:`` line holding a JSON object (a whole base64
image, ~2 MB); no ``[DONE]``: the connection closes after the completed event.

The official clients (openai-python 3.57, openai-node 6.49, measured) decide
from the *request* that a stream is coming and never look at the answer's
media type; they JSON-decode each event's data and dispatch on its ``type``,
raise only for ``data: {"error": {...}}``, and stop at a ``[DONE]``. The
recorded body is parsed with httpx-sse, whose field rules the openai SDK's
decoder was copied from, so these checks see the events the clients see.
"""

from __future__ import annotations

import time
from collections import Counter

from conformance.checks.base import EDITS_TOO, Context, Need, Result, check, failed, passed, skipped
from conformance.checks.usage import shape_problems
from conformance.imaging import Decoded, decode_b64, decode_image
from conformance.params.spec import AUTO, ECHOED
from conformance.probes import Probe
from conformance.sse import (
    UNNAMED,
    Event,
    ParsedStream,
    is_event_stream,
)

DAY_S = 24 * 3600
_REQUIRED = ("type", "b64_json", "created_at", *ECHOED)


def _streams(probe: Probe) -> bool:
    """A billable probe that asks for a stream."""
    return probe.kind == "valid" and probe.expect.stream


def _asks_stream(probe: Probe) -> bool:
    """Any request sent with ``stream: true`` (refused ones included)."""
    body = probe.body if isinstance(probe.body, dict) else {}
    return probe.kind in ("valid", "invalid") and body.get("stream") is True


def _what(ctx: Context) -> str:
    """What the stream's events are of: "image generation", "image edit"."""
    return ctx.event_types[0].split(".")[0].replace("_", " ")


def _shown_type(ctx: Context) -> str:
    return ctx.response.content_type or "no content type"


def _stream(ctx: Context) -> ParsedStream | Result:
    """The events of a 2xx answer to a stream, or why there are none to judge."""
    if not 200 <= ctx.status < 300:
        return skipped(f"answered {ctx.status} (judged by generation.status)")
    if ctx.payload is not None:
        return skipped("a JSON body, not an event stream (judged by stream.is-stream)")
    parsed = ctx.answer.stream
    if not parsed.events and not is_event_stream(ctx.response.content_type):
        return skipped("no server-sent event in the body (judged by stream.is-stream)")
    return parsed


# The events of a 2xx answer to a stream.
STREAM: Need[ParsedStream] = Need("stream events", _stream)


def _types(events: tuple[Event, ...] | list[Event]) -> str:
    counts = Counter(str(e.type) if e.type is not None else e.data[:20] for e in events)
    return ", ".join(f"{kind} ×{n}" for kind, n in counts.items()) or "nothing"


def _event_image(event: Event, want_format: str | None) -> Decoded | str:
    """The event's image, decoded, or what is wrong with it."""
    value = event.payload.get("b64_json") if isinstance(event.payload, dict) else None
    if not isinstance(value, str) or not value:
        return f"{event.shown} carries no b64_json image"
    try:
        decoded = decode_image(decode_b64(value))
    except ValueError as exc:
        return f"{event.shown}: b64_json {exc}"
    if want_format is not None and decoded.format != want_format:
        return f"{event.shown} is a {decoded.format} image; output_format was {want_format}"
    return decoded


@check(
    "stream.is-stream",
    title="stream: true is answered with events, never a JSON body",
    severity="must",
    applies=_asks_stream,
    operations=EDITS_TOO,
)
def is_stream(ctx: Context) -> Result:
    """The worst streaming bug: a server that ignores ``stream`` and answers JSON.

    Both official clients decide from the request that events are coming, find
    none in a JSON body, and end the iteration with zero events and no error:
    the app shows nothing and nobody is told. A refusal (4xx) is fine: that is
    what a vendor without streaming must send.
    """
    if not 200 <= ctx.status < 300:
        if ctx.probe.kind == "invalid":
            return passed(f"refused with HTTP {ctx.status}, not answered with JSON")
        return skipped(f"answered {ctx.status} (judged by generation.status)")
    if ctx.payload is not None:
        return failed(
            f"a JSON body ({_shown_type(ctx)}) answered stream: true: openai-python and "
            "openai-node decide from the request that events are coming, find none, and "
            "yield zero events without raising any error: the app silently gets no image"
        )
    parsed = ctx.answer.stream
    if not parsed.events and not is_event_stream(ctx.response.content_type):
        return failed(
            f"no server-sent event in the {_shown_type(ctx)} body "
            f"({ctx.response.body[:40]!r}): the official clients yield zero events and "
            "raise no error"
        )
    return passed(f"an event stream of {len(parsed.events)} event(s)")


@check(
    "stream.content-type",
    title="an event stream is sent as text/event-stream",
    severity="should",
    applies=_streams,
    needs=(STREAM,),
    operations=EDITS_TOO,
)
def content_type(ctx: Context) -> Result:
    """``should``: the official SDKs go by the request and never look, but readers
    that do (httpx-sse, browsers' EventSource, proxies that pass streams through
    unbuffered by media type) refuse or buffer anything else."""
    header = ctx.response.content_type
    if is_event_stream(header):
        return passed("text/event-stream")
    return failed(
        f"an event stream sent as {header or 'no content type'}: the openai SDKs do not "
        "look, but httpx-sse and browsers' EventSource refuse it, and proxies may buffer "
        "it whole"
    )


@check(
    "stream.framing",
    title="every event is one JSON object in data:, ended by a blank line",
    severity="must",
    applies=_streams,
    needs=(STREAM,),
    operations=EDITS_TOO,
)
def framing(ctx: Context) -> Result:
    """Each event must carry ``data:`` holding one JSON object: the clients
    ``json.loads``/``JSON.parse`` every event's data. Comments (``: ping``) are
    fine; a ``[DONE]`` is stream.done's finding."""
    parsed = STREAM.of(ctx)
    for event in parsed.events:
        if event.done or event.problem is None:
            continue
        if event.data == "":
            return failed(
                f"{event.shown} has no data: line (an event: {event.name} line alone): "
                "openai-python raises JSONDecodeError and openai-node SyntaxError on it, "
                "ending the stream before the image"
            )
        if event.payload is None:
            return failed(
                f"{event.shown}: {event.problem}: openai-python raises JSONDecodeError and "
                "openai-node SyntaxError"
            )
        return failed(f"{event.shown}: {event.problem}: the clients yield it as an untyped event")
    if parsed.unterminated is not None:
        return failed(
            f"the stream ends inside {parsed.unterminated.shown}: no blank line follows its "
            "last line, so openai-python (and httpx-sse) never dispatch it"
        )
    return passed(f"{len(parsed.events)} event(s), each a JSON object in data:")


@check(
    "stream.event-types",
    title="every event is an image generation event (or an error the clients raise)",
    severity="must",
    applies=_streams,
    needs=(STREAM,),
    operations=EDITS_TOO,
)
def event_types(ctx: Context) -> Result:
    """The clients dispatch on ``type`` and raise only for ``{"error": {...}}``.

    ``must`` for a flat error (``{"type": "error", "message": ...}``): in its
    default mode openai-python yields it as one more event instead of raising
    (strict mode: a ValidationError) and openai-node yields ``{type: "error"}``,
    so an app waiting for the completed image is never told it failed, the same
    silence as a JSON answer.
    """
    parsed = STREAM.of(ctx)
    for event in parsed.events:
        payload = event.payload
        if event.done or event.problem is not None or not isinstance(payload, dict):
            continue  # stream.done's and stream.framing's findings
        if payload.get("error"):
            continue  # the shape the clients raise APIError for; stream.completed reports it
        kind = payload.get("type")
        if kind == "error" or (kind is None and "message" in payload):
            return failed(
                f"{event.shown} is a flat error object ({event.data[:100]}): openai-python "
                "yields it as an event instead of raising (strict mode: ValidationError) and "
                "openai-node yields {type: 'error'}: the app is never told the image failed; "
                'the clients raise only for data: {"error": {...}}'
            )
        if kind is None:
            return failed(
                f"{event.shown} has no type: openai-python yields it with type None (strict "
                "mode: ValidationError); apps dispatch on type"
            )
        if kind not in ctx.event_types:
            return failed(
                f"{event.shown} has type {str(kind)[:60]!r}, not an {_what(ctx)} event "
                f"({', '.join(ctx.event_types)}): typed clients cannot parse it"
            )
    return passed(_types(parsed.events))


@check(
    "stream.partials",
    title="partial images: index from 0 ascending, at most partial_images, each an image",
    severity="should",
    applies=_streams,
    needs=(STREAM,),
    operations=EDITS_TOO,
)
def partials(ctx: Context) -> Result:
    """Apps show each partial as a progress frame, keyed by ``partial_image_index``.
    Fewer partials than asked is allowed (the spec: the completed image may
    arrive before all partials)."""
    parsed = STREAM.of(ctx)
    expect = ctx.probe.expect
    found = parsed.of_type(ctx.event_types[0])
    asked = expect.partial_images * (expect.n or 1)
    if len(found) > asked:
        return failed(
            f"{len(found)} partial image(s); partial_images was {expect.partial_images} "
            "(each one is billed)"
        )
    indices = [e.payload.get("partial_image_index") for e in found]
    if indices != list(range(len(found))):
        return failed(
            f"partial_image_index {indices}; expected {list(range(len(found)))} "
            "(0-based, ascending)"
        )
    for event in found:
        image = _event_image(event, expect.output_format)
        if isinstance(image, str):
            return failed(image)
    if not found:
        return passed(f"no partial image (partial_images {expect.partial_images})")
    return passed(
        f"{len(found)} partial image(s) of at most {asked}, index {indices}, "
        f"each a {expect.output_format} image"
    )


@check(
    "stream.completed",
    title="exactly one image_generation.completed per image, an image, then nothing",
    severity="must",
    applies=_streams,
    needs=(STREAM,),
    operations=EDITS_TOO,
)
def completed(ctx: Context) -> Result:
    """The completed event is the image: without it the app has nothing
    (openai-node's own example fails exactly when no completed image arrives).
    It ends the stream: OpenAI closes the connection after it."""
    parsed = STREAM.of(ctx)
    expect = ctx.probe.expect
    completed_type = ctx.event_types[1]
    seen = parsed.read_by_clients
    for event in seen:
        error = event.payload.get("error") if isinstance(event.payload, dict) else None
        if error:
            message = error.get("message") if isinstance(error, dict) else error
            return failed(f"{event.shown} is an error instead of the image: {str(message)[:120]}")
    done = [e for e in seen if e.type == completed_type]
    want = expect.n or 1
    if not done:
        if parsed.of_type(completed_type):
            return failed(
                f"{completed_type} comes after data: [DONE]: both official clients stop reading "
                "at [DONE] and never see it"
            )
        return failed(
            f"no {completed_type} event in a stream of {len(parsed.events)} event(s) "
            f"({_types(parsed.events)}): the app never gets the image"
        )
    if len(done) != want:
        return failed(f"{len(done)} {completed_type} events for n = {want}")
    last = seen.index(done[-1])
    after = [e for e in parsed.events[last + 1 :] if not e.done]
    if after:
        return failed(
            f"{len(after)} event(s) after the last {completed_type} ({_types(after)}): the "
            "stream must end there"
        )
    for event in done:
        image = _event_image(event, expect.output_format)
        if isinstance(image, str):
            return failed(image)
        if expect.size not in (None, AUTO) and image.size != expect.size:
            return failed(f"{event.shown} is a {image.size} image; size was {expect.size}")
    return passed(f"{len(done)} {completed_type}, last, a {expect.output_format} image")


def _event_problems(ctx: Context, event: Event) -> list[str]:
    payload = event.payload
    assert isinstance(payload, dict)
    expect = ctx.probe.expect
    partial, completed = ctx.event_types
    required = [*_REQUIRED, "partial_image_index" if event.type == partial else "usage"]
    # What the docs view's shape says the vendor leaves out (response.shape).
    usage = ctx.profile.gpt_usage if ctx.view == "docs" else "openai"
    unsent = {*(() if ctx.shape.echo else ECHOED), *(("usage",) if usage == "none" else ())}
    missing = [key for key in required if payload.get(key) is None and key not in unsent]
    problems = []
    if missing:
        note = " (created is the JSON answer's name)" if "created" in payload else ""
        problems.append(
            f"lacks {', '.join(missing)}{note}: openai-python's strict validation rejects it"
        )
    created = payload.get("created_at")
    if created is not None:
        sent = ctx.exchange.sent_at or time.time()
        if isinstance(created, bool) or not isinstance(created, int):
            problems.append(f"created_at is {created!r}, not an integer")
        elif abs(created - sent) > DAY_S:
            problems.append(f"created_at {created} is more than a day from the request")
    asked = {
        "size": expect.size,
        "quality": expect.quality,
        "background": expect.background,
        "output_format": expect.output_format,
    }
    for key, want in asked.items():
        value = payload.get(key)
        if value is not None and want not in (None, AUTO) and value != want:
            problems.append(f"{key} {value!r}; asked {want!r}")
    if event.type == completed and payload.get("usage") is not None:
        problems += shape_problems(payload["usage"], usage if usage != "none" else "openai")
    return problems


@check(
    "stream.fields",
    title="partial and completed events carry the fields the spec requires",
    severity="should",
    applies=_streams,
    needs=(STREAM,),
    operations=EDITS_TOO,
)
def fields(ctx: Context) -> Result:
    """Spec ``ImageGenPartialImageEvent``/``ImageGenCompletedEvent``: type,
    b64_json, created_at, size, quality, background, output_format, and
    partial_image_index or usage. openai-python's strict mode rejects an event
    without them; cost accounting reads the completed event's usage."""
    parsed = STREAM.of(ctx)
    judged = [e for e in parsed.events if e.type in ctx.event_types]
    for event in judged:
        problems = _event_problems(ctx, event)
        if problems:
            return failed(f"{event.shown}: " + "; ".join(problems))
    if not judged:
        return skipped("no image event to judge (judged by stream.completed)")
    return passed(f"{len(judged)} event(s) with every required field, usage in OpenAI's shape")


@check(
    "stream.done",
    title="no data: [DONE] (OpenAI ends an image stream by closing it)",
    severity="may",
    applies=_streams,
    needs=(STREAM,),
    operations=EDITS_TOO,
)
def done(ctx: Context) -> Result:
    """``may``, advisory. OpenAI sends no ``[DONE]`` on image streams (the chat
    convention): the connection closes after the completed event. Both official
    clients stop at a ``[DONE]`` and so tolerate it, as does any reader built
    on them; only a reader that JSON-decodes every ``data:`` line, as the
    spec's event schema invites, breaks on it. A ``[DONE]`` *before* the
    completed event hides the image: stream.completed fails that."""
    parsed = STREAM.of(ctx)
    marks = [e for e in parsed.events if e.done]
    if not marks:
        return passed("no [DONE]: the stream ends after its last event, as OpenAI's does")
    where = ", ".join(str(e.index) for e in marks)
    named = [e.name for e in marks if e.name != UNNAMED]
    shown = f" (event: {named[0]})" if named else ""
    return failed(
        f"data: [DONE]{shown} sent as event {where}: OpenAI's image streams end by closing; "
        "the official clients stop there and tolerate it, a reader that JSON-decodes every "
        "data: line fails on it"
    )
