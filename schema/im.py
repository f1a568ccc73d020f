"""Instant messages between agents (IM1-IM4): a request to a team member with its first
message, live to the member (IM3); accept and decline are the offer mutations, messages are
`sendMessage`, either side ends it with `release` and marks it done with `markDone`. These
fields exist only when the IM channel is enabled in plugins.toml (IM4)."""

from __future__ import annotations

from datetime import datetime
from typing import AsyncGenerator

import strawberry
from sqlmodel import col, select
from strawberry.types.info import Info

from core.interactions.models import Interaction, InteractionKind, Offer, OfferState
from core.interactions.work import TOPIC
from core.transcripts.models import TranscriptEntry
from schema.arguments import int_id, sid
from schema.interactions import InteractionResult, run
from schema.streams import CURSOR_HELP, After, at, following

CHANNEL = "im"  # the plugin this module belongs to: without it, the module is left out


@strawberry.type(description="An instant-message request ringing you, with its first message (IM3).")
class InstantMessageRequest:
    offer_id: strawberry.ID
    interaction_id: strawberry.ID
    from_user_id: strawberry.ID | None
    from_name: str
    first_message: str
    sent_at: datetime
    cursor: str | None = strawberry.field(default=None, description=CURSOR_HELP)


async def ringing_requests(backline, user_id: int, offer_id: int | None = None) -> list[InstantMessageRequest]:
    """Internal requests ringing `user_id` now, with the first line of each."""
    async with backline.store.read() as session:
        query = select(Offer, Interaction).join(Interaction, col(Interaction.id) == col(Offer.interaction_id)).where(
            Offer.state == OfferState.RINGING, Offer.ringing_user_id == user_id,
            Interaction.kind == InteractionKind.INTERNAL, Interaction.channel == CHANNEL)
        if offer_id is not None:
            query = query.where(Offer.id == offer_id)
        found = []
        for offer, interaction in (await session.exec(query.order_by(col(Offer.id)))).all():
            first = (await session.exec(select(TranscriptEntry).where(
                TranscriptEntry.interaction_id == interaction.id).order_by(col(TranscriptEntry.id)))).first()
            found.append(InstantMessageRequest(
                offer_id=sid(offer.id), interaction_id=sid(interaction.id),
                from_user_id=sid(first.author_user_id if first else offer.requester_id),
                from_name=first.author_name if first else "", first_message=first.text if first else "",
                sent_at=first.created_at if first else offer.created_at))
        return found


@strawberry.type
class Query:
    @strawberry.field(description="Instant-message requests ringing you now.")
    async def instant_message_requests(self, info: Info) -> list[InstantMessageRequest]:
        return await ringing_requests(info.context.backline, info.context.actor.user_id)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Send an instant message to a team member (or a group): a request the "
                                     "member accepts or declines (acceptOffer / declineOffer), with its first "
                                     "message (IM1).")
    async def send_instant_message(self, info: Info, target_id: strawberry.ID, text: str) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.transcripts.internal.request(
            ctx.actor, CHANNEL, int_id(target_id, "targetId"), text))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Instant-message requests reaching you, at once, with their first "
                                         "message (IM3); those ringing now first.")
    async def instant_message_requests(self, info: Info, after: After = None
                                       ) -> AsyncGenerator[InstantMessageRequest, None]:
        actor = info.context.actor
        backline = info.context.backline
        async with following(backline, {TOPIC}, after) as stream:
            seen = set()
            if not stream.resumed:
                for request in await ringing_requests(backline, actor.user_id):
                    seen.add(request.offer_id)
                    yield at(request, stream.head)
            async for event in stream:
                p = event.payload
                if (event.kind == "OfferRinging" and p.get("userId") == actor.user_id
                        and p.get("channel") == CHANNEL and str(p.get("offerId")) not in seen):
                    # Still ringing now: a request taken or withdrawn meanwhile is not shown.
                    for request in await ringing_requests(backline, actor.user_id, p["offerId"]):
                        seen.add(request.offer_id)
                        yield at(request, event.id)
