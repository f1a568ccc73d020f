"""SQLite's WAL checkpoints run on a thread of their own, never inside a commit on the event
loop's thread (core.store.checkpoints)."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from core.events import Event

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"])  # SQLite's own write-ahead log

BIG = "x" * 100_000


async def test_rel1_a_commit_never_checkpoints_and_the_checkpointer_copies_the_log(backline, clock, settings):
    checkpointer = backline.store.engines.checkpointer
    assert checkpointer.running  # started with the server
    checkpointer.stop()  # from here on, only this test checkpoints
    path = make_url(settings.database_url).database
    connection = sqlite3.connect(path)
    try:
        checkpointer.checkpoint(connection)
        before = os.path.getsize(path)
        # ~5 MB in one commit: past the 1,000 pages at which SQLite would checkpoint in it.
        async with backline.store.write() as uow:
            for n in range(50):
                uow.record(Event(topic="bulk", kind="Big", at=clock.now(), payload={"n": n, "text": BIG}))
        assert os.path.getsize(path) == before  # still only in the log
        busy, frames, copied = checkpointer.checkpoint(connection)
        assert busy == 0 and frames >= 1000 and copied == frames
        assert os.path.getsize(path) > before + 4_000_000
    finally:
        connection.close()


async def test_the_checkpointer_stops_with_the_server(settings, config, clock):
    from core.runtime import Backline

    backline = Backline(settings, config, clock=clock)
    await backline.start()
    checkpointer = backline.store.engines.checkpointer
    assert checkpointer.running
    await backline.stop()
    assert not checkpointer.running
