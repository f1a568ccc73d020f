"""Single-step transfer (TRF1): the customer waits on hold (TRF3) while the target is
offered the interaction with its context (TRF2); a group with nobody available waits (TRF4);
a person who cannot take it gets a voicemail where voicemail is enabled, else the transfer is
refused with the reason (TRF5). A decline or no answer leaves the customer held with the
agent, who retrieves by hand: nothing is retrieved automatically."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.channels import Operation
from core.errors import InvalidInput, InvalidState
from core.identity.actor import Actor
from core.interactions import availability, rules, targets
from core.interactions.models import (
    Interaction, InteractionState, Offer, OfferPurpose, Party, PartyRole, PartyState,
)
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine


async def require_transferable(work: Work, interaction: Interaction) -> None:
    caps = work.channel(interaction).capabilities
    work.channel(interaction).require(Operation.TRANSFER)
    if caps.transfer_inbound_only and not interaction.inbound:
        raise InvalidState(f"Only an inbound {interaction.channel} interaction can be transferred.")
    if not rules.handed_on(interaction, await work.parties(interaction)) or interaction.state is not InteractionState.ACTIVE:
        raise InvalidState("Only an active customer interaction or a call between agents can be transferred.")


class Transfers:
    offers_next_agent = False

    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine

    async def single_step(self, actor: Actor, interaction_id: int, target_id: int) -> InteractionView:
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            leg = rules.require_leg(actor, await work.parties(interaction), interaction_id,
                                    rules.ON_CALL, "transfer it")
            await require_transferable(work, interaction)
            if leg.role is not PartyRole.OWNER:
                raise InvalidState("Only the agent who owns the interaction can transfer it.")
            if any(o.purpose is OfferPurpose.TRANSFER for o in await work.open_offers(interaction)):
                raise InvalidState("A transfer of this interaction is already pending.")
            target = await targets.target_by_id(work.rows, target_id)
            if targets.is_person(target):
                if target.user_id == actor.user_id:
                    raise InvalidInput("You cannot transfer to yourself.", field="targetId")
                if rules.leg_of(target.user_id, await work.parties(interaction)) is not None:
                    raise InvalidState(f"{target.name} is already on this interaction.")
                reason = await availability.unavailable_reason(work, target, interaction.channel)
                if reason is not None:
                    await self.engine.directory.note_used(uow, actor.user_id, target.id, at=work.now)
                    await self._to_voicemail(work, interaction, leg, target, reason)
                    work.finish()
                    return await snapshot(work, interaction)
            if leg.state is PartyState.CONNECTED and work.channel(interaction).capabilities.supports(Operation.HOLD):
                await self.engine.behaviour(interaction.channel).hold(interaction, leg)
                await work.set_state(interaction, leg, PartyState.HELD, because="transfer_pending")
            await self.engine.routing.open(work, interaction, OfferPurpose.TRANSFER, target, requester_id=actor.user_id)
            work.finish()
            return await snapshot(work, interaction)

    async def _to_voicemail(self, work: Work, interaction: Interaction, leg: Party, target, reason: str) -> None:
        if not availability.voicemail_possible(work, interaction):
            raise availability.refuse(reason, interaction.channel)
        caller = next((p.address for p in await work.parties(interaction) if p.role is PartyRole.CUSTOMER), None)
        await availability.deposit_voicemail(work, interaction, target, caller or "unknown")
        work.record(interaction, "TransferredToVoicemail", mailboxUserId=target.user_id, reason=reason)
        await work.end(interaction, "transferred_to_voicemail")

    # -- the offer handler ---------------------------------------------------------------

    async def accepted(self, work: Work, offer: Offer, interaction: Interaction, party: Party) -> None:
        previous = rules.leg_of(offer.requester_id, await work.parties(interaction))
        await work.set_role(interaction, party, PartyRole.OWNER)
        if previous is not None:
            await work.set_state(interaction, previous, PartyState.LEFT, because="transferred")
        work.record(interaction, "Transferred", fromUserId=offer.requester_id, toUserId=party.user_id)

    async def failed(self, work: Work, offer: Offer, interaction: Interaction) -> None:
        """TRF3: the customer stays on hold with the agent; the outcome is on the offer."""
