"""Consultations (CON1-CON8): a private interaction of its own, linked to the customer's
(parent), on which the customer is never a party nor named in an event (CON2). On voice the
original call goes on hold when the consultation starts (the one-active-call rule, CON4)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from core.channels import Operation
from core.errors import InvalidInput, InvalidState
from core.identity.actor import Actor
from core.interactions import availability, rules, targets
from core.interactions.models import (
    Interaction, InteractionKind, InteractionState, Offer, OfferPurpose, Party, PartyRole, PartyState,
)
from core.interactions.transfers import require_transferable
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine


class Completion(str, enum.Enum):
    TRANSFER = "transfer"
    CONFERENCE = "conference"


class Consultations:
    offers_next_agent = False

    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine

    async def start(self, actor: Actor, interaction_id: int, target_id: int,
                    channel: str | None = None) -> InteractionView:
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            parent = await work.interaction(interaction_id)
            rules.require_leg(actor, await work.parties(parent), interaction_id, rules.ON_CALL, "consult about it")
            if parent.kind is InteractionKind.CONSULTATION or parent.state is not InteractionState.ACTIVE:
                raise InvalidState("A consultation is about an active customer or internal interaction.")
            name = channel or parent.channel
            self.engine.channels.get(name).require(Operation.CONSULT)
            target = await targets.target_by_id(work.rows, target_id)
            if targets.is_person(target):
                if target.user_id == actor.user_id:
                    raise InvalidInput("You cannot consult yourself.", field="targetId")
                reason = await availability.unavailable_reason(work, target, name)
                if reason is not None:
                    raise InvalidState(f"{reason}; try another channel or later.", reason=reason)
            consultation = await work.create(channel=name, kind=InteractionKind.CONSULTATION,
                                             state=InteractionState.ACTIVE, parent_id=parent.id, created_at=work.now)
            await work.add_party(consultation, PartyRole.OWNER, PartyState.CONNECTED, user_id=actor.user_id)
            # Recorded once the agent is on it, so that its own stream carries it.
            work.record(consultation, "ConsultationStarted", parentId=parent.id, targetName=target.name)
            await self.engine.routing.open(work, consultation, OfferPurpose.CONSULT, target,
                                           requester_id=actor.user_id, parent_interaction_id=parent.id)
            work.finish()
            return await snapshot(work, consultation)

    async def _consultation(self, work: Work, actor: Actor, consultation_id: int) -> tuple[Interaction, Party]:
        consultation = await work.interaction(consultation_id)
        rules.require_visible(actor, await work.parties(consultation), consultation_id)
        if consultation.kind is not InteractionKind.CONSULTATION:
            raise InvalidInput(f"Interaction {consultation_id} is not a consultation.", field="consultationId")
        leg = rules.require_leg(actor, await work.parties(consultation), consultation_id, rules.ON_CALL,
                                "act on this consultation")
        return consultation, leg

    async def end_and_retrieve(self, actor: Actor, consultation_id: int) -> InteractionView:
        """CON4: ends the consultation and takes the original interaction back."""
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            consultation, leg = await self._consultation(work, actor, consultation_id)
            parent = await self._live_parent(work, consultation, "retrieve; end the consultation with release")
            await work.end(consultation, "ended_by_agent")
            await self._retrieve_parent(work, parent, actor.user_id)
            work.finish()
            return await snapshot(work, parent)

    async def complete(self, actor: Actor, consultation_id: int, how: Completion) -> InteractionView:
        """CON7: one step from a consultation to a transfer or a conference."""
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            consultation, leg = await self._consultation(work, actor, consultation_id)
            if leg.role is not PartyRole.OWNER:
                raise InvalidState("Only the agent who started the consultation can complete it.")
            consulted = next((p for p in await work.parties(consultation)
                              if p.role is PartyRole.CONSULTED and p.state in rules.ON_CALL), None)
            if consulted is None:
                raise InvalidState("The consulted member has not accepted the consultation.")
            parent = await self._live_parent(work, consultation, f"complete as a {how.value}")
            mine = rules.require_leg(actor, await work.parties(parent), parent.id, rules.ON_CALL,
                                     f"complete the consultation as a {how.value}")
            if how is Completion.TRANSFER:
                await require_transferable(work, parent)
            else:
                work.channel(parent).require(Operation.CONFERENCE)
                if not rules.conference_has_room(await work.parties(parent), self.engine.options.conference_max_parties):
                    raise InvalidState(f"A conference has at most {self.engine.options.conference_max_parties} parties.")
            user_id = consulted.user_id
            await work.end(consultation, f"completed_as_{how.value}")
            if how is Completion.TRANSFER:
                joined = await work.add_party(parent, PartyRole.OWNER, PartyState.CONNECTED, user_id=user_id)
                await work.set_state(parent, mine, PartyState.LEFT, because="transferred")
                work.record(parent, "Transferred", fromUserId=actor.user_id, toUserId=user_id)
            else:
                joined = await work.add_party(parent, PartyRole.PARTICIPANT, PartyState.CONNECTED, user_id=user_id)
                await self._retrieve_parent(work, parent, actor.user_id)
                work.record(parent, "ConferenceJoined", partyId=joined.id, userId=user_id)
            work.finish()
            return await snapshot(work, parent)

    @staticmethod
    async def _live_parent(work: Work, consultation: Interaction, doing: str) -> Interaction:
        """The interaction the consultation is about, refused by name when it has ended
        (the customer hung up meanwhile): the real cause, not "you are not on it"."""
        parent = await work.interaction(consultation.parent_id)
        if parent.state is InteractionState.ENDED:
            raise InvalidState(f"The interaction {parent.id} this consultation is about has ended "
                               f"({parent.end_reason or 'ended'}): there is nothing to {doing}.", state="ENDED")
        return parent

    async def _retrieve_parent(self, work: Work, parent: Interaction, user_id: int) -> None:
        leg = rules.leg_of(user_id, await work.parties(parent))
        if leg is not None and leg.state is PartyState.HELD and parent.state is not InteractionState.ENDED:
            await self.engine.behaviour(parent.channel).retrieve(parent, leg)
            await work.set_state(parent, leg, PartyState.CONNECTED, because="retrieve")

    # -- the offer handler ---------------------------------------------------------------

    async def accepted(self, work: Work, offer: Offer, consultation: Interaction, party: Party) -> None:
        """The consulted member is connected; nothing changes on the customer's side."""

    async def failed(self, work: Work, offer: Offer, consultation: Interaction) -> None:
        """CON8: the attempt ends with its reason; nothing is retrieved: every call that was
        held stays held with its owner, who takes back whichever one they choose."""
        await work.end(consultation, f"not_answered:{offer.state.value}")
