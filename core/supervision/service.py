"""Supervision commands (SUP1-SUP3): start monitoring an agent — one interaction, or its
next calls until stopped — in MONITOR, COACH or BARGE mode; switch mode; stop. Only a
supervisor of the agent's team or an administrator may (SUP3).

The supervisor's presence on a call is a party of the interaction whose role names the mode
(core.interactions.hearing says who hears it and who may know of it); this service keeps the
`Supervision` rows and those parties in step, in one unit of work per command."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select as sa_select
from sqlmodel import col, select

from core.channels import Audience as ChannelAudience
from core.directory.models import Target
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from core.identity.actor import Actor
from core.identity.models import User
from core.interactions import rules
from core.interactions.hearing import (
    ROLE_OF_MODE, SUPERVISOR_ROLES, Mode, audience_of,
)
from core.interactions.models import Interaction, InteractionKind, InteractionState, Party, PartyState
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work
from core.supervision.customer import as_customer_sees
from core.supervision.following import Following
from core.supervision.models import Scope, Supervision
from core.supervision.teams import TeamInteractions

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine
    from core.transcripts.internal import InternalRequests


@dataclass(frozen=True)
class SupervisionView:
    supervision: Supervision
    # The interactions the supervisor is on for it now, as the supervisor sees them.
    interactions: list[InteractionView]


def require_may_supervise(actor: Actor, agent: User) -> None:
    if not actor.may_supervise_team(agent.team_id):
        raise PermissionDenied("Only a supervisor of the agent's team or an administrator may supervise it.")


class SupervisionService:
    """`instant_messages`: where a supervisor's IM to the agent is written (IM4)."""

    def __init__(self, engine: "InteractionEngine", instant_messages: "InternalRequests") -> None:
        self.engine, self.store, self.clock = engine, engine.store, engine.clock
        self.instant_messages = instant_messages
        self.teams = TeamInteractions(self.engine)
        self.following = Following(self.engine, self)  # an agent's next calls; ONE-interaction supervisions ending

    async def start_listening(self) -> None:
        await self.following.start()

    async def stop_listening(self) -> None:
        await self.following.stop()

    async def settle(self, timeout: float = 30.0) -> None:
        """Until every interaction event published so far has been followed (tests, CLI)."""
        await self.following.settle(timeout)

    @property
    def tell_agent(self) -> bool:
        return self.engine.options.tell_agent_when_monitored

    # -- commands ------------------------------------------------------------------------

    async def start(self, actor: Actor, agent_id: int, mode: Mode,
                    interaction_id: int | None = None) -> SupervisionView:
        """With an interaction: join it now. Without: join each new interaction of the agent
        until stopped (its "next calls")."""
        async with self.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            agent = await work.session.get(User, agent_id)
            if agent is None:
                raise NotFound(f"No agent with id {agent_id}.")
            require_may_supervise(actor, agent)
            if agent.id == actor.user_id:
                raise InvalidInput("You cannot supervise yourself.", field="agentId")
            supervision = Supervision(supervisor_id=actor.user_id, agent_id=agent_id, mode=mode,
                                      scope=Scope.INTERACTION if interaction_id is not None else Scope.NEXT_CALLS,
                                      interaction_id=interaction_id, started_at=work.now)
            if interaction_id is not None:
                interaction = await work.interaction(interaction_id)
                rules.require_visible(actor, await work.parties(interaction), interaction_id)  # SEC5
                await self.join(work, interaction, supervision, strict=True)
            else:
                await self._require_not_watching(work, actor.user_id, agent_id)
            work.session.add(supervision)
            await work.session.flush()
            work.finish()
            return await self._view(work, supervision)

    async def switch(self, actor: Actor, supervision_id: int, mode: Mode) -> SupervisionView:
        """Monitor, coach and barge in are one supervision in different modes."""
        async with self.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            supervision = await self._mine(work, actor, supervision_id)
            if supervision.mode is not mode:
                previous = supervision.mode
                supervision.mode = mode
                work.session.add(supervision)
                for interaction, party in await self._live_parties(work, supervision):
                    await self._set_mode(work, interaction, party, mode, previous)
            work.finish()
            return await self._view(work, supervision)

    async def stop(self, actor: Actor, supervision_id: int) -> SupervisionView:
        async with self.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            supervision = await self._mine(work, actor, supervision_id)
            for interaction, party in await self._live_parties(work, supervision):
                await work.leave(interaction, party, reason="supervision_stopped")
            self.end(work, supervision, "stopped")
            work.finish()
            return await self._view(work, supervision)

    async def message_agent(self, actor: Actor, supervision_id: int, text: str) -> InteractionView:
        """IM the supervised agent while supervising it: an instant-message request on the
        channel for conversations between agents, where one is enabled (IM4)."""
        channel = next((ch for ch in self.engine.channels if ch.capabilities.audience is ChannelAudience.INTERNAL),
                       None)
        if channel is None:
            raise InvalidState("Instant messages are not enabled.")
        async with self.store.read() as session:
            supervision = await session.get(Supervision, supervision_id)
            if supervision is None or supervision.supervisor_id != actor.user_id:
                raise NotFound(f"No supervision {supervision_id} of yours.")
            if not supervision.active:
                raise InvalidState("This supervision has ended.")
            target = (await session.exec(select(Target).where(Target.user_id == supervision.agent_id))).first()
        if target is None:
            raise NotFound("The agent is not in the directory.")
        return await self.instant_messages.request(actor, channel.name, target.id, text)

    async def mine(self, actor: Actor) -> list[SupervisionView]:
        """The caller's supervisions that are still on, oldest first."""
        async with self.store.write() as uow:  # a snapshot per supervision reads through a Work
            work = Work(self.engine, uow, actor.user_id)
            rows = (await work.session.exec(
                select(Supervision).where(Supervision.supervisor_id == actor.user_id, col(Supervision.active))
                .order_by(col(Supervision.id)))).all()
            return [await self._view(work, row) for row in rows]

    # -- joining and modes ---------------------------------------------------------------

    async def join(self, work: Work, interaction: Interaction, supervision: Supervision,
                    strict: bool) -> Party | None:
        """Adds the supervisor's party; `strict` raises where the "next calls" listener skips."""
        parties = await work.parties(interaction)
        agent_leg = rules.leg_of(supervision.agent_id, parties)
        problem = None
        if interaction.state is InteractionState.ENDED:
            problem = InvalidState(f"Interaction {interaction.id} has ended.")
        elif agent_leg is None or agent_leg.state not in rules.ON_CALL:
            problem = InvalidState(f"The agent is not on interaction {interaction.id}.")
        elif rules.leg_of(supervision.supervisor_id, parties) is not None:
            problem = InvalidState(f"You are already on interaction {interaction.id}.")
        if problem is not None:
            if strict:
                raise problem
            return None
        party = await work.add_party(interaction, ROLE_OF_MODE[supervision.mode], PartyState.CONNECTED,
                                     user_id=supervision.supervisor_id)
        party.supervised_user_id = supervision.agent_id
        work.record(interaction, "SupervisionStarted", partyId=party.id, supervisorId=supervision.supervisor_id,
                    agentId=supervision.agent_id, mode=supervision.mode.value)
        return party

    async def _set_mode(self, work: Work, interaction: Interaction, party: Party, mode: Mode,
                        previous: Mode) -> None:
        """Who may know of the party can widen (a barge-in: the customer sees a new party)
        or narrow (back to silent: the party is withdrawn from their view)."""
        before = audience_of(party, self.tell_agent)
        party.role = ROLE_OF_MODE[mode]
        after = audience_of(party, self.tell_agent)
        work.record(interaction, "SupervisionModeChanged", partyId=party.id, mode=mode.value,
                    previous=previous.value, knownTo=min(before, after).label)
        if after > before:
            work.record(interaction, "PartyAdded", partyId=party.id, userId=party.user_id, role=party.role.value,
                        state=party.state.value, displayName=party.display_name, knownTo=after.label)
        elif after < before:
            work.record(interaction, "PartyWithdrawn", partyId=party.id, userId=party.user_id,
                        knownTo=before.label)
        await work.refresh_customer(interaction)

    async def _live_parties(self, work: Work, supervision: Supervision) -> list[tuple[Interaction, Party]]:
        if not supervision.active:
            raise InvalidState("This supervision has ended.")
        table = Party.__table__
        query = sa_select(Party).where(table.c.user_id == supervision.supervisor_id,
                                       table.c.supervised_user_id == supervision.agent_id,
                                       table.c.state.in_(rules.LIVE),
                                       table.c.role.in_(SUPERVISOR_ROLES))
        if supervision.interaction_id is not None:
            query = query.where(table.c.interaction_id == supervision.interaction_id)
        found = []
        for row in await work.rows.all(Party, query.order_by(table.c.id)):
            interaction = await work.interaction(row.interaction_id)
            found.append((interaction, next(p for p in await work.parties(interaction) if p.id == row.id)))
        return found

    # -- helpers -------------------------------------------------------------------------

    async def _mine(self, work: Work, actor: Actor, supervision_id: int) -> Supervision:
        supervision = await work.session.get(Supervision, supervision_id)
        if supervision is None or (supervision.supervisor_id != actor.user_id and not actor.is_administrator):
            raise NotFound(f"No supervision {supervision_id} of yours.")
        return supervision

    async def _require_not_watching(self, work: Work, supervisor_id: int, agent_id: int) -> None:
        existing = (await work.session.exec(select(Supervision).where(
            Supervision.supervisor_id == supervisor_id, Supervision.agent_id == agent_id,
            Supervision.scope == Scope.NEXT_CALLS, col(Supervision.active)))).first()
        if existing is not None:
            raise InvalidState(f"You already monitor this agent's next calls (supervision {existing.id}).")

    def end(self, work: Work, supervision: Supervision, reason: str) -> None:
        supervision.active = False
        supervision.ended_at = work.now
        supervision.end_reason = reason
        work.session.add(supervision)

    async def _view(self, work: Work, supervision: Supervision) -> SupervisionView:
        views = []
        if supervision.active:
            for interaction, _ in await self._live_parties(work, supervision):
                views.append(await snapshot(work, interaction))
        elif supervision.interaction_id is not None:
            views.append(await snapshot(work, await work.interaction(supervision.interaction_id)))
        return SupervisionView(supervision, views)

    # -- what the supervisor and the customer see ----------------------------------------

    async def customer_view(self, actor: Actor, interaction_id: int) -> InteractionView:
        """The interaction as its customer may know it, for the integration that relays it
        (a switch, a chat server): no monitor, no coach, no event about them (SUP1)."""
        if not self.engine.may_integrate(actor):
            raise PermissionDenied("Only an integration reads an interaction for its customer.")
        view = await self.engine.reading.get(actor, interaction_id)
        if view.interaction.kind is not InteractionKind.CUSTOMER:
            raise NotFound(f"No customer interaction with id {interaction_id}.")
        return as_customer_sees(view, self.tell_agent)

