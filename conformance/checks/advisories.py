"""What a client would notice in a stream, even where the contract allows it (may).

- OpenAI names each event with an ``event:`` line equal to its ``type``. The
  official SDKs dispatch on ``type``, but readers that route by event name
  (browsers' EventSource listeners, httpx-sse users, openai-node 7, which
  throws on ``event: error``) see only unnamed ``message`` events otherwise.
- Partial images asked for and never sent: the contract lets the completed
  image arrive before all partials, but none at all on any request means the
  feature was dropped (an app's progress frames never show).
"""

from __future__ import annotations

from conformance.checks.base import Context, Result, check, failed, passed
from conformance.checks.stream import STREAM, _streams
from conformance.probes import Probe
from conformance.sse import COMPLETED, PARTIAL, UNNAMED


@check(
    "stream.event-lines",
    title="each event is named by an event: line equal to its type, as OpenAI sends",
    severity="may",
    applies=_streams,
    needs=(STREAM,),
)
def event_lines(ctx: Context) -> Result:
    parsed = STREAM.of(ctx)
    images = [e for e in parsed.events if e.type in (PARTIAL, COMPLETED)]
    for event in images:
        if event.name == UNNAMED:
            return failed(
                f"{event.shown} has no event: line (OpenAI sends event: {event.type}); "
                "readers that route by event name see an unnamed message"
            )
        if event.name != event.type:
            return failed(f"{event.shown} is named {event.name!r} but its type is {event.type!r}")
    return passed(f"{len(images)} event(s), each named by its type")


def _asks_partials(probe: Probe) -> bool:
    return _streams(probe) and probe.expect.partial_images > 0


@check(
    "stream.partials-arrive",
    title="partial images asked for arrive (at least one)",
    severity="may",
    applies=_asks_partials,
    needs=(STREAM,),
)
def partials_arrive(ctx: Context) -> Result:
    parsed = STREAM.of(ctx)
    found = parsed.of_type(PARTIAL)
    asked = ctx.probe.expect.partial_images
    if not found and parsed.of_type(COMPLETED):
        return failed(
            f"partial_images {asked} was asked and no partial image came before the "
            "completed one (the contract allows fewer, but none at all drops the feature)"
        )
    return passed(f"{len(found)} partial image(s) of {asked} asked")
