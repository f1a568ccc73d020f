"""INS4 on PostgreSQL: two commands that lock the same rows in opposite orders deadlock; the
database aborts one (SQLSTATE 40P01), nothing of it is written, and it runs again
(core.store.contention), so both succeed and neither caller sees an unexpected error."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.store.contention import is_transient, retrying

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # SQLite has one writer: no deadlock

LOCK = text("SELECT id FROM app_user WHERE id = :id FOR UPDATE")
RENAME = text("UPDATE app_user SET display_name = display_name || :mark WHERE id = :id")


async def crossed_commands(backline, first: int, second: int, both_hold: asyncio.Barrier, runs: list[str],
                           mark: str) -> None:
    async with backline.store.write() as uow:
        runs.append(mark)
        await uow.session.execute(LOCK, {"id": first})
        await uow.session.execute(RENAME, {"id": first, "mark": mark})
        if runs.count(mark) == 1:  # the first run of each waits until both hold a lock
            await both_hold.wait()
        await uow.session.execute(LOCK, {"id": second})  # the other holds it: a deadlock


async def test_ins4_a_deadlocked_command_is_aborted_by_the_database_and_runs_again(backline):
    both_hold = asyncio.Barrier(2)
    runs: list[str] = []
    await asyncio.gather(
        retrying(lambda: crossed_commands(backline, 1, 2, both_hold, runs, "a")),
        retrying(lambda: crossed_commands(backline, 2, 1, both_hold, runs, "b")),
    )
    assert sorted(runs) in (["a", "a", "b"], ["a", "b", "b"])  # one of them ran twice
    async with backline.store.read() as session:
        names = dict((await session.execute(text("SELECT id, display_name FROM app_user WHERE id IN (1, 2)"))).all())
    # Each command's change is there once: the aborted run left nothing behind.
    assert names[1].endswith("a") and not names[1].endswith("aa")
    assert names[2].endswith("b") and not names[2].endswith("bb")


async def test_ins4_without_a_retry_the_deadlock_is_the_databases_40p01(backline):
    both_hold = asyncio.Barrier(2)
    runs: list[str] = []
    results = await asyncio.gather(crossed_commands(backline, 1, 2, both_hold, runs, "a"),
                                   crossed_commands(backline, 2, 1, both_hold, runs, "b"),
                                   return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1 and isinstance(errors[0], DBAPIError) and is_transient(errors[0]), results
