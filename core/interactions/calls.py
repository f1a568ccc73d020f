"""Per-leg commands any channel may offer: hold, retrieve (alternate), release, DTMF digits,
attached data. Each asks the channel's capabilities first (CH4) and its behaviour second."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from core.channels import Operation
from core.errors import InvalidState
from core.identity.actor import Actor
from core.interactions import rules
from core.interactions.inbound import clean_data
from core.interactions.models import InteractionKind, InteractionState, PartyState
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine


class Calls:
    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine

    async def hold(self, actor: Actor, interaction_id: int) -> InteractionView:
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            rules.require_visible(actor, await work.parties(interaction), interaction_id)
            work.channel(interaction).require(Operation.HOLD)
            leg = rules.require_leg(actor, await work.parties(interaction), interaction_id,
                                    (PartyState.CONNECTED,), "hold")
            await self.engine.behaviour(interaction.channel).hold(interaction, leg)
            await work.set_state(interaction, leg, PartyState.HELD, because="hold")
            work.finish()
            return await snapshot(work, interaction)

    async def retrieve(self, actor: Actor, interaction_id: int, alternating: bool = False) -> InteractionView:
        """Takes a held interaction back; on voice the agent's other call goes on hold, so
        retrieving one of two calls alternates between them (CON4). `alternating`: asked as
        a switch, refused by name when this is already the call the agent is on."""
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            rules.require_visible(actor, await work.parties(interaction), interaction_id)
            work.channel(interaction).require(Operation.HOLD)
            parties = await work.parties(interaction)
            mine = rules.leg_of(actor.user_id, parties)
            if alternating and mine is not None and mine.state is PartyState.CONNECTED:
                raise InvalidState(f"Interaction {interaction_id} is the call you are on: alternate switches to "
                                   "a held call, and this one is not held.", state=mine.state.value)
            leg = rules.require_leg(actor, parties, interaction_id, (PartyState.HELD,), "retrieve")
            await self.engine.behaviour(interaction.channel).retrieve(interaction, leg)
            await work.set_state(interaction, leg, PartyState.CONNECTED, because="retrieve")
            work.finish()
            return await snapshot(work, interaction)

    async def release(self, actor: Actor, interaction_id: int) -> InteractionView:
        """Hang up / leave: the interaction ends or goes on for the others (CON5, CNF4, CNF5)."""
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            leg = rules.require_leg(actor, await work.parties(interaction), interaction_id,
                                    rules.ON_CALL, "release")
            await self.engine.behaviour(interaction.channel).release(interaction, leg)
            await work.leave(interaction, leg)
            work.finish()
            return await snapshot(work, interaction)

    async def send_dtmf(self, actor: Actor, interaction_id: int, digits: str) -> InteractionView:
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            rules.require_visible(actor, await work.parties(interaction), interaction_id)
            work.channel(interaction).require(Operation.DTMF)
            leg = rules.require_leg(actor, await work.parties(interaction), interaction_id,
                                    (PartyState.CONNECTED,), "send digits")
            sent = await self.engine.behaviour(interaction.channel).send_dtmf(interaction, leg, digits)
            # The digits may be a PIN: the history keeps how many, not which.
            work.record(interaction, "DtmfSent", partyId=leg.id, count=len(sent))
            if interaction.kind is InteractionKind.INTERNAL:  # e.g. a voicemail PIN (VM2)
                await self.engine.internal.digits(work, interaction, actor.user_id, sent)
            work.finish()
            return await snapshot(work, interaction)

    async def attach_data(self, actor: Actor, interaction_id: int, data: Mapping[str, Any],
                          remove: list[str] | None = None) -> InteractionView:
        """Adds or replaces context entries (and removes some); it travels along (TRF2)."""
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            rules.require_leg(actor, await work.parties(interaction), interaction_id,
                              rules.ON_CALL, "change its data")
            if interaction.state is InteractionState.ENDED:
                raise InvalidState("The interaction has ended.")
            context = dict(interaction.context)
            context.update(clean_data(data, "context"))
            for key in remove or []:
                context.pop(key, None)
            context = clean_data(context, "context")
            interaction.context = context
            work.record(interaction, "ContextChanged", keys=sorted(set(data) | set(remove or [])))
            work.finish()
            return await snapshot(work, interaction)
