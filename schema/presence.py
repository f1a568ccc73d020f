"""Presence commands (PRS1) and the caller's own presence."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types.info import Info

from core.presence.state import Presence as CorePresence
from core.presence.state import PresenceState as CorePresenceState
from schema.errors import attempt, result_union

PresenceState = strawberry.enum(CorePresenceState, name="PresenceState")


@strawberry.type(description="An agent's presence on one channel; busy is derived from load.")
class ChannelPresence:
    channel: str
    state: PresenceState
    reason: str | None = strawberry.field(description="The not-ready reason code, if any.")
    since: datetime
    load: int = strawberry.field(description="Interactions held on this channel now.")
    capacity: int

    @classmethod
    def of(cls, presence: CorePresence) -> "ChannelPresence":
        return cls(channel=presence.channel, state=presence.state, reason=presence.reason,
                   since=presence.since, load=presence.load, capacity=presence.capacity)


PresenceResult = result_union("PresenceResult", ChannelPresence)


@strawberry.type
class Query:
    @strawberry.field(description="The caller's presence on every enabled channel.")
    async def my_presence(self, info: Info) -> list[ChannelPresence]:
        backline = info.context.backline
        actor = info.context.actor
        async with backline.store.read() as session:
            presence = await backline.presence.presence_of(session, [actor.user_id])
        return [ChannelPresence.of(p) for p in presence[actor.user_id]]

    @strawberry.field(description="The not-ready reason codes an agent may choose from.")
    def reason_codes(self, info: Info) -> list[str]:
        return list(info.context.backline.presence.reason_codes)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Log in to a channel, not ready unless `ready` is true.")
    async def log_in(self, info: Info, channel: str, ready: bool = False) -> PresenceResult:
        ctx = info.context
        return await attempt(ctx.backline.presence.log_in(ctx.actor, channel, ready), ChannelPresence.of)

    @strawberry.mutation(description="Log out of a channel (refused while holding interactions on it).")
    async def log_out(self, info: Info, channel: str) -> PresenceResult:
        ctx = info.context
        return await attempt(ctx.backline.presence.log_out(ctx.actor, channel), ChannelPresence.of)

    @strawberry.mutation(description="Ready to take interactions on a channel.")
    async def set_ready(self, info: Info, channel: str) -> PresenceResult:
        ctx = info.context
        return await attempt(ctx.backline.presence.set_ready(ctx.actor, channel), ChannelPresence.of)

    @strawberry.mutation(description="Not ready on a channel, with a configured reason code.")
    async def set_not_ready(self, info: Info, channel: str, reason: str | None = None) -> PresenceResult:
        ctx = info.context
        return await attempt(ctx.backline.presence.set_not_ready(ctx.actor, channel, reason), ChannelPresence.of)
