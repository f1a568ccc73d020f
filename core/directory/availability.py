"""How many members of a pool (agent group, skill, routing point, queue) are available now,
per channel (GRP2): read in one batch for a page of results, and kept up to date from
presence events by `AvailabilityCounter` for live streams (no polling)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from sqlalchemy import and_
from sqlmodel import col, select

from core.directory.models import TargetMember
from core.presence.models import ChannelPresence
from core.presence.state import PresenceState


@dataclass(frozen=True)
class ChannelAvailability:
    channel: str
    available: int  # members ready with room for one more interaction
    logged_in: int  # members logged in to the channel (ready, not ready or busy)
    members: int
    as_of: datetime


async def pool_availability(session, target_ids: Iterable[int], capacities: Mapping[str, int],
                            as_of: datetime) -> dict[int, dict[str, ChannelAvailability]]:
    """One query for any number of pools."""
    ids = list(dict.fromkeys(target_ids))
    if not ids:
        return {}
    rows = (await session.exec(
        select(TargetMember.target_id, TargetMember.user_id, ChannelPresence.channel, ChannelPresence.ready,
               ChannelPresence.load)
        .outerjoin(ChannelPresence, and_(ChannelPresence.user_id == TargetMember.user_id,
                                         ChannelPresence.logged_in == True))  # noqa: E712
        .where(col(TargetMember.target_id).in_(ids))
    )).all()
    members: dict[int, set[int]] = {}
    counts: dict[tuple[int, str], list[int]] = {}
    for target_id, user_id, channel, ready, load in rows:
        members.setdefault(target_id, set()).add(user_id)
        if channel not in capacities:
            continue  # not logged in anywhere (no row), or a channel that is not enabled
        entry = counts.setdefault((target_id, channel), [0, 0])
        entry[1] += 1
        if ready and load < capacities[channel]:
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
