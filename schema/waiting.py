"""The requests waiting for an agent now, for wallboards (WEB2) and pools' members (GRP4)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types.info import Info

from core.interactions.queue import WaitingRequest as CoreWaiting
from core.interactions.queue import waiting_seen_by
from schema.arguments import sid
from schema.interaction_events import OfferPurpose


@strawberry.type(description="A request waiting in order for an agent of its pool (GRP4).")
class WaitingRequest:
    offer_id: strawberry.ID
    interaction_id: strawberry.ID
    channel: str
    purpose: OfferPurpose
    target_id: strawberry.ID | None
    target_name: str = strawberry.field(description="The queue, group, skill or routing point it waits for.")
    position: int = strawberry.field(description="1 = next on its channel.")
    waiting_since: datetime
    from_name: str | None = strawberry.field(description="The customer's address, or the agent asking.")

    @classmethod
    def of(cls, w: CoreWaiting) -> "WaitingRequest":
        o = w.offer
        return cls(offer_id=sid(o.id), interaction_id=sid(w.interaction_id), channel=o.channel, purpose=o.purpose,
                   target_id=sid(o.target_id), target_name=o.target_name, position=w.position,
                   waiting_since=o.created_at, from_name=w.from_name)


@strawberry.type
class Query:
    @strawberry.field(description=(
        "The requests waiting now, oldest first: administrators see every one; supervisors those waiting for "
        "a pool with a member of a team they lead (SUP3); agents those waiting for a pool they belong to."))
    async def waiting_requests(self, info: Info) -> list[WaitingRequest]:
        ctx = info.context
        async with ctx.backline.store.read() as session:
            return [WaitingRequest.of(w) for w in await waiting_seen_by(session, ctx.actor)]
