"""Targets: anything the directory can find. An agent or team lead is a target tied to a
user; an agent group, skill, routing point or interaction queue is a target with members
(the agents who serve it). Also each user's favourite and recently used targets (DIR5)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from core.store.types import UTCDateTime


def search_text(length: int):
    """Searched text: compared by code point on every store. SQLite compares bytes; on
    PostgreSQL the `C` collation does the same, so that a prefix range (`word >= 'dup' AND
    word < 'dup' || U+10FFFF`) is exact and read from the index in its order (DIR1), whatever
    the database's own collation."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")

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
    search_key: str = Field(sa_column=Column(search_text(320), nullable=False, index=True))
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


class TargetWord(SQLModel, table=True):
    """One folded word of a target's name, with the target's search key and kind copied
    beside it: a prefix of a word (`word >= 'dup' AND word < 'dup\U0010ffff'`) is then a
    range of one covering index, already in result order (DIR1), so a page stops early
    instead of sorting every match. Maintained by core.directory.indexing whenever a
    Target is written."""

    __tablename__ = "target_word"
    __table_args__ = (Index("ix_target_word_order", "word", "search_key", "kind", "target_id"),)

    word: str = Field(sa_column=Column(search_text(160), primary_key=True))
    target_id: int = Field(foreign_key="target.id", primary_key=True, index=True)
    search_key: str = Field(sa_column=Column(search_text(320), nullable=False))
    # The TargetKind's name, as the target table stores it (a plain string here, so that
    # the enum type is not declared twice on PostgreSQL).
    kind: str = Field(max_length=32)


class FavouriteTarget(SQLModel, table=True):
    """A target a user pinned (DIR5)."""

    __tablename__ = "favourite_target"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    target_id: int = Field(foreign_key="target.id", primary_key=True)
    added_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RecentTarget(SQLModel, table=True):
    """A target a user acted on lately (DIR5); only the latest few are kept per user."""

    __tablename__ = "recent_target"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    target_id: int = Field(foreign_key="target.id", primary_key=True)
    used_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# Keeps target_word in step with every write of a Target, whoever writes it.
from core.directory import indexing  # noqa: E402,F401
