"""A background reaction to committed events: routing serves waiting requests when agents
become ready; supervision follows agents onto their next calls. One task per listener; a
failing batch is logged and the next one still runs.

A reaction that changes the store runs where the change was made (the instance's own
events), so once in a cluster; one that keeps this instance's memory right (forgetting a
revoked token) runs `everywhere`."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Iterable

from core.events import Event, EventBus

Handler = Callable[[list[Event]], Awaitable[None]]


async def cancel_and_wait(task: asyncio.Task | None) -> None:
    """Stops a background task and waits until it has (whatever it raised on the way out)."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except (asyncio.CancelledError, Exception):
        pass


class BusListener:
    def __init__(self, bus: EventBus, topics: Iterable[str], handler: Handler, log: logging.Logger,
                 everywhere: bool = False) -> None:
        self.bus = bus
        self.everywhere = everywhere
        self.topics = frozenset(topics)
        self.handler = handler
        self.log = log
        self._subscription = None
        self._task: asyncio.Task | None = None
        self._busy = False
        self._progress = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> bool:
        """Starts listening; False when it already was (a started Backline started again)."""
        if self.running:
            return False
        self._subscription = self.bus.subscribe(self.topics)
        self._task = asyncio.create_task(self._listen())
        return True

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
        await cancel_and_wait(self._task)
        self._task = None

    async def _listen(self) -> None:
        async for event in self._subscription:
            if not self._mine(event):  # another instance made it, and reacts to it there
                continue
            # The events one command published arrive together: handle them as one batch.
            batch = [event, *(e for e in self._drain() if self._mine(e))]
            self._busy = True
            try:
                await self.handler(batch)
            except Exception:
                self.log.exception("Handling %s failed", ", ".join(sorted({e.kind for e in batch})))
            finally:
                self._busy = False
                self._progress.set()

    def _mine(self, event: Event) -> bool:
        return self.everywhere or event.local

    def _drain(self) -> list[Event]:
        """The events already queued behind the one being handled (never the end marker)."""
        pending = self._subscription.queue
        events = []
        while not pending.empty():
            item = pending.get_nowait()
            if not isinstance(item, Event):
                pending.put_nowait(item)  # the subscription's end: its iterator stops on it
                break
            events.append(item)
        return events

    async def settle(self, timeout: float = 30.0) -> None:
        """Until every event published so far has been handled (for tests and tools that
        must not race the listener). `timeout` is a real-time safety net."""
        pending = getattr(self._subscription, "queue", None)
        if pending is None or self._task is None:
            return

        async def idle() -> None:
            while self._busy or not pending.empty():
                self._progress.clear()
                await self._progress.wait()

        await asyncio.wait_for(idle(), timeout)
