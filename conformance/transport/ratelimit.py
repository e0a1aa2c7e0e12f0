"""The request rate limit: at most N API requests begin in any window of one period.

``60/m`` means what a vendor's "60 requests per minute" means: a burst of 60 is
fine, a 61st waits until the first is a minute old (a sliding window, so no
minute ever sees more than 60). Retries count; image downloads do not (they go
to wherever the image URL points, usually a CDN).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from dataclasses import dataclass

from conformance.errors import ConfigError

PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*([smh])\s*$")


@dataclass(frozen=True)
class Rate:
    requests: int
    period_s: float
    text: str = ""

    def __str__(self) -> str:
        return self.text or f"{self.requests}/{self.period_s:g}s"


def parse_rate(value: str, option: str = "--rate-limit") -> Rate | None:
    """``N/s``, ``N/m`` or ``N/h``; ``none`` (or ``off``) for no limit."""
    if value.strip().lower() in ("none", "off"):
        return None
    found = _PATTERN.match(value)
    count = float(found.group(1)) if found else 0.0
    if not found or count <= 0:
        raise ConfigError(
            f"{option} {value!r}: expected N/s, N/m or N/h with N > 0 (e.g. 60/m), or none"
        )
    period = PERIODS[found.group(2)]
    # A fractional rate becomes whole requests over a longer window: never faster.
    whole = max(int(count), 1)
    return Rate(whole, period * whole / count, value.strip())


class RateLimiter:
    """A sliding-window limiter shared by every request of one run."""

    def __init__(self, rate: Rate | None) -> None:
        self.rate = rate
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.waited_s = 0.0

    async def wait(self) -> None:
        """Return when one more request may begin, and count it as begun."""
        if self.rate is None:
            return
        async with self._lock:  # FIFO: whoever asked first goes first
            while True:
                now = time.monotonic()
                while self._starts and now - self._starts[0] >= self.rate.period_s:
                    self._starts.popleft()
                if len(self._starts) < self.rate.requests:
                    self._starts.append(now)
                    return
                pause = self._starts[0] + self.rate.period_s - now
                self.waited_s += pause
                await asyncio.sleep(pause)

    def eta(self, remaining: int) -> float:
        """Seconds until ``remaining`` more requests may all have begun, at this limit."""
        if self.rate is None or remaining <= 0:
            return 0.0
        now = time.monotonic()
        recent = [t for t in self._starts if now - t < self.rate.period_s]
        waiting = remaining - (self.rate.requests - len(recent))
        if waiting <= 0:
            return 0.0
        # The last one begins a whole window after the start it waits for, or more.
        windows, index = divmod(waiting - 1, self.rate.requests)
        base = recent[index] if index < len(recent) else now
        return max(base + self.rate.period_s * (windows + 1) - now, 0.0)
