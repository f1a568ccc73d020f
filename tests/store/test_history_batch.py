"""The history rows of one unit of work are written in one batched INSERT at its end: they
keep the order they were recorded in, with ids that match what subscribers receive (REL3)."""

from __future__ import annotations

from sqlmodel import col, select

from core.events import Event
from core.store.history import EventRecord
from core.store.prepared import DriverRunner


async def test_rel3_a_unit_of_works_events_are_stored_in_order_in_one_insert(backline, clock, monkeypatch):
    subscription = backline.bus.subscribe({"batch"})
    inserts: list[int] = []  # rows per INSERT INTO event_log sent to the driver
    execute_many = DriverRunner.execute_many

    def count(runner, compiled, params):
        params = list(params)
        if compiled.sql.lstrip().upper().startswith("INSERT INTO EVENT_LOG"):
            inserts.append(len(params))
        return execute_many(runner, compiled, params)

    monkeypatch.setattr(DriverRunner, "execute_many", count)
    async with backline.store.write() as uow:
        for n in range(25):
            uow.record(Event(topic="batch", kind=f"K{n}", at=clock.now(), payload={"n": n}))
    published = [subscription.queue.get_nowait() for _ in range(25)]
    subscription.close()
    assert inserts == [25]
    assert [e.kind for e in published] == [f"K{n}" for n in range(25)]
    async with backline.store.read() as session:
        rows = (await session.exec(select(EventRecord).where(EventRecord.topic == "batch")
                                   .order_by(col(EventRecord.id)))).all()
    assert [(r.id, r.kind, r.payload) for r in rows] == [(e.id, e.kind, e.payload) for e in published]
