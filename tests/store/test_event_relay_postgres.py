"""INS1 at the store: two stores on one PostgreSQL database (two instances' worth, each with its
own bus) see each other's events once, in commit order; when an instance's listening
connection is cut, it reconnects and reads the log from where it was, so what was committed
meanwhile is not lost; the events travel in their notification, and the log is read only when
they do not follow on (core.store.relay)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from core.clock import ManualClock
from core.events import Event, InProcessBus
from core.store.db import create_engines
from core.store.event_log import EventLog
from core.store.unit_of_work import Store

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # LISTEN / NOTIFY


async def started(url: str) -> Store:
    store = Store(create_engines(url), InProcessBus())
    await store.start()
    return store


async def write(store: Store, clock: ManualClock, n: int) -> None:
    async with store.write() as uow:
        uow.record(Event(topic="relay", kind="Written", at=clock.now(), payload={"n": n}))


async def received(subscription, count: int, timeout: float = 10.0) -> list[Event]:
    return [await asyncio.wait_for(subscription.queue.get(), timeout) for _ in range(count)]


async def test_ins1_each_instance_gets_every_instances_events_once_in_commit_order(database_url):
    clock = ManualClock()
    a, b = await started(database_url), await started(database_url)
    on_a, on_b = a.bus.subscribe({"relay"}), b.bus.subscribe({"relay"})
    try:
        await asyncio.gather(*(write(a if n % 2 else b, clock, n) for n in range(20)))
        seen_a, seen_b = await received(on_a, 20), await received(on_b, 20)
        await asyncio.sleep(0.1)  # nothing more arrives: once each
        assert on_a.queue.empty() and on_b.queue.empty()
    finally:
        await a.close()
        await b.close()
    assert [e.id for e in seen_a] == [e.id for e in seen_b] == sorted(e.id for e in seen_a)
    assert sorted(e.payload["n"] for e in seen_a) == list(range(20))
    # Each instance's own events are local (its reactions run on them), the other's are not.
    assert {e.payload["n"] % 2 for e in seen_a if e.local} == {1}
    assert {e.payload["n"] % 2 for e in seen_b if e.local} == {0}


async def test_ins1_a_listener_that_lost_its_connection_reads_what_it_missed(database_url):
    clock = ManualClock()
    a, b = await started(database_url), await started(database_url)
    on_b = b.bus.subscribe({"relay"})
    try:
        await write(a, clock, 0)
        assert [e.payload["n"] for e in await received(on_b, 1)] == [0]
        async with a.engines.write.connect() as connection:  # cut B's listening connection
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"),
                                     {"pid": b.relay.listener_pid})
            await connection.commit()
        for n in range(1, 6):  # while B is away, or coming back
            await write(a, clock, n)
        assert [e.payload["n"] for e in await received(on_b, 5)] == [1, 2, 3, 4, 5]

        async def listening_again() -> None:
            while not b.relay.listening:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(listening_again(), 10)
        await write(a, clock, 6)
        assert [e.payload["n"] for e in await received(on_b, 1)] == [6]
    finally:
        await a.close()
        await b.close()


class LogReads:
    """Counts the statements an instance's store runs that read the event log."""

    def __init__(self, store: Store) -> None:
        self.count = 0
        event.listen(store.engines.sync(store.engines.write), "before_cursor_execute", self._seen)

    def _seen(self, _connection, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM event_log" in statement:
            self.count += 1


async def test_ins1_events_travel_in_their_notification_without_a_read_of_the_log(database_url):
    clock = ManualClock()
    a, b = await started(database_url), await started(database_url)
    reads_a, reads_b = LogReads(a), LogReads(b)
    on_a, on_b = a.bus.subscribe({"relay"}), b.bus.subscribe({"relay"})
    try:
        for n in range(5):
            await write(a, clock, n)
            await received(on_b, 1)
        seen_a = await received(on_a, 5)
    finally:
        await a.close()
        await b.close()
    # The writer publishes its own events as it committed them; the other instance as the
    # notification carried them: neither reads the log.
    assert [e.payload["n"] for e in seen_a] == list(range(5))
    assert (reads_a.count, reads_b.count) == (0, 0)


async def test_ins1_a_gap_in_positions_or_events_too_large_to_carry_are_read_from_the_log(database_url):
    clock = ManualClock()
    a, b = await started(database_url), await started(database_url)
    reads_b = LogReads(b)
    on_b = b.bus.subscribe({"relay"})
    try:
        await write(a, clock, 0)
        await received(on_b, 1)
        # A position taken by a transaction that then rolled back: the next one does not
        # follow on from the last published, so B reads the log rather than guess.
        async with a.engines.write.connect() as connection:
            await connection.execute(text("SELECT nextval(pg_get_serial_sequence('event_log', 'id'))"))
            await connection.commit()
        await write(a, clock, 1)
        [after_gap] = await received(on_b, 1)
        assert after_gap.payload["n"] == 1 and reads_b.count >= 1
        reads_b.count = 0
        # Events too large for a notification (8,000 bytes) come from the log too, whole.
        async with a.write() as uow:
            uow.record(Event(topic="relay", kind="Written", at=clock.now(), payload={"n": 2, "text": "x" * 9000}))
        [large] = await received(on_b, 1)
        assert large.payload == {"n": 2, "text": "x" * 9000} and reads_b.count >= 1
    finally:
        await a.close()
        await b.close()


async def test_ins1_an_event_carried_by_its_notification_equals_its_row_in_the_log(database_url):
    clock = ManualClock()
    a, b = await started(database_url), await started(database_url)
    on_b = b.bus.subscribe({"relay"})
    payload = {"n": 1, "nested": {"list": [1, "é", None, 2.5]}, "text": "Hélène"}
    try:
        async with a.write() as uow:
            uow.record(Event(topic="relay", kind="Written", at=clock.now(), payload=payload,
                             actor_id=7, subject="interaction:9"))
        [carried] = await received(on_b, 1)
        [logged] = [e async for e in EventLog(b, 10).since(carried.id - 1, ["relay"])]
    finally:
        await a.close()
        await b.close()
    fields = ("id", "topic", "kind", "at", "payload", "actor_id", "subject", "local")
    assert [getattr(carried, f) for f in fields] == [getattr(logged, f) for f in fields]
