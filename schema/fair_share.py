"""SEC3: one caller's requests do not crowd out the others'. The rate limit bounds how many
requests a caller makes per second; this bounds how many of them run at once: beyond
`per_caller`, a caller's next request waits for one of its own to finish, behind its own
queue, instead of in front of everyone else's. A user flooding over eight connections then
has a few requests in the server at a time, and another user's request waits behind those
few, not behind all eight (bench flood).

Keyed like the rate limit (schema.rate_limit: the user, or the client address). A key's
entry lives only while it has requests in flight."""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator


class _Slots:
    __slots__ = ("semaphore", "users")

    def __init__(self, size: int) -> None:
        self.semaphore = asyncio.Semaphore(size)
        self.users = 0


class CallerSlots:
    def __init__(self, per_caller: int) -> None:
        self.per_caller = per_caller
        self._slots: dict[str, _Slots] = {}

    def __len__(self) -> int:
        return len(self._slots)

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots[key] = _Slots(self.per_caller)
        slots.users += 1
        try:
            async with slots.semaphore:
                yield
        finally:
            slots.users -= 1
            if not slots.users:
                del self._slots[key]
