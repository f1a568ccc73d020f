"""What a directory page shows of presence, read in one batch per page: each person's
presence per channel (DIR2), and how many members of a pool (agent group, skill, routing
point, queue) are available now, per channel (GRP2). `AvailabilityCounter` keeps a pool's
figures up to date from presence events for live streams (no polling)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Iterable, Mapping

from sqlalchemy import and_, bindparam, select, true

from core.directory.models import TargetMember
from core.presence.models import ChannelPresence
from core.presence.state import Presence, PresenceState, derive

MEMBER = TargetMember.__table__
PRESENCE = ChannelPresence.__table__


@dataclass(frozen=True)
class ChannelAvailability:
    channel: str
    available: int  # members ready with room for one more interaction
    logged_in: int  # members logged in to the channel (ready, not ready or busy)
    members: int
    as_of: datetime


@cache
def _presence_rows():
    c = PRESENCE.c
    return select(c.user_id, c.channel, c.logged_in, c.ready, c.reason, c.load, c.wrap_ups, c.since).where(
        c.user_id.in_(bindparam("ids", expanding=True)))


def person_presence(user_id: int, rows: Iterable, capacities: Mapping[str, int]) -> list[Presence]:
    """A person's presence on every enabled channel (`capacities`, in channel order) from
    their channel_presence rows, as PresenceService derives it."""
    by_channel = {row.channel: row for row in rows}
    return [derive(by_channel.get(ch), user_id, ch, capacity) for ch, capacity in capacities.items()]


async def people_presence(connection, user_ids: Iterable[int], capacities: Mapping[str, int]
                          ) -> dict[int, list[Presence]]:
    """Each person's presence, in one query for any number of people."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    rows: dict[int, list] = {uid: [] for uid in ids}
    for row in (await connection.execute(_presence_rows(), {"ids": ids})).all():
        rows[row.user_id].append(row)
    return {uid: person_presence(uid, own, capacities) for uid, own in rows.items()}


@cache
def _member_presence():
    return (select(MEMBER.c.target_id, MEMBER.c.user_id, PRESENCE.c.channel, PRESENCE.c.ready, PRESENCE.c.load,
                   PRESENCE.c.wrap_ups)
            .select_from(MEMBER.outerjoin(PRESENCE, and_(PRESENCE.c.user_id == MEMBER.c.user_id,
                                                         PRESENCE.c.logged_in == true())))
            .where(MEMBER.c.target_id.in_(bindparam("ids", expanding=True))))


async def pool_availability(connection, target_ids: Iterable[int], capacities: Mapping[str, int],
                            as_of: datetime) -> dict[int, dict[str, ChannelAvailability]]:
    """One query for any number of pools."""
    ids = list(dict.fromkeys(target_ids))
    if not ids:
        return {}
    rows = (await connection.execute(_member_presence(), {"ids": ids})).all()
    members: dict[int, set[int]] = {}
    counts: dict[tuple[int, str], list[int]] = {}
    for target_id, user_id, channel, ready, load, wrap_ups in rows:
        members.setdefault(target_id, set()).add(user_id)
        if channel not in capacities:
            continue  # not logged in anywhere (no row), or a channel that is not enabled
        entry = counts.setdefault((target_id, channel), [0, 0])
        entry[1] += 1
        if ready and load < capacities[channel] and not wrap_ups:
            entry[0] += 1
    return {
        tid: {
            ch: ChannelAvailability(ch, *counts.get((tid, ch), (0, 0)), len(members.get(tid, ())), as_of)
            for ch in capacities
        }
        for tid in ids
    }


class AvailabilityCounter:
    """One pool's availability, kept from PresenceChanged payloads (which carry the whole
    derived state, so applying one twice changes nothing). Constant work per change."""

    def __init__(self, member_ids: Iterable[int], channels: Iterable[str],
                 states: Mapping[tuple[int, str], str], as_of: datetime) -> None:
        self.members = frozenset(member_ids)
        self.channels = tuple(channels)
        self.states: dict[tuple[int, str], str] = {}
        self.counts = {ch: [0, 0] for ch in self.channels}  # available, logged in
        self.as_of = {ch: as_of for ch in self.channels}
        for (user_id, channel), state in states.items():
            if user_id in self.members and channel in self.counts:
                self._set(user_id, channel, state)

    def _set(self, user_id: int, channel: str, state: str) -> None:
        before = self.states.get((user_id, channel), PresenceState.LOGGED_OFF.value)
        counts = self.counts[channel]
        counts[0] += (state == PresenceState.READY.value) - (before == PresenceState.READY.value)
        counts[1] += ((state != PresenceState.LOGGED_OFF.value)
                      - (before != PresenceState.LOGGED_OFF.value))
        self.states[(user_id, channel)] = state

    def current(self, channel: str) -> ChannelAvailability:
        available, logged_in = self.counts[channel]
        return ChannelAvailability(channel, available, logged_in, len(self.members), self.as_of[channel])

    def snapshot(self) -> list[ChannelAvailability]:
        return [self.current(ch) for ch in self.channels]

    def apply(self, user_id: int, channel: str, state: str, at: datetime) -> ChannelAvailability | None:
        """The channel's new availability if the change moved its counts, else None."""
        if user_id not in self.members or channel not in self.counts:
            return None
        before = tuple(self.counts[channel])
        self._set(user_id, channel, state)
        if tuple(self.counts[channel]) == before:
            return None
        self.as_of[channel] = at
        return self.current(channel)
