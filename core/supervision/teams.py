"""SUP3: a supervisor sees the live interactions of the teams it leads, and no others; an
administrator sees every team's. An interaction belongs to a team when an agent of that team
is on it (rings, talks or holds)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select

from core.errors import PermissionDenied
from core.events import Event
from core.identity.actor import Actor
from core.interactions import rules
from core.interactions.models import Interaction, InteractionState, Party
from core.interactions.reading import load_view
from core.interactions.view import InteractionView

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine


def watched_teams(actor: Actor, team_id: int | None) -> frozenset[int] | None:
    """The teams to show; None means every team (an administrator without a filter)."""
    if not (actor.is_supervisor or actor.is_administrator):
        raise PermissionDenied("Only supervisors and administrators watch team interactions.")
    if team_id is not None:
        if not actor.may_supervise_team(team_id):
            raise PermissionDenied("You do not supervise this team.")
        return frozenset({team_id})
    return None if actor.is_administrator else frozenset(actor.supervised_team_ids)


def concerns(event: Event, teams: frozenset[int] | None) -> bool:
    return teams is None or bool(teams & set(event.payload.get("teamIds", ())))


class TeamInteractions:
    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine

    async def page(self, actor: Actor, team_id: int | None, first: int,
                   after: int | None = None) -> tuple[list[InteractionView], bool]:
        """Live interactions of the teams, newest first; `after` is the last id of the previous page."""
        teams = watched_teams(actor, team_id)
        # A subquery, not a join with DISTINCT: PostgreSQL cannot compare json columns.
        staffed = select(Party.interaction_id).where(col(Party.role).in_(rules.AGENT_ROLES),
                                                     col(Party.state).in_(rules.LIVE))
        if teams is not None:
            staffed = staffed.where(col(Party.team_id).in_(teams))
        query = select(Interaction).where(Interaction.state != InteractionState.ENDED,
                                          col(Interaction.id).in_(staffed))
        if after is not None:
            query = query.where(col(Interaction.id) < after)
        async with self.engine.store.read() as session:
            rows = list((await session.exec(
                query.order_by(col(Interaction.id).desc()).limit(first + 1))).all())
            views = [self.engine.reading.seen_by(actor, await load_view(session, row)) for row in rows[:first]]
        return views, len(rows) > first
