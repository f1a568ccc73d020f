"""Supervision over GraphQL (SUP1-SUP3): start monitoring an agent's interaction or its next
calls (MONITOR, COACH, BARGE), switch mode, stop; the live interactions of the teams the
caller supervises; and, for integrations, what the customer's side may receive."""

from __future__ import annotations

from datetime import datetime
from typing import AsyncGenerator

import strawberry
from strawberry.relay import PageInfo, to_base64
from strawberry.types.info import Info

from core.errors import BacklineError
from core.interactions import rules
from core.interactions.hearing import MODE_OF_ROLE, Mode
from core.interactions.models import Party as CoreParty
from core.interactions.view import InteractionView
from core.interactions.work import TOPIC
from core.supervision.customer import customer_may_see
from core.supervision.models import Scope
from core.supervision.service import SupervisionView
from core.supervision.teams import concerns, watched_teams
from schema.arguments import cursor_id, int_id, page_size, sid
from schema.errors import attempt, result_union
from schema.interaction_events import CUSTOMER_HIDDEN_PAYLOAD, InteractionEvent, event_of
from schema.interactions import Interaction, InteractionResult, run
from schema.streams import CURSOR_HELP, PAGE, After, at, every_page, following
from schema.supervision_mode import SupervisionMode

SupervisionScope = strawberry.enum(Scope, name="SupervisionScope", description=(
    "INTERACTION: one interaction. NEXT_CALLS: every new interaction of the agent, until stopped."))


@strawberry.type(description="Who hears a party and whom it hears, as the server decides (CNF6, SUP1, SUP2): "
                             "a front end renders it and holds no rule of its own.")
class PartyHearing:
    party_id: strawberry.ID
    supervision_mode: SupervisionMode | None = strawberry.field(
        description="For a supervisor's party: its mode.")
    hears: list[strawberry.ID]
    heard_by: list[strawberry.ID]


def hearing_of(parties: list[CoreParty]) -> list[PartyHearing]:
    hearing = rules.hears(parties)
    return [PartyHearing(party_id=sid(p.id), supervision_mode=MODE_OF_ROLE.get(p.role),
                         hears=[sid(i) for i in hearing.get(p.id, [])],
                         heard_by=[sid(i) for i in rules.heard_by(p, hearing)])
            for p in parties]


@strawberry.type(description="An interaction as a supervisor sees it: every party, with who hears whom.")
class SupervisedInteraction:
    interaction: Interaction
    hearing: list[PartyHearing]
    cursor: str | None = strawberry.field(default=None, description=CURSOR_HELP)

    @classmethod
    def of(cls, view: InteractionView) -> "SupervisedInteraction":
        return cls(interaction=Interaction.of(view), hearing=hearing_of(view.parties))


@strawberry.type(description="A supervisor's monitoring of an agent: one interaction or its next calls.")
class Supervision:
    id: strawberry.ID
    supervisor_id: strawberry.ID
    agent_id: strawberry.ID
    mode: SupervisionMode
    scope: SupervisionScope
    interaction_id: strawberry.ID | None
    active: bool
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    interactions: list[SupervisedInteraction] = strawberry.field(
        description="The interactions the supervisor is on for it now (the one interaction once ended).")

    @classmethod
    def of(cls, view: SupervisionView) -> "Supervision":
        s = view.supervision
        return cls(id=sid(s.id), supervisor_id=sid(s.supervisor_id), agent_id=sid(s.agent_id), mode=s.mode,
                   scope=s.scope, interaction_id=sid(s.interaction_id), active=s.active, started_at=s.started_at,
                   ended_at=s.ended_at, end_reason=s.end_reason,
                   interactions=[SupervisedInteraction.of(v) for v in view.interactions])


@strawberry.type
class SupervisedInteractionEdge:
    cursor: str
    node: SupervisedInteraction


@strawberry.type
class SupervisedInteractionConnection:
    edges: list[SupervisedInteractionEdge]
    page_info: PageInfo


SupervisionResult = result_union("SupervisionResult", Supervision)


def optional_id(value: strawberry.ID | None, field: str) -> int | None:
    return None if value is None else int_id(value, field)


@strawberry.type
class Query:
    @strawberry.field(description="My supervisions that are still on.")
    async def my_supervisions(self, info: Info) -> list[Supervision]:
        ctx = info.context
        return [Supervision.of(v) for v in await ctx.backline.supervision.mine(ctx.actor)]

    @strawberry.field(description="Live interactions of the teams I supervise (one with teamId), newest "
                                  "first (SUP3). Supervisors and administrators only.")
    async def team_interactions(self, info: Info, team_id: strawberry.ID | None = None, first: int | None = None,
                                after: str | None = None) -> SupervisedInteractionConnection:
        ctx = info.context
        views, has_next = await ctx.backline.supervision.teams.page(
            ctx.actor, optional_id(team_id, "teamId"), page_size(info, first),
            cursor_id(after, "SupervisedInteraction"))
        edges = [SupervisedInteractionEdge(cursor=to_base64("SupervisedInteraction", v.interaction.id),
                                           node=SupervisedInteraction.of(v)) for v in views]
        return SupervisedInteractionConnection(edges=edges, page_info=PageInfo(
            has_next_page=has_next, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="Integrations: the interaction as its customer may know it — no monitor, "
                                  "no coach (SUP1, SUP2).")
    async def customer_view(self, info: Info, interaction_id: strawberry.ID) -> Interaction:
        ctx = info.context
        return Interaction.of(await ctx.backline.supervision.customer_view(
            ctx.actor, int_id(interaction_id, "interactionId")))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Supervise an agent: one interaction (interactionId) or its next calls "
                                     "(none given), silently (MONITOR), talking to the agent only (COACH) or "
                                     "as a full party (BARGE). Supervisors of the agent's team and "
                                     "administrators only (SUP3).")
    async def start_monitoring(self, info: Info, agent_id: strawberry.ID, mode: SupervisionMode = Mode.MONITOR,
                               interaction_id: strawberry.ID | None = None) -> SupervisionResult:
        ctx = info.context
        return await attempt(lambda: ctx.backline.supervision.start(
            ctx.actor, int_id(agent_id, "agentId"), Mode(mode), optional_id(interaction_id, "interactionId")),
            Supervision.of)

    @strawberry.mutation(description="Switch between monitor, coach and barge-in.")
    async def switch_supervision_mode(self, info: Info, supervision_id: strawberry.ID,
                                      mode: SupervisionMode) -> SupervisionResult:
        ctx = info.context
        return await attempt(lambda: ctx.backline.supervision.switch(
            ctx.actor, int_id(supervision_id, "supervisionId"), Mode(mode)), Supervision.of)

    @strawberry.mutation(description="Stop supervising: the supervisor leaves the calls; they go on.")
    async def stop_monitoring(self, info: Info, supervision_id: strawberry.ID) -> SupervisionResult:
        ctx = info.context
        return await attempt(lambda: ctx.backline.supervision.stop(
            ctx.actor, int_id(supervision_id, "supervisionId")), Supervision.of)


    @strawberry.mutation(description="IM the agent you supervise, during its interaction: an instant-message "
                                     "request it accepts (IM1), where instant messages are enabled (IM4). The "
                                     "customer never sees it.")
    async def message_monitored_agent(self, info: Info, supervision_id: strawberry.ID,
                                      text: str) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.supervision.message_agent(
            ctx.actor, int_id(supervision_id, "supervisionId"), text))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="The live interactions of the teams I supervise (one with teamId) "
                                         "now, then each one again whenever it changes (SUP3).")
    async def team_interactions(self, info: Info, team_id: strawberry.ID | None = None, after: After = None
                                ) -> AsyncGenerator[SupervisedInteraction, None]:
        actor = info.context.actor
        backline = info.context.backline
        wanted = optional_id(team_id, "teamId")
        teams = watched_teams(actor, wanted)
        async with following(backline, {TOPIC}, after) as stream:
            if not stream.resumed:
                views, _ = await backline.supervision.teams.page(actor, wanted, backline.settings.max_page_size)
                for view in reversed(views):
                    yield at(SupervisedInteraction.of(view), stream.head)
            async for event in stream:
                if concerns(event, teams):
                    try:  # as it is now: a replayed event shows the interaction's latest state
                        view = await backline.interactions.reading.get(actor, event.payload["interactionId"])
                    except BacklineError:  # gone or no longer readable: nothing to show
                        continue
                    yield at(SupervisedInteraction.of(view), event.id)

    @strawberry.subscription(description="Integrations: what the customer's side of an interaction may receive, "
                                         "its history first — nothing of a monitor or coach (SUP1, SUP2) nor of "
                                         "a consultation (CON2).")
    async def customer_interaction_events(self, info: Info, interaction_id: strawberry.ID, after: After = None
                                          ) -> AsyncGenerator[InteractionEvent, None]:
        actor = info.context.actor
        backline = info.context.backline
        wanted = int_id(interaction_id, "interactionId")
        await backline.supervision.customer_view(actor, wanted)  # who may ask, and that it is a customer's
        async with following(backline, {TOPIC}, after) as stream:
            if not stream.resumed:
                async for event in every_page(
                        lambda since: backline.interactions.reading.history(actor, wanted, PAGE, since)):
                    stream.passed(event.id)
                    if customer_may_see(event, wanted):
                        yield at(event_of(event, CUSTOMER_HIDDEN_PAYLOAD), event.id)
            async for event in stream:
                if customer_may_see(event, wanted):
                    yield at(event_of(event, CUSTOMER_HIDDEN_PAYLOAD), event.id)
