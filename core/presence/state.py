"""The derived presence of one agent on one channel (pure)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from core.presence.models import ChannelPresence


class PresenceState(str, enum.Enum):
    LOGGED_OFF = "logged_off"
    READY = "ready"
    NOT_READY = "not_ready"
    BUSY = "busy"
    WRAP_UP = "wrap_up"  # after-call work (WRP1)


@dataclass(frozen=True)
class Presence:
    user_id: int
    channel: str
    state: PresenceState
    reason: str | None
    since: datetime | None  # None: never logged in to the channel
    load: int
    capacity: int

    @property
    def available(self) -> bool:
        """Can take one more interaction on this channel now."""
        return self.state is PresenceState.READY

    def visible(self) -> tuple:
        """What subscribers see; a change to it is a PresenceChanged event."""
        return (self.state, self.reason)


def derive(row: ChannelPresence | None, user_id: int, channel: str, capacity: int) -> Presence:
    if row is None or not row.logged_in:
        # Never logged in to this channel: logged off since no known time.
        return Presence(user_id, channel, PresenceState.LOGGED_OFF, None,
                        row.since if row else None, row.load if row else 0, capacity)
    if row.load >= capacity:
        state, reason = PresenceState.BUSY, None
    elif row.wrap_ups:
        state, reason = PresenceState.WRAP_UP, None
    elif row.ready:
        state, reason = PresenceState.READY, None
    else:
        state, reason = PresenceState.NOT_READY, row.reason
    return Presence(user_id, channel, state, reason, row.since, row.load, capacity)
