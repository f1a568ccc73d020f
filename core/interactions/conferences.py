"""Conferences (CNF1-CNF8): add a person or a pool (or an outside number) to the customer's
interaction, the customer staying connected; the new party joins when it accepts. Leaving
is `Calls.release` (CNF4, CNF5 via rules.after_leave); removing needs the account's
permission (CNF7); muting is for everyone or towards one party (CNF6); a configured maximum
of parties (CNF8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.channels import Operation
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from core.identity.actor import Actor
from core.interactions import availability, rules, targets
from core.interactions.models import (
    Interaction, InteractionState, Offer, OfferPurpose, Party, PartyRole, PartyState,
)
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine

MAX_ADDRESS = 80


class Conferences:
    offers_next_agent = False

    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine

    async def add(self, actor: Actor, interaction_id: int, target_id: int | None = None,
                  address: str | None = None) -> InteractionView:
        if (target_id is None) == (address is None):
            raise InvalidInput("Give either a directory target or an outside address.", field="targetId")
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            parties = await work.parties(interaction)
            rules.require_leg(actor, parties, interaction_id, rules.ON_CALL, "add someone to it")
            work.channel(interaction).require(Operation.CONFERENCE)
            if not rules.handed_on(interaction, parties) or interaction.state is not InteractionState.ACTIVE:
                raise InvalidState("A conference is on an active customer interaction or a call between agents.")
            maximum = self.engine.options.conference_max_parties
            if not rules.conference_has_room(parties, maximum):
                raise InvalidState(f"A conference has at most {maximum} parties; this one is full.",
                                   maximum=maximum)
            if address is not None:
                await self._add_outside(work, interaction, address)
            else:
                target = await targets.target_by_id(work.rows, target_id)
                if targets.is_person(target):
                    if rules.leg_of(target.user_id, parties) is not None:
                        raise InvalidState(f"{target.name} is already on this interaction.")
                    reason = await availability.unavailable_reason(work, target, interaction.channel)
                    if reason is not None:
                        raise InvalidState(f"{reason}; try another channel or later.", reason=reason)
                await self.engine.routing.open(work, interaction, OfferPurpose.CONFERENCE, target,
                                               requester_id=actor.user_id)
            work.finish()
            return await snapshot(work, interaction)

    async def _add_outside(self, work: Work, interaction: Interaction, address: str) -> None:
        address = address.strip()
        if not address or len(address) > MAX_ADDRESS:
            raise InvalidInput(f"An outside address is 1 to {MAX_ADDRESS} characters.", field="address")
        name = await self.engine.behaviour(interaction.channel).dial_external(interaction, address)
        party = await work.add_party(interaction, PartyRole.EXTERNAL, PartyState.CONNECTED,
                                     address=address, display_name=name)
        work.record(interaction, "ConferenceJoined", partyId=party.id, userId=None, external=True)

    async def remove(self, actor: Actor, interaction_id: int, party_id: int) -> InteractionView:
        rules.require_may_remove(actor, self.engine.options.remove_participant_allowed)
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            parties = await work.parties(interaction)
            rules.require_visible(actor, parties, interaction_id)
            work.channel(interaction).require(Operation.CONFERENCE)
            party = self._party(parties, party_id)
            if not rules.removable(party):
                raise InvalidInput("Only a conference participant on the call can be removed.", field="partyId")
            party.removed = True
            await work.leave(interaction, party, reason="removed")
            work.finish()
            return await snapshot(work, interaction)

    async def mute(self, actor: Actor, interaction_id: int, party_id: int, muted: bool,
                   towards_party_id: int | None = None) -> InteractionView:
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            parties = await work.parties(interaction)
            rules.require_visible(actor, parties, interaction_id)
            leg = rules.leg_of(actor.user_id, parties)
            party = self._party(parties, party_id)
            if not rules.may_mute(actor, leg, party):
                raise PermissionDenied("Only the owner, a supervisor or the party itself can mute a party.")
            if towards_party_id is None:
                party.muted = muted
            else:
                towards = self._party(parties, towards_party_id)
                if towards.id == party.id:
                    raise InvalidInput("A party cannot be muted towards itself.", field="towardsPartyId")
                others = set(party.muted_towards)
                others.add(towards.id) if muted else others.discard(towards.id)
                party.muted_towards = sorted(others)
            work.record(interaction, "PartyMuted" if muted else "PartyUnmuted", partyId=party.id,
                        towardsPartyId=towards_party_id)
            work.finish()
            return await snapshot(work, interaction)

    @staticmethod
    def _party(parties: list[Party], party_id: int) -> Party:
        party = next((p for p in parties if p.id == party_id), None)
        if party is None:
            raise NotFound(f"No party {party_id} on this interaction.")
        return party

    # -- the offer handler ---------------------------------------------------------------

    async def accepted(self, work: Work, offer: Offer, interaction: Interaction, party: Party) -> None:
        work.record(interaction, "ConferenceJoined", partyId=party.id, userId=party.user_id)

    async def failed(self, work: Work, offer: Offer, interaction: Interaction) -> None:
        """The others go on as they were; the outcome is on the offer."""
