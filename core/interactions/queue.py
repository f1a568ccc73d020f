"""The waiting requests of a channel, served in order (GRP4)."""

from __future__ import annotations

from sqlalchemy import bindparam, func
from sqlmodel import col, select

from core.interactions.models import Offer, OfferState


# Built once: routing reads the waiting requests each time agents become ready.
_WAITING = select(Offer).where(Offer.state == OfferState.WAITING).order_by(col(Offer.id))
_WAITING_ON = _WAITING.where(Offer.channel == bindparam("channel"))


_ANY_WAITING = select(Offer.id).where(Offer.state == OfferState.WAITING).limit(1)
_ANY_WAITING_ON = select(Offer.id).where(Offer.state == OfferState.WAITING,
                                         Offer.channel == bindparam("channel")).limit(1)


async def any_waiting(connection, channel: str | None = None) -> bool:
    """Whether a request waits (on `channel`), on a bare connection (Store.read_connection)."""
    if channel is None:
        return (await connection.execute(_ANY_WAITING)).first() is not None
    return (await connection.execute(_ANY_WAITING_ON, {"channel": channel})).first() is not None


async def waiting(session, channel: str | None = None) -> list[Offer]:
    if channel is None:
        return list((await session.exec(_WAITING)).all())
    return list((await session.exec(_WAITING_ON, params={"channel": channel})).all())


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
