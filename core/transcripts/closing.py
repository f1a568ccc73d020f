"""Marking an interaction done (IM2, CH2), on channels whose close policy is
`when_all_agents_done`: the agent's side closes (it leaves, if still on it) and the
interaction ends once no agent is left on it nor on a consultation about it. The customer
leaving ends only the customer's side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlmodel import select as select_models

from core.channels import ClosePolicy
from core.errors import InvalidState, PermissionDenied, UnsupportedOperation
from core.identity.actor import Actor
from core.interactions import rules
from core.interactions.models import Interaction, InteractionState, PartyRole, PartyState
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work
from core.transcripts.models import DoneMark

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine

_INTERACTION = Interaction.__table__
_LIVE_CONSULTATIONS = (select(_INTERACTION.c.id).where(
    _INTERACTION.c.parent_id == bindparam("parent_id"), _INTERACTION.c.state != InteractionState.ENDED)
    .order_by(_INTERACTION.c.id))
_LIVE_CONSULTATION = _LIVE_CONSULTATIONS.limit(1)


class Closing:
    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine

    async def mark_done(self, actor: Actor, interaction_id: int) -> InteractionView:
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            parties = await work.parties(interaction)
            rules.require_visible(actor, parties, interaction_id)  # SEC5: before its channel
            channel = work.channel(interaction)
            if channel.capabilities.close_policy is not ClosePolicy.WHEN_ALL_AGENTS_DONE:
                raise UnsupportedOperation(channel.name, "mark done",
                                           f"The {channel.name} channel ends on release; it has no done step.")
            if not any(p.user_id == actor.user_id for p in parties):
                raise PermissionDenied(f"You are not a party to interaction {interaction_id}.")
            if await work.session.get(DoneMark, (interaction.id, actor.user_id)) is not None:
                raise InvalidState("You already marked this interaction done.")
            leg = rules.leg_of(actor.user_id, parties)
            if leg is not None and leg.state is PartyState.ALERTING:
                raise InvalidState("Accept or decline the request first.")
            await self._mark(work, interaction, parties, leg, actor.user_id)
            # CH2: one mark per agent. The owner's mark closes its side of the consultation
            # threads it is still on, too (no second mark on a thread it started).
            for (consultation_id,) in (await work.rows.execute(_LIVE_CONSULTATIONS,
                                                               {"parent_id": interaction.id})).all():
                consultation = await work.interaction(consultation_id)
                thread_parties = await work.parties(consultation)
                thread_leg = rules.leg_of(actor.user_id, thread_parties)
                if thread_leg is not None and thread_leg.state in rules.ON_CALL and await work.session.get(
                        DoneMark, (consultation.id, actor.user_id)) is None:
                    await self._mark(work, consultation, thread_parties, thread_leg, actor.user_id)
                    await self.close_if_done(work, consultation)
            await self.close_if_done(work, interaction)
            work.finish()
            return await snapshot(work, interaction)

    @staticmethod
    async def _mark(work: Work, interaction: Interaction, parties, leg, user_id: int) -> None:
        """The agent's mark: recorded, and its leg leaves (its side closes)."""
        work.session.add(DoneMark(interaction_id=interaction.id, user_id=user_id, done_at=work.now))
        if leg is not None:
            outcome = rules.after_leave(parties, leg, False)
            await work.set_state(interaction, leg, PartyState.LEFT, because="done")
            if outcome.new_owner is not None:
                await work.set_role(interaction, outcome.new_owner, PartyRole.OWNER)
        work.record(interaction, "MarkedDone", userId=user_id)

    async def close_if_done(self, work: Work, interaction: Interaction) -> None:
        if interaction.state is not InteractionState.ENDED and not await self._agents_on(work, interaction):
            await work.end(interaction, "done")
        if interaction.parent_id is not None and interaction.state is InteractionState.ENDED:
            parent = await work.interaction(interaction.parent_id)
            waits = work.channel(parent).capabilities.close_policy is ClosePolicy.WHEN_ALL_AGENTS_DONE
            if waits and parent.state is not InteractionState.ENDED and not await self._agents_on(work, parent):
                await work.end(parent, "done")

    async def _agents_on(self, work: Work, interaction: Interaction) -> bool:
        """Somebody of the company is still on it, or on a live consultation about it (CH2:
        the consulted members too)."""
        if any(p.user_id is not None and p.state in rules.ON_CALL for p in await work.parties(interaction)):
            return True
        live = (await work.rows.execute(_LIVE_CONSULTATION, {"parent_id": interaction.id})).first()
        return live is not None

    async def done_by(self, session, interaction_id: int) -> list[int]:
        rows = await session.exec(select_models(DoneMark.user_id).where(DoneMark.interaction_id == interaction_id))
        return sorted(rows.all())
