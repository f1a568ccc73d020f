"""What rings for me (OFR1): every offer ringing the caller now, on any channel, with what
it is, who or what it comes from, the interaction's context and until when it rings (its
ring time-out, a row in the store)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from core.channels import Audience, ChannelRegistry
from core.identity.models import User
from core.interactions.models import Interaction, InteractionKind, Offer, OfferPurpose, OfferState, Party, PartyRole
from core.interactions.queue import RING_TIMEOUT
from core.timeouts.models import DueTimeout


class OfferKind(str, enum.Enum):
    CUSTOMER_CONTACT = "customer_contact"
    CONSULTATION = "consultation"
    TRANSFER = "transfer"
    CONFERENCE = "conference"
    INTERNAL_CALL = "internal_call"
    IM_REQUEST = "im_request"


@dataclass(frozen=True)
class RingingOffer:
    offer_id: int
    kind: OfferKind
    channel: str
    interaction_id: int
    via: str  # the target it was made to: you, or your group, queue or skill
    from_user_id: int | None  # the agent asking, if an agent asks
    from_name: str  # that agent, or the customer's name or address
    from_address: str | None  # the customer's address (phone number, e-mail)
    context: dict[str, Any]
    offered_at: datetime
    rings_until: datetime | None


_KINDS = {OfferPurpose.CONSULT: OfferKind.CONSULTATION, OfferPurpose.TRANSFER: OfferKind.TRANSFER,
          OfferPurpose.CONFERENCE: OfferKind.CONFERENCE}


def kind_of(offer: Offer, interaction: Interaction, channels: ChannelRegistry) -> OfferKind:
    if offer.purpose in _KINDS:
        return _KINDS[offer.purpose]
    if interaction.kind is InteractionKind.CUSTOMER:
        return OfferKind.CUSTOMER_CONTACT
    internal_audience = channels.get(interaction.channel).capabilities.audience is Audience.INTERNAL
    return OfferKind.IM_REQUEST if internal_audience else OfferKind.INTERNAL_CALL


async def ringing_for(session, channels: ChannelRegistry, user_id: int, offer_id: int | None = None
                      ) -> list[RingingOffer]:
    """The offers ringing `user_id` now; with `offer_id`, that offer as it rang, whatever
    became of it since (a live stream reads it after the fact)."""
    query = select(Offer, Interaction).join(Interaction, col(Interaction.id) == col(Offer.interaction_id))
    if offer_id is None:
        query = query.where(Offer.state == OfferState.RINGING, Offer.ringing_user_id == user_id)
    else:
        query = query.where(Offer.id == offer_id)
    rows = (await session.exec(query.order_by(col(Offer.id)))).all()
    found = []
    for offer, interaction in rows:
        requester = await session.get(User, offer.requester_id) if offer.requester_id is not None else None
        customer = (await session.exec(select(Party).where(
            Party.interaction_id == interaction.id, Party.role == PartyRole.CUSTOMER))).first()
        due = (await session.exec(select(DueTimeout.due_at).where(
            DueTimeout.kind == RING_TIMEOUT, DueTimeout.subject_id == offer.id, DueTimeout.round == offer.round))).first()
        # A consultation is about a customer's call: its context is that call's (CON3).
        about = await session.get(Interaction, interaction.parent_id) if interaction.parent_id else interaction
        if requester is not None:
            from_name, from_address = requester.display_name, None
        elif customer is not None:
            from_name, from_address = customer.display_name or customer.address or "", customer.address
        else:
            from_name, from_address = offer.target_name, None
        found.append(RingingOffer(
            offer_id=offer.id, kind=kind_of(offer, interaction, channels), channel=offer.channel,
            interaction_id=interaction.id, via=offer.target_name,
            from_user_id=requester.id if requester is not None else None, from_name=from_name,
            from_address=from_address, context=dict((about or interaction).context or {}),
            offered_at=offer.created_at, rings_until=due))
    return found


class OfferOutcome(str, enum.Enum):
    """What became of an offer that rang me."""

    RINGING = "ringing"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"
    TAKEN_BY_ANOTHER = "taken_by_another"
    CANCELLED = "cancelled"


_CLOSED = {OfferState.DECLINED.value: OfferOutcome.DECLINED, OfferState.NO_ANSWER.value: OfferOutcome.NO_ANSWER}


def outcome_for(event, user_id: int, ringing_me: set[int]) -> OfferOutcome | None:
    """The outcome an interaction event means for offers ringing `user_id` (whose ids are in
    `ringing_me`, kept up to date here), or None when it says nothing about them."""
    payload = event.payload
    offer_id = payload.get("offerId")
    if offer_id is None:
        return None
    if event.kind == "OfferRinging":
        if payload.get("userId") == user_id:
            ringing_me.add(offer_id)
            return OfferOutcome.RINGING
        ringing_me.discard(offer_id)  # it rings somebody else now: already told why
        return None
    if offer_id not in ringing_me:
        return None
    if event.kind == "OfferAccepted":
        ringing_me.discard(offer_id)
        return OfferOutcome.ACCEPTED if payload.get("userId") == user_id else OfferOutcome.TAKEN_BY_ANOTHER
    if event.kind == "OfferUnanswered" and payload.get("userId") == user_id:
        ringing_me.discard(offer_id)
        return _CLOSED.get(payload.get("outcome"), OfferOutcome.NO_ANSWER)
    if event.kind == "OfferClosed":
        ringing_me.discard(offer_id)
        return _CLOSED.get(payload.get("outcome"), OfferOutcome.CANCELLED)
    return None
