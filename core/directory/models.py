"""Targets: anything the directory can find. An agent or team lead is a target tied to a
user; an agent group, skill, routing point or interaction queue is a target with members
(the agents who serve it)."""

from __future__ import annotations

import enum

from sqlmodel import Field, SQLModel


class TargetKind(str, enum.Enum):
    AGENT = "agent"
    TEAM_LEAD = "team_lead"
    AGENT_GROUP = "agent_group"
    ROUTING_POINT = "routing_point"
    SKILL = "skill"
    INTERACTION_QUEUE = "interaction_queue"


PERSON_KINDS = frozenset({TargetKind.AGENT, TargetKind.TEAM_LEAD})


class Target(SQLModel, table=True):
    __tablename__ = "target"

    id: int | None = Field(default=None, primary_key=True)
    kind: TargetKind = Field(max_length=32, index=True)
    name: str = Field(max_length=160)
    # Folded words of the name (core.directory.text.search_key), kept for searching.
    search_key: str = Field(max_length=320, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", unique=True)
    # A routing point's number, a queue's address; informational.
    address: str | None = Field(default=None, max_length=80)
    # GRP2: the administrator enables showing how many members are available.
    show_availability: bool = Field(default=False)


class TargetMember(SQLModel, table=True):
    """An agent who serves a group, skill, routing point or queue."""

    __tablename__ = "target_member"

    target_id: int = Field(foreign_key="target.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, index=True)
