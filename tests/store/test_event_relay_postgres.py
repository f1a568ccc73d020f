"""INS1 at the store: two stores on one PostgreSQL database (two instances' worth, each with its
own bus) see each other's events once, in commit order; when an instance's listening
connection is cut, it reconnects and reads the log from where it was, so what was committed
meanwhile is not lost; it reads the log for the others' events, not for its own
(core.store.relay)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from core.clock import ManualClock
from core.events import Event, InProcessBus
from core.store.db import create_engines
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


async def test_ins1_an_instance_reads_the_log_for_the_others_events_and_not_for_its_own(database_url):
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
    # The writer publishes its own events as it committed them, and skips its own
    # notifications; the other instance, woken, reads them from the log.
    assert [e.payload["n"] for e in seen_a] == list(range(5))
    assert reads_a.count == 0 and 1 <= reads_b.count <= 5


async def test_ins1_a_command_whose_positions_do_not_follow_on_reads_the_log_up_to_them(database_url):
    clock = ManualClock()
    a = await started(database_url)
    reads_a = LogReads(a)
    on_a = a.bus.subscribe({"relay"})
    try:
        await write(a, clock, 0)
        assert reads_a.count == 0  # its positions follow on: published as committed
        # A position taken by a transaction that then rolled back (or by another instance,
        # not yet read): the next command's events do not follow on, and the log says why.
        async with a.engines.write.connect() as connection:
            await connection.execute(text("SELECT nextval(pg_get_serial_sequence('event_log', 'id'))"))
            await connection.commit()
        await write(a, clock, 1)
        seen = await received(on_a, 2)
    finally:
        await a.close()
    assert [e.payload["n"] for e in seen] == [0, 1] and all(e.local for e in seen)
    assert reads_a.count == 1
