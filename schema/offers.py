"""What rings for me (OFR1): one typed list of every offer ringing the caller, on any channel."""

from __future__ import annotations

from datetime import datetime
from typing import AsyncGenerator

import strawberry
from strawberry.types.info import Info

from core.interactions.my_offers import OfferKind as CoreOfferKind
from core.interactions.my_offers import OfferOutcome as CoreOfferOutcome
from core.interactions.my_offers import RingingOffer, outcome_for, ringing_for
from core.interactions.work import TOPIC as INTERACTION_TOPIC
from schema.arguments import sid
from schema.interactions import KeyValue, pairs
from schema.streams import CURSOR_HELP, After, at, following

OfferKind = strawberry.enum(CoreOfferKind, name="OfferKind", description=(
    "What an offer asks: a customer's contact, a colleague's consultation, a transfer or a "
    "conference invitation, an internal call, an instant-message request."))


@strawberry.type(description="An offer ringing you now (OFR1): accept or decline it by its id.")
class MyOffer:
    id: strawberry.ID
    kind: OfferKind
    channel: str
    interaction_id: strawberry.ID
    via: str = strawberry.field(description="The target it was made to: you, or your group, queue or skill.")
    from_user_id: strawberry.ID | None = strawberry.field(description="The agent asking, if an agent asks.")
    from_name: str = strawberry.field(description="That agent, or the customer's name or address.")
    from_address: str | None = strawberry.field(description="The customer's address (phone number, e-mail).")
    context: list[KeyValue] = strawberry.field(description="The customer interaction's context (for a "
                                                           "consultation, the call it is about).")
    offered_at: datetime
    rings_until: datetime | None = strawberry.field(description="When it stops ringing you (no answer).")

    @classmethod
    def of(cls, offer: RingingOffer) -> "MyOffer":
        return cls(id=sid(offer.offer_id), kind=offer.kind, channel=offer.channel,
                   interaction_id=sid(offer.interaction_id), via=offer.via,
                   from_user_id=sid(offer.from_user_id), from_name=offer.from_name,
                   from_address=offer.from_address, context=pairs(offer.context),
                   offered_at=offer.offered_at, rings_until=offer.rings_until)


@strawberry.type
class Query:
    @strawberry.field(description="Every offer ringing you now, on any channel, oldest first (OFR1).")
    async def my_offers(self, info: Info) -> list[MyOffer]:
        ctx = info.context
        async with ctx.backline.store.read() as session:
            offers = await ringing_for(session, ctx.backline.channels, ctx.actor.user_id)
        return [MyOffer.of(offer) for offer in offers]


OfferOutcome = strawberry.enum(CoreOfferOutcome, name="OfferOutcome",
                               description="What became of an offer that rang you.")


@strawberry.type(description="An offer that rings you, or what became of it (OFR1).")
class OfferUpdate:
    offer_id: strawberry.ID
    outcome: OfferOutcome
    at: datetime
    offer: MyOffer | None = strawberry.field(
        description="With RINGING: the offer, as myOffers shows it (`ringsUntil` null once answered).")
    cursor: str | None = strawberry.field(default=None, description=CURSOR_HELP)


@strawberry.type
class Subscription:
    @strawberry.subscription(description=(
        "What rings for you, live (OFR1): the offers ringing you now (RINGING) first, then each new "
        "one and each outcome (accepted, declined, no answer, taken by another agent, cancelled)."))
    async def my_offer_updates(self, info: Info, after: After = None) -> AsyncGenerator[OfferUpdate, None]:
        ctx = info.context
        me = ctx.actor.user_id
        ringing_me: set[int] = set()

        async def ringing(offer_id: int | None = None) -> list[MyOffer]:
            async with ctx.backline.store.read() as session:
                return [MyOffer.of(o) for o in await ringing_for(session, ctx.backline.channels, me, offer_id)]

        async with following(ctx.backline, {INTERACTION_TOPIC}, after) as stream:
            if not stream.resumed:
                for offer in await ringing():
                    ringing_me.add(int(offer.id))
                    yield at(OfferUpdate(offer_id=offer.id, outcome=CoreOfferOutcome.RINGING,
                                         at=offer.offered_at, offer=offer), stream.head)
            async for event in stream:
                outcome = outcome_for(event, me, ringing_me)
                if outcome is None:
                    continue
                offer_id = event.payload["offerId"]
                shown = (await ringing(offer_id) or [None])[0] if outcome is CoreOfferOutcome.RINGING else None
                yield at(OfferUpdate(offer_id=sid(offer_id), outcome=outcome, at=event.at,
                                     offer=shown), event.id)
