"""Events get positions in commit order (INS1, INS2's footing): a reader that follows the
event log by position (`id > last`) never skips an event, even with several processes
writing at once. A sequence alone would not do: a transaction that drew id 41 can commit
after the one that drew 42, and a reader that went past 42 would never see 41. Each writer
here waits a moment between writing its events and committing, so that such an overtaking
would happen if positions were not taken in commit order (core.store.unit_of_work)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from sqlalchemy import bindparam, text

from core.events import InProcessBus
from core.store.db import create_engines
from core.store.unit_of_work import Store
from tests.support.servers import REPO

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # concurrent writers: PostgreSQL

WRITERS, UNITS, TASKS = 3, 40, 4

WRITER = """
import asyncio, random, sys, time
from sqlalchemy import event
from sqlalchemy.orm import Session
from core.clock import SystemClock
from core.events import Event, InProcessBus
from core.store.db import create_engines
from core.store.unit_of_work import Store

@event.listens_for(Session, "before_commit")
def linger(session):  # between the events' INSERT and the COMMIT
    time.sleep(random.random() / 500)

async def main(url, name, units, tasks):
    store = Store(create_engines(url), InProcessBus())
    clock = SystemClock()

    async def task(t):
        for n in range(units):
            async with store.write() as uow:
                for k in range(1 + n % 3):
                    uow.record(Event(topic="positions", kind="Written", at=clock.now(),
                                     payload={"by": f"{name}-{t}", "n": n, "k": k}))
    await asyncio.gather(*(task(t) for t in range(tasks)))
    await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
"""

_AFTER = text("SELECT id FROM event_log WHERE topic = 'positions' AND id > :last ORDER BY id").bindparams(
    bindparam("last"))


async def test_ins2_a_reader_following_positions_never_skips_an_event_of_concurrent_writers(database_url):
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, database_url, f"w{n}", str(UNITS), str(TASKS)],
                                cwd=REPO, stderr=subprocess.PIPE) for n in range(WRITERS)]
    store = Store(create_engines(database_url), InProcessBus())
    followed: list[int] = []
    try:
        while True:
            running = any(w.poll() is None for w in writers)
            async with store.read_connection() as connection:
                rows = (await connection.execute(_AFTER, {"last": followed[-1] if followed else 0})).all()
            followed.extend(row.id for row in rows)
            if not running and not rows:
                break
            await asyncio.sleep(0.001)
        for writer in writers:
            assert writer.wait(timeout=60) == 0, writer.stderr.read().decode()
        async with store.read_connection() as connection:
            everything = [row.id for row in (await connection.execute(_AFTER, {"last": 0})).all()]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
        await store.close()
    expected = WRITERS * TASKS * sum(1 + n % 3 for n in range(UNITS))
    assert len(everything) == expected
    assert followed == everything  # nothing skipped, nothing twice, in order
