"""The store: SQLite in WAL mode with foreign keys, write transactions that take the write
lock when they begin and wait for another process's lock without stalling the event loop, migrations that match the tables, and nothing lost on
restart (REL1)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from core.events import Event, InProcessBus
from core.identity.models import Team
from core.store.db import READ_BUSY_TIMEOUT_MS, create_engines
from core.store.history import EventRecord
from core.store.metadata import metadata
from core.store.unit_of_work import Store

REPO = Path(__file__).resolve().parents[2]


def sync_url(sqlite_database_url: str) -> str:
    return sqlite_database_url.replace("sqlite+aiosqlite", "sqlite", 1)


async def test_every_connection_uses_wal_and_foreign_keys(sqlite_database_url):
    engines = create_engines(sqlite_database_url)
    try:
        for engine, busy_timeout in ((engines.read, READ_BUSY_TIMEOUT_MS), (engines.write, 0)):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                # SQLite's busy handler would sleep on the loop's thread: writers wait in
                # LoopSession.wait_begin instead (next test).
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == busy_timeout
    finally:
        await engines.dispose()


async def test_a_writer_waits_for_another_process_lock_while_the_loop_keeps_serving(sqlite_database_url):
    """Another process holds the write lock: our write waits for it (it does not fail with
    "database is locked"), and meanwhile the event loop runs other requests (reads too)."""
    store = Store(create_engines(sqlite_database_url), InProcessBus())
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sqlite3, sys, time\n"
            f"db = sqlite3.connect({str(make_url(sqlite_database_url).database)!r}, isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE'); print('locked', flush=True); sys.stdin.readline()\n"
            "db.execute('COMMIT')\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"

        async def write() -> None:
            async with store.write() as uow:
                uow.session.add(Team(name="After the other process"))

        writing = asyncio.create_task(write())
        ticks = 0
        for _ in range(20):  # 20 turns of the loop (and 20 reads) while the writer waits
            await asyncio.sleep(0.01)
            async with store.read() as session:
                await session.exec(select(Team))
            ticks += 1
        assert ticks == 20 and not writing.done()
        holder.stdin.write("\n")
        holder.stdin.flush()
        await asyncio.wait_for(writing, 10)
        async with store.read() as session:
            assert (await session.exec(select(Team).where(Team.name == "After the other process"))).one()
    finally:
        holder.kill()
        holder.wait()
        await store.close()


async def test_write_transactions_take_the_write_lock_when_they_begin(sqlite_database_url):
    """A second writer waits at BEGIN rather than failing half-way."""
    bus = InProcessBus()
    store = Store(create_engines(sqlite_database_url), bus)
    other = create_engine(sync_url(sqlite_database_url), connect_args={"timeout": 0.1, "isolation_level": None})
    try:
        async with store.write() as uow:
            uow.session.add(Team(name="Holding the lock"))
            await uow.session.flush()
            with other.connect() as conn:
                with pytest.raises(Exception, match="locked"):
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        other.dispose()
        await store.close()


async def test_foreign_keys_are_enforced(backline):
    from core.directory.models import TargetMember

    with pytest.raises(Exception):
        async with backline.store.write() as uow:
            uow.session.add(TargetMember(target_id=999_999, user_id=999_999))
    async with backline.store.read() as session:
        assert (await session.exec(select(TargetMember).where(TargetMember.user_id == 999_999))).all() == []


async def test_events_are_published_only_after_commit_and_not_on_rollback(backline, clock):
    subscription = backline.bus.subscribe({"test"})
    received: list[Event] = []

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with backline.store.write() as uow:
            uow.record(Event(topic="test", kind="Rolled", at=clock.now()))
            raise Boom
    async with backline.store.write() as uow:
        uow.record(Event(topic="test", kind="Kept", at=clock.now()))
        # Not yet published: the transaction has not committed.
        assert subscription.queue.empty()
    received.append(subscription.queue.get_nowait())
    subscription.close()
    assert [e.kind for e in received] == ["Kept"]
    assert received[0].id is not None
    async with backline.store.read() as session:
        kinds = (await session.exec(select(EventRecord.kind).where(EventRecord.topic == "test"))).all()
    assert kinds == ["Kept"]


def test_migrations_create_exactly_the_tables_of_the_code(template_db):
    """No create_all outside tests: the alembic migrations alone must build the schema."""
    engine = create_engine(f"sqlite:///{template_db}")
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata())
    finally:
        engine.dispose()
    assert diff == []


def test_no_create_all_outside_tests():
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("core", "schema", "channels", "migrations")
        for path in (REPO / folder).rglob("*.py")
        if "create_all(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


WRITER = """
import asyncio, sys
from core.events import InProcessBus
from core.identity.models import Team
from core.store.db import create_engines
from core.store.unit_of_work import Store

async def main(url, prefix, count):
    store = Store(create_engines(url), InProcessBus())
    for i in range(count):
        async with store.write() as uow:
            uow.session.add(Team(name=f"{prefix}-{i}"))
    await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


def test_concurrent_writer_processes_never_see_database_is_locked(sqlite_database_url):
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, sqlite_database_url, f"p{n}", "60"], cwd=REPO,
                         stderr=subprocess.PIPE)
        for n in range(3)
    ]
    errors = [w.communicate(timeout=120)[1].decode() for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0], errors
    engine = create_engine(sync_url(sqlite_database_url))
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM team WHERE name LIKE 'p%-%'")).scalar()
    finally:
        engine.dispose()
    assert count == 180


async def test_rel1_a_restart_keeps_everything(settings, config, clock):
    from core.runtime import Backline

    first = Backline(settings, config, clock=clock)
    await first.start()
    async with first.store.write() as uow:
        uow.session.add(Team(name="Survives restarts"))
        uow.record(Event(topic="test", kind="Written", at=clock.now()))
    await first.stop()

    second = Backline(settings, config, clock=clock)
    await second.start()
    try:
        async with second.store.read() as session:
            assert (await session.exec(select(Team).where(Team.name == "Survives restarts"))).one()
            assert (await session.exec(select(EventRecord).where(EventRecord.kind == "Written"))).one()
    finally:
        await second.stop()


async def test_a_url_naming_the_aiosqlite_driver_still_opens_the_store(tmp_path):
    """Older settings name `sqlite+aiosqlite://`; statements run through sqlite3 on the loop
    all the same (core.store.db)."""
    from core.store.migrate import upgrade

    path = tmp_path / "legacy.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    store = Store(create_engines(f"sqlite+aiosqlite:///{path}"), InProcessBus())
    try:
        assert store.engines.on_loop and store.engines.read.url.drivername == "sqlite"
        async with store.write() as uow:
            uow.session.add(Team(name="Legacy URL"))
        async with store.read() as session:
            assert (await session.exec(select(Team).where(Team.name == "Legacy URL"))).one()
    finally:
        await store.close()
