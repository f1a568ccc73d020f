"""The history rows of one unit of work are written in one batched INSERT at its end: they
keep the order they were recorded in, with ids that match what subscribers receive (REL3)."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import col, select

from core.events import Event
from core.store.history import EventRecord


def statements_to_the_driver(engine, inserts: list[str]):
    """Every INSERT INTO event_log that SQLAlchemy hands to the driver (its public
    `before_cursor_execute` event): one entry per statement, an executemany counting once."""

    def seen(connection, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO EVENT_LOG"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    return lambda: event.remove(engine, "before_cursor_execute", seen)


async def test_rel3_a_unit_of_works_events_are_stored_in_order_in_one_insert(backline, clock):
    subscription = backline.bus.subscribe({"batch"})
    inserts: list[str] = []
    stop = statements_to_the_driver(backline.store.engines.sync(backline.store.engines.write), inserts)
    async with backline.store.write() as uow:
        for n in range(25):
            uow.record(Event(topic="batch", kind=f"K{n}", at=clock.now(), payload={"n": n}))
    published = [subscription.queue.get_nowait() for _ in range(25)]
    subscription.close()
    stop()
    assert len(inserts) == 1
    assert [e.kind for e in published] == [f"K{n}" for n in range(25)]
    async with backline.store.read() as session:
        rows = (await session.exec(select(EventRecord).where(EventRecord.topic == "batch")
                                   .order_by(col(EventRecord.id)))).all()
    assert [(r.id, r.kind, r.payload) for r in rows] == [(e.id, e.kind, e.payload) for e in published]
