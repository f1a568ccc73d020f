"""Time-outs in the store, fired exactly once by whichever instance is alive (INS3).

Scheduling one is a row (`due_timeout`) written in the transaction of the command that
started the wait, so it exists exactly when that command committed. An in-memory timer only
wakes this instance's sweeper at the due time; besides, every instance sweeps every
`sweep_seconds`, so the time-outs of an instance that died fire from another one shortly
after they fall due. A sweep claims one due row at a time (`FOR UPDATE SKIP LOCKED`: two
instances never claim the same one) and, in the same transaction, deletes it and runs its
handler: the time-out's effect and its removal commit together, or neither does. Handlers
check that what they time out is still in the round it was scheduled in. Time is the
injectable clock's: tests advance a manual clock, nothing sleeps.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Awaitable, Callable

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import DBAPIError

from core.clock import Clock
from core.store.contention import is_transient, retrying
from core.store.unit_of_work import Store, UnitOfWork
from core.timeouts.models import DueTimeout

log = logging.getLogger("backline.timeouts")

Handler = Callable[[UnitOfWork, int, int], Awaitable[None]]

_TABLE = DueTimeout.__table__
_NEXT_DUE = (select(DueTimeout).where(_TABLE.c.due_at <= bindparam("now"))
             .order_by(_TABLE.c.due_at, _TABLE.c.id).limit(1).with_for_update(skip_locked=True))
_ANY_DUE = select(_TABLE.c.id).where(_TABLE.c.due_at <= bindparam("now")).limit(1)
_DELETE = delete(_TABLE).where(_TABLE.c.id == bindparam("timeout_id"))
SWEEP_SECONDS = 1.0


class Timeouts:
    def __init__(self, store: Store, clock: Clock, on_fired: Callable[[str], None] | None = None,
                 sweep_seconds: float = SWEEP_SECONDS) -> None:
        self.store = store
        self.clock = clock
        self.sweep_seconds = sweep_seconds
        self.on_fired = on_fired or (lambda kind: None)
        self._handlers: dict[str, Handler] = {}
        self._periodic = None
        self._sweeping: asyncio.Task | None = None
        self._again = False

    def handle(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    @staticmethod
    def pending(kind: str, subject_id, round_=None):
        """A condition for a query: a time-out of `kind` is pending for this subject (a
        column or a value), in this round when one is given."""
        condition = (_TABLE.c.kind == kind) & (_TABLE.c.subject_id == subject_id)
        if round_ is not None:
            condition = condition & (_TABLE.c.round == round_)
        return select(_TABLE.c.id).where(condition).exists()

    def schedule(self, uow: UnitOfWork, kind: str, subject_id: int, round_: int, delay: float) -> None:
        """A time-out `delay` seconds from now, written with the unit of work."""
        uow.session.add(DueTimeout(kind=kind, subject_id=subject_id, round=round_,
                                   due_at=self.clock.now() + timedelta(seconds=max(delay, 0.0))))
        self.clock.call_later(delay, self.sweep)

    async def schedule_once(self, kind: str, subject_id: int, delay: float) -> bool:
        """A time-out in a transaction of its own, unless one of this kind is pending for the
        subject already (a retry that is due anyway). Two instances deciding at once may
        both write one: its handler must bear firing twice."""
        async with self.store.write() as uow:
            if (await uow.session.execute(select(self.pending(kind, subject_id)))).scalar():
                return False
            self.schedule(uow, kind, subject_id, 0, delay)
        return True

    # -- sweeping ------------------------------------------------------------------------

    def start(self) -> None:
        if self._periodic is None:
            self._periodic = self.clock.call_later(self.sweep_seconds, self._tick)

    def stop(self) -> None:
        if self._periodic is not None:
            self._periodic.cancel()
            self._periodic = None

    async def _tick(self) -> None:
        self._periodic = self.clock.call_later(self.sweep_seconds, self._tick)
        await self.sweep()

    async def sweep(self) -> None:
        """Fires every time-out due now (one sweep at a time in this instance)."""
        if self._sweeping is not None and not self._sweeping.done():
            self._again = True
            await asyncio.shield(self._sweeping)
            return
        self._sweeping = asyncio.ensure_future(self._sweep())
        await asyncio.shield(self._sweeping)

    async def _sweep(self) -> None:
        while True:
            self._again = False
            async with self.store.read_connection() as connection:
                if (await connection.execute(_ANY_DUE, {"now": self.clock.now()})).first() is None:
                    if not self._again:
                        return
                    continue
            while await retrying(self._fire_one):
                pass

    async def _fire_one(self) -> bool:
        """Claims and fires one due time-out; False when none is due (or all are claimed)."""
        claimed: DueTimeout | None = None
        try:
            async with self.store.write() as uow:
                claimed = (await uow.session.execute(_NEXT_DUE, {"now": self.clock.now()})).scalars().first()
                if claimed is None:
                    return False
                await uow.session.delete(claimed)  # through the session: its identity map knows
                handler = self._handlers.get(claimed.kind)
                if handler is None:
                    log.error("No handler for the %s time-out of %s: dropped", claimed.kind, claimed.subject_id)
                    return True
                await handler(uow, claimed.subject_id, claimed.round)
        except Exception as error:
            if claimed is None or (isinstance(error, DBAPIError) and is_transient(error)):
                raise  # the claim itself failed, or the database asks for another try (`retrying`)
            await self._drop(claimed)
            return True
        self.on_fired(claimed.kind)
        return True

    async def _drop(self, claimed: DueTimeout) -> None:
        """A time-out whose handler failed is logged and removed, not fired again and again."""
        log.exception("The %s time-out of %s failed; dropped", claimed.kind, claimed.subject_id)
        async with self.store.write() as uow:
            await uow.session.execute(_DELETE, {"timeout_id": claimed.id})
