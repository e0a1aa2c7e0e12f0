"""The hard budget of billable images.

Every request that *could* be billed reserves the images it could cost before it
is sent (a server that wrongly accepts an invalid request bills too); the
reservation is settled with what the server actually billed. So whatever the
server does, and however many requests are in flight, the images billed never
exceed the limit.
"""

from __future__ import annotations

import asyncio


class Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0
        self._reserved = 0
        self._changed = asyncio.Condition()

    def fits_ever(self, images: int) -> bool:
        """Whether ``images`` could still fit once every request in flight is settled."""
        return self.spent + images <= self.limit

    async def acquire(self, images: int) -> bool:
        """Reserve ``images``; False when they can never fit any more."""
        async with self._changed:
            while True:
                if not self.fits_ever(images):
                    return False
                if self.spent + self._reserved + images <= self.limit:
                    self._reserved += images
                    return True
                await self._changed.wait()

    async def settle(self, reserved: int, billed: int) -> None:
        """Release a reservation and count what the server billed."""
        async with self._changed:
            self._reserved -= reserved
            self.spent += billed
            self._changed.notify_all()
