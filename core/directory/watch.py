"""Live group availability (GRP2, PRS3): the figures first, then a new figure whenever a
member's presence change moves them. Driven by PresenceChanged events, never polled."""

from __future__ import annotations

from typing import TYPE_CHECKING, AsyncIterable, AsyncIterator

from sqlmodel import select

from core.directory.availability import AvailabilityCounter, ChannelAvailability
from core.directory.models import PERSON_KINDS, Target, TargetMember
from core.errors import InvalidState, NotFound
from core.events import Event

if TYPE_CHECKING:
    from core.directory.service import DirectoryService


async def watch_pool_availability(directory: "DirectoryService", target_id: int,
                                  presence_events: AsyncIterable[Event]) -> AsyncIterator[ChannelAvailability]:
    """The figures, then each change `presence_events` brings: the caller listens before
    this reads the figures, so that no change committed in between is lost."""
    async with directory.store.read() as session:
        target = await session.get(Target, target_id)
        if target is None or target.kind in PERSON_KINDS:
            raise NotFound(f"No group with id {target_id}.")
        if not target.show_availability:
            raise InvalidState(f"The administrator does not show the availability of {target.name}.")
        members = (await session.exec(
            select(TargetMember.user_id).where(TargetMember.target_id == target_id))).all()
        presence = await directory.presence.presence_of(session, members)
    states = {(p.user_id, p.channel): p.state.value for per_user in presence.values() for p in per_user}
    counter = AvailabilityCounter(members, directory.channels.names(), states, directory.clock.now())
    for figure in counter.snapshot():
        yield figure
    async for event in presence_events:
        payload = event.payload
        changed = counter.apply(payload["userId"], payload["channel"], payload["state"], event.at)
        if changed is not None:
            yield changed
