"""Events: every state change is one. Stored with the state in one transaction (the history),
then published after commit to an `EventBus` that subscriptions read from."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, AsyncIterator, Iterable, Protocol


@dataclass(frozen=True)
class Event:
    topic: str  # what a subscriber listens to: "presence", "interaction", ...
    kind: str  # what happened: "PresenceChanged", "PartyJoined", ...
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = None
    subject: str | None = None  # e.g. "agent:12" or "interaction:7"; history is read by it
    id: int | None = None  # the history row's id once stored: its position, in commit order
    # Committed through this instance (False: read from the log, committed by another one);
    # background reactions run where the change was made (core.store.relay).
    local: bool = True

    def stored(self, event_id: int) -> "Event":
        return replace(self, id=event_id)


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[Event]: ...

    def close(self) -> None: ...


class EventBus(Protocol):
    def publish(self, events: Iterable[Event]) -> None: ...

    def subscribe(self, topics: Iterable[str]) -> Subscription: ...


_CLOSED = object()


class _QueueSubscription:
    def __init__(self, bus: "InProcessBus", topics: frozenset[str]) -> None:
        self._bus = bus
        self.topics = topics
        self.queue: asyncio.Queue[Any] = asyncio.Queue()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        try:
            while True:
                item = await self.queue.get()
                if item is _CLOSED:
                    return
                yield item
        finally:
            self.close()

    def close(self) -> None:
        self._bus._remove(self)
        self.queue.put_nowait(_CLOSED)


class InProcessBus:
    """Fan-out within one process. Queues are unbounded: a slow subscriber costs memory,
    never a lost event; the transport closes a subscriber that stops reading."""

    def __init__(self) -> None:
        self._by_topic: dict[str, set[_QueueSubscription]] = defaultdict(set)
        self.published = 0  # events, for the instance's metrics
        self.delivered = 0  # events handed to a subscription

    def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            self.published += 1
            subscriptions = tuple(self._by_topic.get(event.topic, ()))
            self.delivered += len(subscriptions)
            for subscription in subscriptions:
                subscription.queue.put_nowait(event)

    def subscribe(self, topics: Iterable[str]) -> _QueueSubscription:
        subscription = _QueueSubscription(self, frozenset(topics))
        for topic in subscription.topics:
            self._by_topic[topic].add(subscription)
        return subscription

    def _remove(self, subscription: _QueueSubscription) -> None:
        for topic in subscription.topics:
            self._by_topic.get(topic, set()).discard(subscription)

    def subscriber_count(self, topic: str) -> int:
        return len(self._by_topic.get(topic, ()))

    def subscription_count(self) -> int:
        """Open subscriptions, whatever their topics."""
        return len({s for subscriptions in self._by_topic.values() for s in subscriptions})
