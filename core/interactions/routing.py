"""Offers: a request for a target to join an interaction. It rings one available agent
(least loaded, longest idle first: GRP3) or waits in order (GRP4); the agent accepts or
declines; ring, transfer and queue time-outs are scheduled on the clock and do nothing when
they fire late (the offer's `round` moved on). Accepting is a conditional update, so of two
agents racing for one offer exactly one wins and the other gets a Conflict (REL2)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value

from core.directory.models import Target
from core.errors import Conflict, InvalidState, NotFound, PermissionDenied
from core.events import Event
from core.listener import BusListener
from core.identity.actor import Actor
from core.interactions import queue, rules, targets
from core.interactions.models import (
    Interaction, Offer, OfferPurpose, OfferState, PartyRole, PartyState,
)
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work
from core.store.contention import retrying

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine

log = logging.getLogger("backline.interactions")
# How often every instance serves the waiting requests besides reacting to presence changes.
REDISPATCH_SECONDS = 5.0

ROLE_WHILE_ALERTING = {
    OfferPurpose.ROUTE: PartyRole.OWNER,
    OfferPurpose.TRANSFER: PartyRole.PARTICIPANT,
    OfferPurpose.CONSULT: PartyRole.CONSULTED,
    OfferPurpose.CONFERENCE: PartyRole.PARTICIPANT,
}


def _ready_channels(events: list[Event]) -> list[str | None]:
    """The channels to serve after these presence changes, in order; None means all."""
    channels = list(dict.fromkeys(e.payload.get("channel") for e in events if e.payload.get("state") == "ready"))
    return [None] if None in channels else channels


# The conditional update that decides who takes an offer (REL2), built once: building it
# cost more than running it.
_OFFER = Offer.__table__
_TAKE = (update(_OFFER)
                 .where(_OFFER.c.id == bindparam("offer_id"), _OFFER.c.state == bindparam("was_state"),
                        _OFFER.c.round == bindparam("was_round"))
                 .values(state=bindparam("new_state"), accepted_by=bindparam("taken_by"),
                         closed_at=bindparam("taken_at"), round=bindparam("new_round")))


class Routing:
    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine
        self.listener = BusListener(engine.bus, {"presence"}, self._serve_ready, log)
        # Ring, transfer and queue time-outs (INS3): handled by whichever instance sweeps them.
        self.timeouts = engine.timeouts
        self.timeouts.handle(queue.RING_TIMEOUT, self._ring_expired)
        self.timeouts.handle(queue.QUEUE_TIMEOUT, self._queue_expired)
        self._periodic = None

    # -- opening -------------------------------------------------------------------------

    async def open(self, work: Work, interaction: Interaction, purpose: OfferPurpose, target: Target,
                   requester_id: int | None, parent_interaction_id: int | None = None) -> Offer:
        """Ring an available member of `target` or wait. A person who cannot take it is
        refused by the caller before (TRF5), so here a person is available."""
        offer = await work.rows.create(
            Offer, interaction_id=interaction.id, channel=interaction.channel, purpose=purpose,
            state=OfferState.WAITING, target_id=target.id, target_name=target.name, requester_id=requester_id,
            parent_interaction_id=parent_interaction_id, created_at=work.now)
        work.offer_opened(offer)
        work.record(interaction, "OfferOpened", offerId=offer.id, purpose=purpose.value,
                    targetId=target.id, targetName=target.name, requesterId=requester_id)
        if requester_id is not None:  # DIR5: what an agent reaches for becomes a recent target
            await self.engine.directory.note_used(work.uow, requester_id, target.id, at=work.now)
        candidates = await self._candidates(work, offer, interaction, target)
        if targets.is_person(target) and not candidates:
            # Unavailable people are refused (or sent to voicemail) by the caller; what is
            # left is someone already on the interaction, or the requester.
            raise InvalidState(f"{target.name} is already on this interaction or cannot take it now.")
        await self._place(work, offer, interaction, target, candidates=candidates)
        return offer

    async def _candidates(self, work: Work, offer: Offer, interaction: Interaction, target: Target) -> list[int]:
        pool = await targets.members(work.rows, target)
        on_it = {p.user_id for p in await work.parties(interaction) if rules.is_live(p)}
        excluded = set(offer.tried) | on_it | {offer.requester_id}
        pool = [uid for uid in pool if uid not in excluded]
        return await self.engine.presence.available_agents(work.rows, pool, offer.channel)

    async def _place(self, work: Work, offer: Offer, interaction: Interaction, target: Target | None = None,
                     failure: OfferState = OfferState.NO_ANSWER, candidates: list[int] | None = None) -> None:
        target = target or await targets.target_by_id(work.rows, offer.target_id)
        if candidates is None:
            candidates = await self._candidates(work, offer, interaction, target)
        chosen = await self._first_available(work, candidates, offer.channel)
        if chosen is not None:
            await self._ring(work, offer, interaction, chosen)
        elif targets.is_person(target):
            await self.close_offer(work, offer, failure, reason=f"{target.name} did not take it")
        else:
            await self._wait(work, offer, interaction)

    async def _first_available(self, work: Work, candidates: list[int], channel: str) -> int | None:
        """The first candidate still available once locked (INS4): another instance may
        have given them an interaction since the candidates were read."""
        for user_id in candidates:
            if await self.engine.presence.can_take_one_more(work.uow, user_id, channel):
                return user_id
        return None

    async def _ring(self, work: Work, offer: Offer, interaction: Interaction, user_id: int) -> None:
        party = await work.add_party(interaction, ROLE_WHILE_ALERTING[offer.purpose], PartyState.ALERTING,
                                     user_id=user_id)
        offer.state = OfferState.RINGING
        offer.ringing_user_id = user_id
        offer.ringing_party_id = party.id
        offer.tried = [*offer.tried, user_id]
        offer.round += 1
        work.record(interaction, "OfferRinging", offerId=offer.id, purpose=offer.purpose.value,
                    userId=user_id, partyId=party.id, targetName=offer.target_name)
        self.timeouts.schedule(work.uow, queue.RING_TIMEOUT, offer.id, offer.round, self._ring_timeout(offer))

    async def _wait(self, work: Work, offer: Offer, interaction: Interaction) -> None:
        offer.state = OfferState.WAITING
        offer.ringing_user_id = None
        offer.ringing_party_id = None
        offer.round += 1
        position = (await queue.positions(work.rows, [offer]))[offer.id]
        work.record(interaction, "OfferWaiting", offerId=offer.id, purpose=offer.purpose.value,
                    targetName=offer.target_name, position=position, requesterId=offer.requester_id)
        self.timeouts.schedule(work.uow, queue.QUEUE_TIMEOUT, offer.id, offer.round, self.engine.options.queue_timeout_seconds)

    # -- closing -------------------------------------------------------------------------

    async def close_offer(self, work: Work, offer: Offer, state: OfferState, reason: str,
                          follow_up: bool = True) -> None:
        interaction = await work.interaction(offer.interaction_id)
        await self._drop_ringing_party(work, offer, interaction, because=state.value)
        offer.state = state
        offer.reason = reason[:200]
        offer.closed_at = work.now
        offer.round += 1
        work.record(interaction, "OfferClosed", offerId=offer.id, purpose=offer.purpose.value,
                    outcome=state.value, reason=offer.reason, requesterId=offer.requester_id)
        if follow_up:
            await self.engine.handler(offer.purpose).failed(work, offer, interaction)

    async def _drop_ringing_party(self, work: Work, offer: Offer, interaction: Interaction, because: str) -> None:
        if offer.ringing_party_id is None:
            return
        party = next((p for p in await work.parties(interaction) if p.id == offer.ringing_party_id), None)
        if party is not None and party.state is PartyState.ALERTING:
            await work.set_state(interaction, party, PartyState.LEFT, because=because)
        offer.ringing_party_id = None
        offer.ringing_user_id = None

    async def _unanswered(self, work: Work, offer: Offer, outcome: OfferState, reason: str) -> None:
        """A decline or no answer: an inbound contact goes on to the next agent; any other
        request ends with that outcome (CON8, TRF3)."""
        interaction = await work.interaction(offer.interaction_id)
        if self.engine.handler(offer.purpose).offers_next_agent:
            work.record(interaction, "OfferUnanswered", offerId=offer.id, outcome=outcome.value,
                        userId=offer.ringing_user_id)
            await self._drop_ringing_party(work, offer, interaction, because=outcome.value)
            await self._place(work, offer, interaction, failure=outcome)
        else:
            await self.close_offer(work, offer, outcome, reason=reason)

    # -- commands ------------------------------------------------------------------------

    async def accept(self, actor: Actor, offer_id: int) -> InteractionView:
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            offer = await self._offer(work, offer_id, actor)
            interaction = await work.interaction(offer.interaction_id)
            await self._require_may_take(work, actor, offer)
            # The conditional update decides the race (REL2), also across server processes.
            result = await work.rows.execute(_TAKE, {
                "offer_id": offer.id, "was_state": offer.state, "was_round": offer.round,
                "new_state": OfferState.ACCEPTED, "taken_by": actor.user_id, "taken_at": work.now,
                "new_round": offer.round + 1})
            if result.rowcount != 1:
                raise Conflict("Somebody else took this request first.")
            # What the update wrote, as the row's committed state: known without reading it
            # back, and not written a second time at the next flush.
            for name, value in (("state", OfferState.ACCEPTED), ("accepted_by", actor.user_id),
                                ("closed_at", work.now), ("round", offer.round + 1)):
                set_committed_value(offer, name, value)
            party = next((p for p in await work.parties(interaction) if p.id == offer.ringing_party_id), None)
            if party is not None:
                await self.engine.behaviour(interaction.channel).retrieve(interaction, party)
                await work.set_state(interaction, party, PartyState.CONNECTED, because="accepted")
            else:
                party = await work.add_party(interaction, ROLE_WHILE_ALERTING[offer.purpose],
                                             PartyState.CONNECTED, user_id=actor.user_id)
            work.record(interaction, "OfferAccepted", offerId=offer.id, purpose=offer.purpose.value,
                        userId=actor.user_id, partyId=party.id, requesterId=offer.requester_id)
            await self.engine.handler(offer.purpose).accepted(work, offer, interaction, party)
            work.finish()
            return await snapshot(work, interaction)

    async def decline(self, actor: Actor, offer_id: int) -> InteractionView:
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            offer = await self._offer(work, offer_id, actor)
            if offer.state is not OfferState.RINGING or offer.ringing_user_id != actor.user_id:
                raise InvalidState("This request is not ringing you.")
            await self._unanswered(work, offer, OfferState.DECLINED, reason=f"declined by {actor.display_name}")
            interaction = await work.interaction(offer.interaction_id)
            work.finish()
            return await snapshot(work, interaction)

    async def cancel(self, actor: Actor, offer_id: int) -> InteractionView:
        """The requester cancels a request that rings or waits (GRP4)."""
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            offer = await self._offer(work, offer_id, actor)
            interaction = await work.interaction(offer.interaction_id)
            mine = offer.requester_id == actor.user_id
            if not mine and not (offer.requester_id is None and self.engine.may_integrate(actor)):
                raise PermissionDenied("Only whoever made the request can cancel it.")
            if not offer.state.open:
                raise InvalidState(f"This request is already {offer.state.value}.")
            await self.close_offer(work, offer, OfferState.CANCELLED, reason=f"cancelled by {actor.display_name}")
            work.finish()
            return await snapshot(work, interaction)

    async def _offer(self, work: Work, offer_id: int, actor: Actor) -> Offer:
        """The offer, when the caller may know of it; else the answer an unknown id gets
        (SEC5): whom it rings or may ring, who asked, who took it, and whoever may read its
        interaction know of it."""
        offer = await work.offer(offer_id)
        if offer is None or not await self._may_know_of(work, actor, offer):
            raise NotFound(f"No request with id {offer_id}.")
        return offer

    async def _may_know_of(self, work: Work, actor: Actor, offer: Offer) -> bool:
        if actor.user_id in (offer.ringing_user_id, offer.requester_id, offer.accepted_by):
            return True
        if offer.requester_id is None and self.engine.may_integrate(actor):
            return True
        if actor.user_id in await self._pool(work, offer):
            return True
        return rules.may_read(actor, await work.parties(await work.interaction(offer.interaction_id)))

    async def _pool(self, work: Work, offer: Offer) -> list[int]:
        """Whom the request is for: its target's members."""
        if offer.target_id is None:
            return []
        return await targets.members(work.rows, await targets.target_by_id(work.rows, offer.target_id))

    async def _require_may_take(self, work: Work, actor: Actor, offer: Offer) -> None:
        """Eligibility before state (SEC5): whether the caller may take it at all, then
        whether it can be taken now."""
        ringing_me = offer.ringing_user_id == actor.user_id
        pool = [] if ringing_me else await self._pool(work, offer)
        if not ringing_me and (actor.user_id not in pool or actor.user_id == offer.requester_id):
            raise PermissionDenied("This request is not for you.")
        if offer.state is OfferState.ACCEPTED:
            raise Conflict("Somebody else took this request first.")
        if not offer.state.open:
            raise InvalidState(f"This request is already {offer.state.value}.")
        if offer.state is OfferState.RINGING and ringing_me:
            return
        if offer.state is OfferState.RINGING:
            raise Conflict("This request is ringing another agent.")
        presence = (await self.engine.presence.presence_of(work.rows, [actor.user_id]))[actor.user_id]
        mine = next(p for p in presence if p.channel == offer.channel)
        if mine.state.value == "logged_off" or mine.load >= mine.capacity:
            raise InvalidState(f"You are {mine.state.value} on {offer.channel}; you cannot take it now.",
                               channel=offer.channel)

    # -- time-outs (rows in the store, core.timeouts) -----------------------------------

    def _ring_timeout(self, offer: Offer) -> float:
        return (self.engine.options.transfer_timeout_seconds if offer.purpose is OfferPurpose.TRANSFER
                else self.engine.options.ring_timeout_seconds)

    async def _ring_expired(self, uow, offer_id: int, round_: int) -> None:
        await self._expired(uow, offer_id, round_, OfferState.RINGING, lambda work, offer: self._unanswered(
            work, offer, OfferState.NO_ANSWER, reason="no answer in time"))

    async def _queue_expired(self, uow, offer_id: int, round_: int) -> None:
        await self._expired(uow, offer_id, round_, OfferState.WAITING, lambda work, offer: self.close_offer(
            work, offer, OfferState.TIMED_OUT, reason="waited longer than the queue time-out"))

    async def _expired(self, uow, offer_id: int, round_: int, was: OfferState, then) -> None:
        """A time-out does nothing once its request has moved on (another state or round)."""
        work = Work(self.engine, uow, None)
        offer = await work.offer(offer_id)
        if offer is None or offer.state is not was or offer.round != round_:
            return
        await then(work, offer)
        work.finish()

    # -- serving the waiting requests ----------------------------------------------------

    async def dispatch_waiting(self, channel: str | None = None) -> int:
        """Offer waiting requests, oldest first, to agents who became available."""
        rung = 0
        async with self.engine.store.read_connection() as connection:
            if not await queue.any_waiting(connection, channel):
                return 0  # the common case: no write transaction for nothing
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, None)
            for waiting in await queue.waiting(work.rows, channel):
                # Read again under the interaction's lock: another instance may have served it.
                offer = await work.offer(waiting.id)
                if offer is None or offer.state is not OfferState.WAITING:
                    continue
                interaction = await work.interaction(offer.interaction_id)
                target = await targets.target_by_id(work.rows, offer.target_id)
                candidates = await self._candidates(work, offer, interaction, target)
                chosen = await self._first_available(work, candidates, offer.channel)
                if chosen is not None:
                    await self._ring(work, offer, interaction, chosen)
                    rung += 1
            work.finish()
        return rung

    async def start(self) -> None:
        if self.listener.start():  # not again when the ASGI lifespan starts a started Backline
            await self._rearm()
            self._periodic = self.engine.clock.call_later(REDISPATCH_SECONDS, self._redispatch)

    async def _redispatch(self) -> None:
        """Every few seconds, on any instance: waiting requests are offered to agents who are
        free. The presence listener does it at once; this catches a reaction that was lost
        (the instance that committed "ready" died before it reacted, INS3)."""
        self._periodic = self.engine.clock.call_later(REDISPATCH_SECONDS, self._redispatch)
        try:
            await retrying(self.dispatch_waiting)
        except Exception:  # the store is away for a moment: the next round tries again
            log.exception("Serving the waiting requests failed; trying again in %s s", REDISPATCH_SECONDS)

    async def _rearm(self) -> None:
        """Time-outs are rows that outlive any instance (INS3): only open requests that have
        none for their round (left by a release that kept time-outs in memory) get one, from
        now; then agents who became ready while nobody listened are served."""
        async with self.engine.store.write() as uow:
            for offer in await queue.open_offers_without_timeout(uow.session):
                kind, delay = ((queue.RING_TIMEOUT, self._ring_timeout(offer)) if offer.state is OfferState.RINGING
                               else (queue.QUEUE_TIMEOUT, self.engine.options.queue_timeout_seconds))
                self.timeouts.schedule(uow, kind, offer.id, offer.round, delay)
        await self.dispatch_waiting()

    async def stop(self) -> None:
        if self._periodic is not None:
            self._periodic.cancel()
            self._periodic = None
        await self.listener.stop()

    async def _serve_ready(self, events: list[Event]) -> None:
        # One command's presence changes are published together: the agents it made ready
        # are served in one pass per channel, not one per event.
        for channel in _ready_channels(events):
            await retrying(lambda: self.dispatch_waiting(channel))

    async def settle(self, timeout: float = 30.0) -> None:
        """Until every presence change published so far has been served."""
        await self.listener.settle(timeout)
