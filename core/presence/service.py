"""Presence commands and queries. Every change is recorded as a `PresenceChanged` event
(topic "presence", subject "agent:<id>") in the transaction that makes it."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import and_, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from core.channels import ChannelRegistry
from core.clock import Clock
from core.errors import InvalidInput, InvalidState, NotFound
from core.events import Event
from core.identity.actor import Actor
from core.identity.models import User
from core.presence.models import ChannelPresence
from core.presence.state import Presence, derive
from core.presence.watch import Audience, PresenceUpdate, resolve_audience, watched_members
from core.store.unit_of_work import Store, UnitOfWork

TOPIC = "presence"
UPDATE_CACHE_SIZE = 4096

# Built once (their SQL is cached by SQLAlchemy; building them cost more than running them).
# Plain columns, not ORM objects: a page of 100 people stays one cheap query.
_PRESENCE_OF = select(
    ChannelPresence.user_id, ChannelPresence.channel, ChannelPresence.logged_in, ChannelPresence.ready,
    ChannelPresence.reason, ChannelPresence.load, ChannelPresence.wrap_ups, ChannelPresence.since,
).where(col(ChannelPresence.user_id).in_(bindparam("user_ids", expanding=True)))
_AVAILABLE = select(ChannelPresence.user_id).where(
    col(ChannelPresence.user_id).in_(bindparam("user_ids", expanding=True)),
    ChannelPresence.channel == bindparam("channel"),
    ChannelPresence.logged_in == True,  # noqa: E712
    ChannelPresence.ready == True,  # noqa: E712
    ChannelPresence.load < bindparam("capacity"),
    ChannelPresence.wrap_ups == 0,
).order_by(col(ChannelPresence.load), col(ChannelPresence.idle_since), col(ChannelPresence.user_id))
# The agent with their presence row on a channel, both rows locked (INS4): presence and load
# changes of one agent, from any instance, run one after the other. Both rows are locked, not
# only the agent's: when the lock had to wait, PostgreSQL (READ COMMITTED) reads the locked rows
# again as the other transaction committed them, but a joined row it did not lock as it was
# when the statement began, so a presence row read beside a locked agent could be stale. An
# inner join (a lock cannot take the missing side of an outer one): an agent without a presence
# row on the channel yet is locked alone, and the row is looked for after the lock.
_USER, _PRESENCE = User.__table__, ChannelPresence.__table__
_LOCKED = {"populate_existing": True}
_AGENT_AND_PRESENCE = (sa_select(User, ChannelPresence).join(ChannelPresence, and_(
    _PRESENCE.c.user_id == _USER.c.id, _PRESENCE.c.channel == bindparam("channel"),
)).where(_USER.c.id == bindparam("user_id"))
    .with_for_update(of=[_USER, _PRESENCE]).execution_options(**_LOCKED))
_AGENT_ALONE = (sa_select(User).where(_USER.c.id == bindparam("user_id"))
                .with_for_update(of=_USER).execution_options(**_LOCKED))
_PRESENCE_ROW = (sa_select(ChannelPresence).where(
    _PRESENCE.c.user_id == bindparam("user_id"), _PRESENCE.c.channel == bindparam("channel"),
).with_for_update().execution_options(**_LOCKED))


def presence_event(presence: Presence, team_id: int | None, at: datetime, actor_id: int | None) -> Event:
    return Event(
        topic=TOPIC,
        kind="PresenceChanged",
        at=at,
        actor_id=actor_id,
        subject=f"agent:{presence.user_id}",
        payload={
            "userId": presence.user_id,
            "teamId": team_id,
            "channel": presence.channel,
            "state": presence.state.value,
            "reason": presence.reason,
            "since": presence.since.isoformat(),
            "load": presence.load,
            "capacity": presence.capacity,
        },
    )


class PresenceService:
    def __init__(self, store: Store, clock: Clock, channels: ChannelRegistry,
                 reason_codes: Sequence[str]) -> None:
        self.store = store
        self.clock = clock
        self.channels = channels
        self.reason_codes = tuple(reason_codes)
        # One decoded update per event, shared by every watcher (the bus hands each
        # subscriber the same Event object): a change is converted once, not per subscriber.
        self._updates: OrderedDict[int, tuple[Event, PresenceUpdate]] = OrderedDict()

    # -- live streams (PRS2) --------------------------------------------------------------

    async def audience(self, actor: Actor, agent_ids: Sequence[int] | None = None, group_id: int | None = None,
                       team_id: int | None = None) -> Audience:
        """Whose changes the caller may watch (a stream resumed from a position has no snapshot)."""
        async with self.store.read() as session:
            return await resolve_audience(session, actor, agent_ids, group_id, team_id)

    async def snapshot(self, actor: Actor, agent_ids: Sequence[int] | None = None, group_id: int | None = None,
                       team_id: int | None = None) -> tuple[Audience, list[PresenceUpdate]]:
        """The start of a watch without its stream, for a caller that listens to the bus itself:
        whom the caller watches, and their presence now. Listen to the bus before calling this:
        a change committed while it reads must not be missed."""
        async with self.store.read() as session:
            audience = await resolve_audience(session, actor, agent_ids, group_id, team_id)
            members = await watched_members(session, audience)
            presence = await self.presence_of(session, [uid for uid, _ in members])
        now = self.clock.now()
        return audience, [PresenceUpdate(p, team, now, None, True) for uid, team in members for p in presence[uid]]

    def update_of(self, event: Event) -> PresenceUpdate:
        cached = self._updates.get(id(event))
        if cached is not None and cached[0] is event:
            return cached[1]
        update = PresenceUpdate.of_event(event)
        self._updates[id(event)] = (event, update)
        if len(self._updates) > UPDATE_CACHE_SIZE:
            self._updates.popitem(last=False)
        return update

    # -- reading -------------------------------------------------------------------------

    def capacity(self, channel: str) -> int:
        return self.channels.get(channel).capabilities.capacity

    def _derive(self, row: ChannelPresence | None, user_id: int, channel: str) -> Presence:
        return derive(row, user_id, channel, self.capacity(channel))

    async def presence_of(self, reader, user_ids: Iterable[int]) -> dict[int, list[Presence]]:
        """Every enabled channel's presence for each agent, in channel order. `reader` is a
        session, or a unit of work's rows (which writes its changes first)."""
        ids = list(dict.fromkeys(user_ids))
        rows = (await reader.execute(_PRESENCE_OF, {"user_ids": ids})).all() if ids else []
        by_key = {(row.user_id, row.channel): row for row in rows}
        return {
            uid: [self._derive(by_key.get((uid, ch)), uid, ch) for ch in self.channels.names()]
            for uid in ids
        }

    async def available_agents(self, reader, user_ids: Iterable[int], channel: str) -> list[int]:
        """Agents who can take one more interaction on `channel` now: least loaded, then
        longest idle first (GRP3). `reader` as for presence_of."""
        ids = list(user_ids)
        if not ids:
            return []
        rows = await reader.execute(_AVAILABLE, {
            "user_ids": ids, "channel": channel, "capacity": self.capacity(channel)})
        return [user_id for (user_id,) in rows]

    async def can_take_one_more(self, uow: UnitOfWork, user_id: int, channel: str) -> bool:
        """Whether this agent can take one more interaction on `channel`, decided on their
        presence row once locked and read afresh (INS4): another instance may have given them
        an interaction since the candidates were read."""
        return self._derive(await self._row(uow, user_id, channel), user_id, channel).available

    # -- commands ------------------------------------------------------------------------

    async def _require_reachable(self, user_id: int, channel: str) -> None:
        reason = await self.channels.get(channel).why_not_ready(user_id)
        if reason is not None:
            raise InvalidState(reason, channel=channel)

    async def log_in(self, actor: Actor, channel: str, ready: bool = False) -> Presence:
        if ready:
            await self._require_reachable(actor.user_id, channel)
        async with self.store.write() as uow:
            return await self._change(uow, actor.user_id, channel, actor.user_id,
                                      logged_in=True, ready=ready, reason=None)

    async def log_out(self, actor: Actor, channel: str) -> Presence:
        async with self.store.write() as uow:
            row = await self._row(uow, actor.user_id, channel)
            if row is not None and row.load > 0:
                raise InvalidState(
                    f"You still have {row.load} {channel} interaction(s); finish them before logging out.",
                    channel=channel,
                )
            if row is not None and row.wrap_ups > 0:
                raise InvalidState(f"You are in wrap-up on {channel}; complete it before logging out.",
                                   channel=channel)
            return await self._change(uow, actor.user_id, channel, actor.user_id,
                                      logged_in=False, ready=False, reason=None)

    async def set_ready(self, actor: Actor, channel: str) -> Presence:
        await self._require_reachable(actor.user_id, channel)
        async with self.store.write() as uow:
            await self._require_logged_in(uow, actor.user_id, channel)
            return await self._change(uow, actor.user_id, channel, actor.user_id, ready=True, reason=None)

    async def set_not_ready(self, actor: Actor, channel: str, reason: str | None) -> Presence:
        if reason is not None and reason not in self.reason_codes:
            raise InvalidInput(
                f"Unknown not-ready reason '{reason[:80]}'; configured: {', '.join(self.reason_codes)}.",
                field="reason",
            )
        async with self.store.write() as uow:
            await self._require_logged_in(uow, actor.user_id, channel)
            return await self._change(uow, actor.user_id, channel, actor.user_id, ready=False, reason=reason)

    async def adjust_load(self, uow: UnitOfWork, user_id: int, channel: str, delta: int,
                          actor_id: int | None = None) -> Presence:
        """Called by the interaction engine inside its unit of work when an agent takes on
        (+1) or lets go of (-1) an interaction on `channel`."""
        await self.load_for_change(uow, user_id, channel)
        row = await self._row(uow, user_id, channel)
        load = max(0, (row.load if row else 0) + delta)
        return await self._change(uow, user_id, channel, actor_id, load=load)

    async def adjust_wrap_ups(self, uow: UnitOfWork, user_id: int, channel: str, delta: int,
                              actor_id: int | None = None) -> Presence:
        """Called by after-call work (WRP1) when a wrap-up starts (+1) or ends (-1)."""
        row = await self._row(uow, user_id, channel)
        return await self._change(uow, user_id, channel, actor_id,
                                  wrap_ups=max(0, (row.wrap_ups if row else 0) + delta))

    async def load_for_change(self, uow: UnitOfWork, user_id: int, channel: str) -> None:
        """The agent and their presence row in one query, both locked until the unit of
        work ends: a command adjusts several agents' load, some more than once (the engine
        also calls it before it reads the agent to add them to an interaction)."""
        self.channels.get(channel)
        if (user_id, channel) in uow.locked_presence:
            return
        params = {"user_id": user_id, "channel": channel}
        if not await uow.rows.load(_AGENT_AND_PRESENCE, params, User, ChannelPresence):
            await uow.rows.load(_AGENT_ALONE, params, User)
            await uow.rows.load(_PRESENCE_ROW, params, ChannelPresence)  # made since the first read?
        uow.locked_presence.add((user_id, channel))

    # -- internals -----------------------------------------------------------------------

    async def _row(self, uow: UnitOfWork, user_id: int, channel: str) -> ChannelPresence | None:
        """The presence row, read under the agent's lock (once per unit of work)."""
        await self.load_for_change(uow, user_id, channel)  # NotFound for a channel that is not enabled
        return uow.rows.known(ChannelPresence, (user_id, channel))

    async def _require_logged_in(self, uow: UnitOfWork, user_id: int, channel: str) -> None:
        row = await self._row(uow, user_id, channel)
        if row is None or not row.logged_in:
            raise InvalidState(f"You are not logged in to {channel}; log in first.", channel=channel)

    async def _change(self, uow: UnitOfWork, user_id: int, channel: str, actor_id: int | None,
                      **changes) -> Presence:
        now = self.clock.now()
        row = await self._row(uow, user_id, channel)
        user = await uow.rows.get(User, user_id)
        if user is None:
            raise NotFound(f"No agent with id {user_id}.")
        if row is None:
            row = await uow.rows.add(ChannelPresence(user_id=user_id, channel=channel, since=now, idle_since=now))
        before = self._derive(row if row.logged_in or row.load or row.wrap_ups else None, user_id, channel)
        old_load, old_wrap_ups = row.load, row.wrap_ups
        for name, value in changes.items():
            setattr(row, name, value)
        became_ready = changes.get("ready") is True
        if became_ready or row.load < old_load or row.wrap_ups < old_wrap_ups:
            row.idle_since = now
        after = self._derive(row, user_id, channel)
        if after.visible() != before.visible():
            row.since = now
            after = self._derive(row, user_id, channel)
        if after.visible() != before.visible() or after.load != before.load:
            uow.record(presence_event(after, user.team_id, now, actor_id))
        return after
