"""One event stream across instances on PostgreSQL (INS1): the event log is the source of
truth, LISTEN / NOTIFY only wakes the instances.

Every write transaction that records events sends a notification on `backline_events` before
it commits (PostgreSQL delivers it at commit, in commit order), naming the instance that sent
it and the last position it covers. Each instance keeps a connection of its own listening on
that channel; when woken by another instance, it reads the log from the last position it
published (`id > last`, in order: positions follow commit order, core.store.unit_of_work)
unless an earlier read already went past the notification's position, and publishes what it
finds to its in-process bus. So an instance's subscribers get every event of the cluster
once, in commit order, its own included; after the listening connection is lost and comes
back, the log is read from the same position, and nothing sent meanwhile is missed.

An instance's own notifications only wake it for nothing: they are skipped. The command that
committed the events publishes them itself: at once when their positions follow on from the
last one published (nothing can lie between), else after reading the log up to them.
Events this instance committed are published as the objects it built (`local`); events read
from the log that other instances committed are marked `local=False`: background reactions
(routing, supervision following) react to local events only, so each runs once per event in
the cluster, on the instance that made the change.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Iterable

from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.events import Event, EventBus
from core.listener import cancel_and_wait
from core.store.event_log import AFTER, NEWEST, event_of

log = logging.getLogger("backline.relay")

CHANNEL = "backline_events"
NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :notice)")
BATCH = 1000
_RECONNECT_FIRST, _RECONNECT_LONGEST = 0.05, 2.0


def listener_dsn(url: str) -> str:
    """The asyncpg DSN of an SQLAlchemy `postgresql+asyncpg://` URL (the same server and
    database, a connection of the listener's own)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class EventRelay:
    def __init__(self, engine, url, bus: EventBus) -> None:
        self.engine = engine  # the store's async engine, to read the log
        self.dsn = listener_dsn(url)
        self.bus = bus
        self.last = 0
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._connection = None
        self._task: asyncio.Task | None = None
        self._stopping = False
        self.started = False
        # How long the last event read from another instance took to get here (metrics).
        self.lag_seconds = 0.0
        self._local: dict[int, Event] = {}  # position -> own event, committed or committing
        # Tells this instance's notifications from the others' (its own are skipped).
        self.origin = uuid.uuid4().hex
        self._notices: deque[dict | None] = deque()  # None: read the log

    @property
    def listening(self) -> bool:
        """Whether the listening connection is up (readiness, INS5)."""
        return self._connection is not None and not self._connection.is_closed()

    @property
    def listener_pid(self) -> int | None:
        """The server process of the listening connection (an operator's `pg_stat_activity`)."""
        return self._connection.get_server_pid() if self.listening else None

    async def start(self) -> None:
        """From the log's end: what was committed before this instance started is history."""
        if self.started:  # a started Backline started again (the ASGI lifespan)
            return
        async with self.engine.connect() as connection:
            self.last = (await connection.execute(NEWEST)).scalar_one()
        await self._listen()
        self._task = asyncio.create_task(self._follow())
        self.started = True

    async def stop(self) -> None:
        self._stopping = True
        self.started = False
        await cancel_and_wait(self._task)
        if self._connection is not None and not self._connection.is_closed():
            await self._connection.close()

    # -- publishing ----------------------------------------------------------------------

    def expect(self, events: Iterable[Event]) -> None:
        """Before a local commit: these positions are this instance's own (the follower may
        read them from the log before the committing command publishes them)."""
        for event in events:
            self._local[event.id] = event

    def forget(self, events: Iterable[Event]) -> None:
        """The transaction did not commit: its positions will never be in the log."""
        for event in events:
            self._local.pop(event.id, None)

    def notice(self, events: list[Event]) -> dict[str, str]:
        """The parameters of NOTIFY for a transaction's events (sorted by position): the
        instance that sent it and the last position it covers."""
        return {"notice": json.dumps({"o": self.origin, "l": events[-1].id}, separators=(",", ":"))}

    async def committed(self, events: list[Event]) -> None:
        """After a local commit: publish everything up to and including its events."""
        async with self._lock:
            if not self._publish_run(events):
                await self._read_log()

    async def catch_up(self) -> None:
        """Read the log for the notifications received, but those an earlier read covered."""
        async with self._lock:
            while self._notices:
                notice = self._notices.popleft()
                if not self._covered(notice):
                    await self._read_log()

    def _covered(self, notice: dict | None) -> bool:
        try:
            return notice["l"] <= self.last
        except (TypeError, KeyError):  # an older instance's, or a reconnection: read
            return False

    def _publish_run(self, events: list[Event]) -> bool:
        """Publishes events whose positions run on from the last one published, with no gap;
        False (and nothing published) otherwise."""
        if not events or events[0].id != self.last + 1 or events[-1].id - events[0].id + 1 != len(events):
            return False
        published = [self._local.pop(event.id, None) or event for event in events]
        self.bus.publish(published)
        self.last = events[-1].id
        return True

    async def _read_log(self) -> None:
        while True:
            async with self.engine.connect() as connection:
                rows = (await connection.execute(AFTER, {"last": self.last, "limit": BATCH})).all()
            if not rows:
                return
            events = [self._local.pop(row.id, None) or event_of(row) for row in rows]
            remote = [event for event in events if not event.local]
            if remote:
                self.lag_seconds = max(0.0, (datetime.now(timezone.utc) - remote[-1].at).total_seconds())
            self.bus.publish(events)
            self.last = rows[-1].id
            if len(rows) < BATCH:
                return

    # -- listening -----------------------------------------------------------------------

    async def _listen(self) -> None:
        import asyncpg  # the PostgreSQL extra

        connection = await asyncpg.connect(self.dsn)
        await connection.add_listener(CHANNEL, self._notified)
        connection.add_termination_listener(self._lost)
        self._connection = connection

    def _notified(self, _connection, _pid, _channel, payload: str) -> None:
        try:
            notice = json.loads(payload)
        except ValueError:
            notice = None  # an older instance's empty notification: read the log
        if isinstance(notice, dict) and notice.get("o") == self.origin:
            return  # this instance's own: the command that committed it publishes it
        self._notices.append(notice)
        self._wake.set()

    def _lost(self, _connection) -> None:
        self._notices.append(None)  # the follower reconnects and reads what it missed
        self._wake.set()

    async def _follow(self) -> None:
        backoff = _RECONNECT_FIRST
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            if not self.listening:
                try:
                    await self._listen()
                    backoff = _RECONNECT_FIRST
                    self._notices.append(None)  # what was sent while away is in the log
                except Exception as error:  # the server is away: try again, a little later each time
                    log.warning("Event listener cannot reconnect (%s); retrying in %.2f s", error, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, _RECONNECT_LONGEST)
                    self._wake.set()
                    continue
            try:
                await self.catch_up()
            except Exception:
                log.exception("Reading the event log failed; reading again")
                self._notices.appendleft(None)
                await asyncio.sleep(_RECONNECT_FIRST)
                self._wake.set()

