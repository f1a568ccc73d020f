"""The waiting requests of a channel, served in order (GRP4)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from core.interactions.models import Offer, OfferState


async def waiting(session, channel: str | None = None) -> list[Offer]:
    query = select(Offer).where(Offer.state == OfferState.WAITING)
    if channel is not None:
        query = query.where(Offer.channel == channel)
    return list((await session.exec(query.order_by(col(Offer.id)))).all())


async def open_offers(session) -> list[Offer]:
    query = select(Offer).where(col(Offer.state).in_([OfferState.WAITING, OfferState.RINGING]))
    return list((await session.exec(query.order_by(col(Offer.id)))).all())


async def positions(session, offers: list[Offer]) -> dict[int, int]:
    """1 for the first waiting request of its channel."""
    result = {}
    for offer in offers:
        if offer.state is OfferState.WAITING:
            ahead = (await session.exec(
                select(func.count()).select_from(Offer).where(
                    Offer.state == OfferState.WAITING, Offer.channel == offer.channel, col(Offer.id) < offer.id)
            )).one()
            result[offer.id] = ahead + 1
    return result
