"""The waiting requests of a channel, served in order (GRP4)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlmodel import col
from sqlmodel import select as select_models

from core.directory.models import TargetMember
from core.identity.models import User
from core.interactions.models import Offer, OfferState, Party, PartyRole
from core.timeouts.service import Timeouts

# The kinds of an offer's time-out rows (core.timeouts): ringing one agent, waiting in line.
RING_TIMEOUT, QUEUE_TIMEOUT = "ring", "queue"

# Built once: routing reads the waiting requests each time agents become ready.
_OFFER = Offer.__table__
_WAITING_ROWS = select(Offer).where(_OFFER.c.state == OfferState.WAITING).order_by(_OFFER.c.id)
_WAITING = _WAITING_ROWS
_WAITING_ON = _WAITING_ROWS.where(_OFFER.c.channel == bindparam("channel"))
_AHEAD = select(func.count()).select_from(_OFFER).where(
    _OFFER.c.state == OfferState.WAITING, _OFFER.c.channel == bindparam("channel"), _OFFER.c.id < bindparam("offer_id"))


_ANY_WAITING = select(Offer.id).where(Offer.state == OfferState.WAITING).limit(1)
_ANY_WAITING_ON = select(Offer.id).where(Offer.state == OfferState.WAITING,
                                         Offer.channel == bindparam("channel")).limit(1)


async def any_waiting(connection, channel: str | None = None) -> bool:
    """Whether a request waits (on `channel`), on a bare connection (Store.read_connection)."""
    if channel is None:
        return (await connection.execute(_ANY_WAITING)).first() is not None
    return (await connection.execute(_ANY_WAITING_ON, {"channel": channel})).first() is not None


async def waiting(rows, channel: str | None = None) -> list[Offer]:
    """The waiting requests as a unit of work's rows (core.store.rows), oldest first."""
    if channel is None:
        return await rows.all(Offer, _WAITING)
    return await rows.all(Offer, _WAITING_ON, {"channel": channel})


async def open_offers_without_timeout(session) -> list[Offer]:
    """Requests that ring or wait with no time-out row for their current round."""
    query = select_models(Offer).where(col(Offer.state).in_([OfferState.WAITING, OfferState.RINGING]),
                                       ~Timeouts.pending(RING_TIMEOUT, Offer.id, Offer.round),
                                       ~Timeouts.pending(QUEUE_TIMEOUT, Offer.id, Offer.round))
    return list((await session.exec(query.order_by(col(Offer.id)))).all())


async def positions(reader, offers: list[Offer]) -> dict[int, int]:
    """1 for the first waiting request of its channel. `reader` is a session, or a unit of
    work's rows (which writes its changes first)."""
    result = {}
    for offer in offers:
        if offer.state is OfferState.WAITING:
            ahead = (await reader.execute(_AHEAD, {"channel": offer.channel, "offer_id": offer.id})).scalar_one()
            result[offer.id] = ahead + 1
    return result


@dataclass(frozen=True)
class WaitingRequest:
    offer: Offer
    position: int
    interaction_id: int
    from_name: str | None  # the customer's address, or the agent asking


def pools_watched_by(actor):
    """The ids of the pools (queue, group, skill, routing point) whose waiting requests `actor`
    may watch, as a subquery: a supervisor's, those with a member of a team they lead (SUP3);
    an agent's, those they belong to. None for an administrator, who watches every one. Also
    the audience of a wallboard's history of waiting requests (core.supervision.board_history)."""
    if actor.is_administrator:
        return None
    member, user = TargetMember.__table__, User.__table__
    return select(member.c.target_id).join(user, user.c.id == member.c.user_id).where(
        (user.c.team_id.in_(sorted(actor.supervised_team_ids))) | (member.c.user_id == actor.user_id))


async def waiting_seen_by(session, actor) -> list[WaitingRequest]:
    """The requests waiting now that `actor` may watch, oldest first (WEB2): an administrator
    every one; a supervisor those waiting for a pool with a member of a team they lead; an
    agent those waiting for a pool they are a member of. Only who asks and for whom: a
    waiting customer's interaction is read through `interaction(id)`, under its own rules."""
    query = select(Offer).where(_OFFER.c.state == OfferState.WAITING)
    pools = pools_watched_by(actor)
    if pools is not None:
        query = query.where(_OFFER.c.target_id.in_(pools))
    offers = list((await session.execute(query.order_by(_OFFER.c.id))).scalars().all())
    places = await positions(session, offers)
    asking = await _askers(session, offers)
    return [WaitingRequest(o, places[o.id], o.interaction_id, asking.get(o.id)) for o in offers]


async def _askers(session, offers: list[Offer]) -> dict[int, str]:
    """Who each request comes from: the requesting agent, else the customer's address."""
    if not offers:
        return {}
    ids = sorted({o.interaction_id for o in offers})
    parties = (await session.execute(select(Party).where(Party.interaction_id.in_(ids)))).scalars().all()
    customer = {p.interaction_id: p.address or p.display_name for p in parties if p.role is PartyRole.CUSTOMER}
    names = {p.user_id: p.display_name for p in parties if p.user_id is not None}
    return {o.id: names.get(o.requester_id) if o.requester_id else customer.get(o.interaction_id) for o in offers}
