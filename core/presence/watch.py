"""Who may watch whose presence live (PRS2, SUP3), and what they see first: a snapshot
(PresenceService.snapshot), then
(schema.presence) every change in commit order (so in order per agent), each with its time.

Audiences (decided here, in the core):
- named agents (`agent_ids`) or an agent group / skill / queue (`group_id`): anyone signed in,
  since the directory already shows every colleague's presence (DIR2);
- a team (`team_id`): its supervisors, administrators, and its own members;
- everyone the caller may see (no argument): an administrator sees everyone, a supervisor the
  teams it leads, an agent its own team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlmodel import col, select

from core.directory.models import PERSON_KINDS, Target, TargetMember
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.events import Event
from core.identity.actor import Actor
from core.identity.models import Role, User
from core.presence.state import Presence, PresenceState

MAX_WATCHED_AGENTS = 500


@dataclass(frozen=True)
class Audience:
    """Which agents' changes a watcher receives: fixed users, or whole teams (so that an
    agent who joins the team later is included), or everyone."""

    user_ids: frozenset[int] = frozenset()
    team_ids: frozenset[int] = frozenset()
    everyone: bool = False

    def accepts(self, payload: dict) -> bool:
        return self.everyone or payload["userId"] in self.user_ids or payload.get("teamId") in self.team_ids


@dataclass(frozen=True)
class PresenceUpdate:
    presence: Presence
    team_id: int | None
    at: datetime  # when it happened (the snapshot: when it was read)
    event_id: int | None  # the history row; None in the snapshot
    snapshot: bool

    @classmethod
    def of_event(cls, event: Event) -> "PresenceUpdate":
        p = event.payload
        presence = Presence(p["userId"], p["channel"], PresenceState(p["state"]), p.get("reason"),
                            datetime.fromisoformat(p["since"]), p.get("load", 0), p.get("capacity", 0))
        return cls(presence, p.get("teamId"), event.at, event.id, False)


async def resolve_audience(session, actor: Actor, agent_ids: Sequence[int] | None = None,
                           group_id: int | None = None, team_id: int | None = None) -> Audience:
    chosen = sum(x is not None for x in (agent_ids, group_id, team_id))
    if chosen > 1:
        raise InvalidInput("Watch agents, a group or a team: one of them, or none for everyone you may see.")
    if agent_ids is not None:
        ids = frozenset(agent_ids)
        if not ids or len(ids) > MAX_WATCHED_AGENTS:
            raise InvalidInput(f"Watch 1 to {MAX_WATCHED_AGENTS} agents.", field="agentIds")
        found = set((await session.exec(select(User.id).where(col(User.id).in_(ids)))).all())
        if missing := ids - found:
            raise NotFound(f"No agent with id {min(missing)}.")
        return Audience(user_ids=ids)
    if group_id is not None:
        target = await session.get(Target, group_id)
        if target is None or target.kind in PERSON_KINDS:
            raise NotFound(f"No group with id {group_id}.")
        members = (await session.exec(select(TargetMember.user_id).where(TargetMember.target_id == group_id))).all()
        return Audience(user_ids=frozenset(members))
    if team_id is not None:
        if not (actor.may_supervise_team(team_id) or actor.team_id == team_id):
            raise PermissionDenied("Only the team's supervisors, its members and administrators watch a team.")
        return Audience(team_ids=frozenset({team_id}))
    if actor.is_administrator:
        return Audience(everyone=True)
    if actor.is_supervisor:
        return Audience(team_ids=frozenset(actor.supervised_team_ids), user_ids=frozenset({actor.user_id}))
    teams = frozenset({actor.team_id}) if actor.team_id is not None else frozenset()
    return Audience(team_ids=teams, user_ids=frozenset({actor.user_id}))


async def watched_members(session, audience: Audience) -> list[tuple[int, int | None]]:
    """The agents (id, team) an audience covers now, in id order: everyone is every user but
    administrators. Also whose past a wallboard's history counts (core.supervision.board_history)."""
    statement = select(User.id, User.team_id).where(col(User.role) != Role.ADMINISTRATOR)
    if not audience.everyone:
        statement = select(User.id, User.team_id).where(
            col(User.id).in_(audience.user_ids) | col(User.team_id).in_(audience.team_ids))
    return list((await session.exec(statement.order_by(col(User.id)))).all())
