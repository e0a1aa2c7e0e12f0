"""Stop sending to a server that has stopped answering (a circuit breaker).

Against a server that accepts connections and never answers, every request
waits out its whole time limit, and retrying only waits again. So once
``STOP_AFTER`` requests in a row got no answer at all (a timeout, a reset or a
refused connection), with no answer in between, the run stops: requests in
flight are abandoned, nothing is retried, and every probe not yet sent becomes
an error of the run naming the cause. A server that answers, however slowly or
with whatever status (429 and 503 included), resets the count.

"In a row" means one after another: a request counts only when it was sent
after the previous counted one had failed. Requests that were in flight
together when the server fell over fail together and count once, so the count
is evidence over time, whatever ``--concurrency`` is.

Two, because the count is strict: the second request was sent only after the
first had got nothing, and nothing else was answered in the meantime. One lost
request is a blip (and every request lost in the same blip counts as that one);
the server failing a fresh request too is an outage. Each step costs a
refusal limit against a server that accepts and then stalls (README
"Transport"), so a third would add another 30 s to every outage for little
more certainty.

The breaker is plain data (no event loop of its own), so one breaker can span
the run's transport and the transports that send fuzz shrinking candidates.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from typing import Any

STOP_AFTER = 2
# How the error of a probe that was never sent begins.
NOT_SENT = "not sent — "


def is_not_sent(error: str | None) -> bool:
    """Whether an error (an exchange's, or its verdicts') says the probe was never sent."""
    return error is not None and error.startswith(NOT_SENT)


class Breaker:
    def __init__(self, limit: int = STOP_AFTER) -> None:
        self.limit = limit
        self.streak = 0
        self.answered = False
        self.reason: str | None = None
        self.in_flight_may_bill = True
        self._causes: list[str] = []
        self._last_counted = float("-inf")
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._sleepers: set[asyncio.Future[None]] = set()

    @property
    def open(self) -> bool:
        """Whether the run has stopped sending."""
        return self.reason is not None

    @property
    def in_doubt(self) -> bool:
        """No answer yet in this run, or the last request counted got none."""
        return not self.answered or self.streak > 0

    # -- what the transport reports -----------------------------------------

    def answer(self) -> None:
        """The server answered something (any status): it is alive."""
        self.answered = True
        self.streak = 0
        self._causes.clear()

    def no_answer(self, began: float, cause: str) -> None:
        """A request sent at ``began`` (time.monotonic) got no answer at all."""
        if self.open or began < self._last_counted:
            return  # in flight together with the last counted failure: the same event
        self._last_counted = time.monotonic()
        self.streak += 1
        if cause not in self._causes:
            self._causes.append(cause)
        if self.streak >= self.limit:
            self._trip()

    def _trip(self) -> None:
        self.halt(
            f"the server stopped answering ({self.limit} in a row: {'; '.join(self._causes)})"
        )
        self.abandon_in_flight()

    def halt(self, reason: str, *, in_flight_may_bill: bool = True) -> None:
        """Send nothing more, for ``reason``; requests in flight go on (see
        :meth:`abandon_in_flight`). ``in_flight_may_bill``: False when the endpoint
        is known not to generate (no images API there), so what is abandoned cannot
        have been billed."""
        if self.open:
            return
        self.reason = reason
        self.in_flight_may_bill = in_flight_may_bill
        for sleeper in list(self._sleepers):
            if not sleeper.done():
                sleeper.set_result(None)

    def abandon_in_flight(self) -> None:
        for task in list(self._in_flight):
            task.cancel()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    # -- what the transport asks -------------------------------------------

    def track(self, task: asyncio.Task[Any]) -> None:
        """A request in flight: abandoned (cancelled) if the breaker opens."""
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    def abandoned(self, task: asyncio.Task[Any]) -> bool:
        """Whether ``task`` was cancelled by this breaker (not by its caller)."""
        current = asyncio.current_task()
        cancelling = current.cancelling() if current is not None else 0
        return self.open and task.cancelled() and not cancelling

    async def sleep(self, seconds: float) -> None:
        """Wait before a retry, or less if the breaker opens meanwhile."""
        if self.open:
            return
        sleeper: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.add(sleeper)
        try:
            with suppress(TimeoutError):
                await asyncio.wait_for(sleeper, seconds)
        finally:
            self._sleepers.discard(sleeper)

    # -- messages ------------------------------------------------------------

    def not_sent(self) -> str:
        return f"{NOT_SENT}{self.reason}"

    def abandoned_in_flight(self) -> str:
        return f"abandoned in flight — {self.reason}"

    def not_retried(self) -> str:
        return f"not retried — {self.reason}"
