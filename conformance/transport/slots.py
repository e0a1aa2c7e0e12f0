"""Concurrency slots: at most N requests in flight, one kept for refusals while in doubt.

Generations go first (they are slow, so they should start at once), and with
N slots they could fill them all for a whole --read-timeout. Against a server
that never answers, that would hide the outage for minutes. So while the
server is *in doubt* (nothing answered yet in this run, or the last request got
no answer) and requests expected to be refused are still to be sent,
generations hold at most N-1 slots: the last one goes to a refusal, which a
live server answers at once and a dead one lets time out after
--refusal-timeout. At concurrency 1 the refusals then go first. Once the server
answers, every slot goes to whoever comes first, generations before refusals.

While in doubt, at most :data:`DOUBT_SLOTS` requests are in flight whatever the
concurrency: a profile may send 12 at once to a live vendor (rate x latency), but
a dead one must not cost more generations (each possibly billed) or more requests
before its verdict than at the default concurrency.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

# In flight at most while the server is in doubt: the default concurrency.
DOUBT_SLOTS = 4


def _never() -> bool:
    return False


class Slots:
    def __init__(self, size: int, *, quick: int = 0, in_doubt: Callable[[], bool] = _never) -> None:
        """``quick``: how many requests expected to be refused the run will send."""
        self.size = max(size, 1)
        self._busy = 0
        self._slow_busy = 0
        self._quick_left = quick
        self._in_doubt = in_doubt
        # quick? -> requests waiting for a slot, in order
        self._waiting: dict[bool, deque[asyncio.Future[None]]] = {False: deque(), True: deque()}

    def _fits(self, quick: bool) -> bool:
        doubt = self._in_doubt()
        size = min(self.size, DOUBT_SLOTS) if doubt else self.size
        if self._busy >= size:
            return False
        if quick or self._quick_left <= 0 or not doubt:
            return True
        return self._slow_busy < size - 1

    def _take(self, quick: bool) -> None:
        self._busy += 1
        if not quick:
            self._slow_busy += 1

    def _wake(self) -> None:
        """Hand free slots to waiting requests: generations first when they may."""
        while True:
            for quick in (False, True):
                queue = self._waiting[quick]
                while queue and queue[0].done():  # its request was cancelled
                    queue.popleft()
                if queue and self._fits(quick):
                    self._take(quick)
                    queue.popleft().set_result(None)
                    break
            else:
                return

    async def acquire(self, quick: bool) -> None:
        queue = self._waiting[quick]
        if not queue and self._fits(quick):
            self._take(quick)
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release(quick)  # the slot was handed over just as it was cancelled
            raise

    def release(self, quick: bool) -> None:
        self._busy -= 1
        if not quick:
            self._slow_busy -= 1
        self._wake()

    def quick_done(self) -> None:
        """One request expected to be refused has been sent (or never will be)."""
        self._quick_left -= 1
        self._wake()

    @asynccontextmanager
    async def hold(self, quick: bool) -> AsyncIterator[None]:
        await self.acquire(quick)
        try:
            yield
        finally:
            self.release(quick)
