"""Inbound customer contacts: an integration (or `backline simulate call`) creates one at an
agent, group, queue or routing point; it rings one available agent or waits (GRP3, GRP4).
Once an agent accepts it, that agent owns it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from core.errors import InvalidInput, PermissionDenied
from core.identity.actor import Actor
from core.interactions import availability, targets
from core.interactions.models import (
    Interaction, InteractionKind, InteractionState, Offer, OfferPurpose, Party, PartyRole, PartyState,
)
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine

MAX_ENTRIES = 50
MAX_TEXT = 500


def clean_data(data: Mapping[str, Any] | None, field: str) -> dict[str, str]:
    """Attached data and contact details: a bounded map of short strings (SEC2)."""
    data = dict(data or {})
    if len(data) > MAX_ENTRIES:
        raise InvalidInput(f"At most {MAX_ENTRIES} {field} entries.", field=field)
    cleaned = {}
    for key, value in data.items():
        if not isinstance(key, str) or not key or len(key) > 80:
            raise InvalidInput(f"A {field} key is 1 to 80 characters.", field=field)
        text = "" if value is None else str(value)
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"A {field} value is at most {MAX_TEXT} characters.", field=field)
        cleaned[key] = text
    return cleaned


class Inbound:
    offers_next_agent = True  # a decline or no answer offers the contact to the next agent

    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine

    async def create(self, actor: Actor, channel: str, caller: str, to: str,
                     context: Mapping[str, Any] | None = None,
                     contact: Mapping[str, Any] | None = None) -> InteractionView:
        if not self.engine.may_integrate(actor):
            raise PermissionDenied("Your role may not create customer contacts.")
        self.engine.channels.get(channel)
        caller = (caller or "").strip()
        if not caller or len(caller) > 160:
            raise InvalidInput("The caller's address is 1 to 160 characters.", field="from")
        context, contact = clean_data(context, "context"), clean_data(contact, "contact")
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            target = await targets.target_by_destination(work.rows, to)
            interaction = await work.create(channel=channel, kind=InteractionKind.CUSTOMER,
                                            state=InteractionState.ROUTING, inbound=True, destination=to[:160],
                                            context=context, contact=contact, created_at=work.now)
            work.record(interaction, "InteractionCreated", caller=caller, destination=to, targetName=target.name)
            await work.add_party(interaction, PartyRole.CUSTOMER, PartyState.HELD, address=caller,
                                 display_name=contact.get("name") or caller)
            if targets.is_person(target):
                reason = await availability.unavailable_reason(work, target, channel)
                if reason is not None:
                    await self._unreachable_person(work, interaction, target, caller, reason)
                    work.finish()
                    return await snapshot(work, interaction)
            await self.engine.routing.open(work, interaction, OfferPurpose.ROUTE, target, requester_id=None)
            work.finish()
            return await snapshot(work, interaction)

    async def _unreachable_person(self, work: Work, interaction: Interaction, target, caller: str,
                                  reason: str) -> None:
        if not availability.voicemail_possible(work, interaction):
            raise availability.refuse(reason, interaction.channel)
        await availability.deposit_voicemail(work, interaction, target, caller)
        work.record(interaction, "VoicemailDeposited", mailboxUserId=target.user_id, reason=reason)
        await work.end(interaction, "voicemail")

    async def hang_up(self, actor: Actor, interaction_id: int) -> InteractionView:
        """The customer hangs up (an integration reports it)."""
        if not self.engine.may_integrate(actor):
            raise PermissionDenied("Your role may not act for customers.")
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            customer = next((p for p in await work.parties(interaction)
                             if p.role is PartyRole.CUSTOMER and p.state is not PartyState.LEFT), None)
            if customer is None:
                raise InvalidInput("This interaction has no customer on it.", field="interactionId")
            await work.leave(interaction, customer, reason="customer_hung_up")
            if interaction.state is not InteractionState.ENDED and not any(
                    p.state in (PartyState.CONNECTED, PartyState.HELD) for p in await work.parties(interaction)):
                await work.end(interaction, "customer_hung_up")
            work.finish()
            return await snapshot(work, interaction)

    # -- the offer handler ---------------------------------------------------------------

    async def accepted(self, work: Work, offer: Offer, interaction: Interaction, party: Party) -> None:
        await work.set_role(interaction, party, PartyRole.OWNER)
        if interaction.state is InteractionState.ROUTING:
            interaction.state = InteractionState.ACTIVE
            work.record(interaction, "InteractionStarted", ownerId=party.user_id)
        await work.refresh_customer(interaction)

    async def failed(self, work: Work, offer: Offer, interaction: Interaction) -> None:
        await work.end(interaction, f"not_answered:{offer.state.value}")
