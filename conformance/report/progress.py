"""The live progress line of a run that sends: how far, what it cost, how long left.

On a terminal the line is rewritten in place (about once a second); elsewhere
(CI logs) a full line is printed every ``every_s`` seconds. The time left is the
larger of two estimates: when the rate limit lets the last request begin, and
what is left at the server's pace so far (its answer time per request, as many
at once as ``--concurrency``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from conformance.exchange import Exchange
from conformance.transport import Transport

TTY_EVERY_S = 0.5
# Answers needed before their pace says anything about the time left.
PACE_AFTER = 5


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Progress:
    """Called with each probe the run's transport is done with."""

    def __init__(self, write: Callable[[str], None], *, tty: bool, every_s: float) -> None:
        self._write = write
        self.tty = tty
        self.every_s = TTY_EVERY_S if tty else every_s
        self.began = time.monotonic()
        self.done = 0
        self.errors = 0
        self.serving_s = 0.0
        self._last = self.began
        self._shown = False
        self.last_line = ""

    def __call__(self, transport: Transport, exchange: Exchange | None) -> None:
        """A probe is done (``exchange``), or time passed (None)."""
        if exchange is not None:
            self.done += 1
            self.errors += exchange.error is not None
            # Time the server took (a rate limit's wait left out).
            self.serving_s += sum(a.elapsed_s for a in exchange.attempts)
        now = time.monotonic()
        finished = self.done >= transport.planned
        if self.every_s <= 0 or (now - self._last < self.every_s and not finished):
            return
        if finished and not self.tty:
            return  # the run's summary says the rest
        self._last = now
        self.show(self.line(transport, now))

    def eta(self, transport: Transport) -> float:
        remaining = transport.planned - self.done
        at_limit = transport.limiter.eta(transport.planned - transport.begun)
        if self.done < PACE_AFTER:
            return at_limit
        # At the server's pace: what is left, as many at once as the run sends.
        pace = remaining * self.serving_s / self.done / transport.concurrency
        return max(at_limit, pace)

    def line(self, transport: Transport, now: float) -> str:
        rate = transport.limiter.rate
        limit = f" at {rate}" if rate is not None else ""
        left = self.eta(transport)
        return (
            f"sent {transport.begun}/{transport.planned} ({self.done} done) · billable images "
            f"{transport.budget.spent}/{transport.budget.limit} · errors {self.errors} · "
            f"{_clock(now - self.began)} elapsed, about {_clock(left)} left{limit}"
        )

    def show(self, line: str) -> None:
        self.last_line = line
        if self.tty:
            self._write(("" if self._shown else "\n") + "\r\x1b[K" + line)
        else:
            self._write(f"progress: {line}\n")
        self._shown = True

    def close(self) -> None:
        if self.tty and self._shown:
            self._write("\n")
