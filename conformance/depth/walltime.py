"""How long a plan takes to send, at a rate limit and a concurrency.

Simulated request by request, in plan order, the way the transport sends: at
most ``concurrency`` in flight, generations first, and a sliding-window rate
limit (``60/m``: a burst of 60, then one as each is a minute old). A generation
holds its slot for the profile's documented generation time
(``limits.generation_seconds``) or :data:`DEFAULT_GENERATION_S`; a refusal for
:data:`REFUSAL_S`. The model list is one request.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from conformance.probes import Probe
from conformance.transport.ratelimit import Rate

# Stated defaults, not measurements: a generation of an image model at low or
# medium quality takes seconds to a minute (high quality, longer); a refusal is
# answered without generating.
DEFAULT_GENERATION_S = 20.0
REFUSAL_S = 0.5


@dataclass(frozen=True)
class WallTime:
    """A plan's estimated wall time, and what it rests on."""

    seconds: float
    requests: int
    generations: int
    rate: Rate | None
    concurrency: int
    generation_s: float
    # Whether generation_s is the profile's (else the stated default).
    documented: bool
    # The requests alone at the rate limit (no generation time): the floor the limit sets.
    at_rate_s: float

    def text(self) -> str:
        rate = f"{self.rate}" if self.rate is not None else "no rate limit"
        source = (
            "the profile's limits.generation_seconds"
            if self.documented
            else "a stated default; the profile documents no limits.generation_seconds"
        )
        return (
            f"estimated wall time {clock(self.seconds)}: {self.requests} request(s) at {rate}, "
            f"{self.concurrency} at once, {self.generations} generation(s) of "
            f"{self.generation_s:g} s each ({source}); the requests alone take "
            f"{clock(self.at_rate_s)} at this rate limit"
        )


def clock(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _requests(probes: Sequence[Probe]) -> list[bool]:
    """For each request a plan sends, in order: whether it generates."""
    out: list[bool] = []
    listed = False
    for probe in probes:
        if not probe.sent:
            continue
        if probe.kind == "listing":
            if listed:
                continue  # one GET /v1/models, judged once per model
            listed = True
        out.append(probe.billable)
    return out


def simulate(
    generates: Sequence[bool], rate: Rate | None, concurrency: int, generation_s: float
) -> float:
    """Seconds until the last of these requests is answered."""
    slots = [0.0] * max(concurrency, 1)
    starts: deque[float] = deque()
    end = last = 0.0
    for slow in generates:
        # In plan order: the limiter lets requests begin first come, first served.
        begin = max(heapq.heappop(slots), last)
        if rate is not None and len(starts) >= rate.requests:
            # The window holds rate.requests starts: wait until the oldest is a period old.
            begin = max(begin, starts[0] + rate.period_s)
            starts.popleft()
        if rate is not None:
            starts.append(begin)
        last = begin
        done = begin + (generation_s if slow else REFUSAL_S)
        end = max(end, done)
        heapq.heappush(slots, done)
    return end


def estimate(
    probes: Sequence[Probe], rate: Rate | None, concurrency: int, generation_s: float | None
) -> WallTime:
    """The plan's wall time; ``generation_s`` None takes the stated default."""
    generates = _requests(probes)
    seconds = generation_s if generation_s is not None else DEFAULT_GENERATION_S
    return WallTime(
        seconds=simulate(generates, rate, concurrency, seconds),
        requests=len(generates),
        generations=sum(generates),
        rate=rate,
        concurrency=concurrency,
        generation_s=seconds,
        documented=generation_s is not None,
        at_rate_s=simulate([False] * len(generates), rate, len(generates) or 1, 0.0),
    )
