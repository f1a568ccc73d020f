"""The acting user of a request: every service call carries one, and authorization is
decided here in the core, never in resolvers."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.identity.models import Role


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    display_name: str
    role: Role
    team_id: int | None = None
    supervised_team_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_administrator(self) -> bool:
        return self.role is Role.ADMINISTRATOR

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR

    def may_supervise_team(self, team_id: int | None) -> bool:
        """Administrators see every team; supervisors the teams they lead (SUP3)."""
        if self.is_administrator:
            return True
        return team_id is not None and team_id in self.supervised_team_ids

    def may_see_agent(self, agent_id: int, agent_team_id: int | None) -> bool:
        return agent_id == self.user_id or self.may_supervise_team(agent_team_id)
