"""Time, injectable. Ring, transfer and queue time-outs are scheduled on a `Clock`, so tests
advance a `ManualClock` instead of sleeping."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable, Protocol

Callback = Callable[[], Awaitable[None]]


class Timer(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...

    def call_later(self, delay: float, callback: Callback) -> Timer: ...


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class SystemClock:
    """Wall time; callbacks run as tasks on the running loop."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def now(self) -> datetime:
        return utcnow()

    def call_later(self, delay: float, callback: Callback) -> asyncio.TimerHandle:
        loop = asyncio.get_running_loop()

        def fire() -> None:
            task = loop.create_task(callback())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return loop.call_later(max(delay, 0.0), fire)


class _ManualTimer:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock that moves only when told to; `advance` runs what falls due, in order."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
        self._queue: list[tuple[datetime, int, _ManualTimer, Callback]] = []
        self._seq = itertools.count()

    def now(self) -> datetime:
        return self._now

    def call_later(self, delay: float, callback: Callback) -> _ManualTimer:
        timer = _ManualTimer()
        due = self._now + timedelta(seconds=max(delay, 0.0))
        heapq.heappush(self._queue, (due, next(self._seq), timer, callback))
        return timer

    async def advance(self, seconds: float) -> None:
        target = self._now + timedelta(seconds=seconds)
        while self._queue and self._queue[0][0] <= target:
            due, _, timer, callback = heapq.heappop(self._queue)
            self._now = max(self._now, due)
            if not timer.cancelled:
                await callback()
        self._now = target
