"""The directory's search statements (DIR1, DIR5). Every typed word must match the start of
some word of the name, after folding case and accents; the best match comes first:

  0  the whole name is the text            `marie dupont`
  1  the name starts with the text         `mar` -> Marie Dupont
  2  another word starts with it           `dup` -> Marie Dupont

then by name. An empty search lists the caller's favourites, then recent targets (latest
first), then everyone else by name.
"""

from __future__ import annotations

from typing import Sequence

from sqlalchemy import case, func, literal
from sqlmodel import col, select

from core.directory.models import FavouriteTarget, RecentTarget, Target, TargetKind, TargetWord
from core.directory.text import words

# Above every character in UTF-8 order: `word < prefix + HIGH` bounds a prefix range.
HIGH = "\U0010ffff"
MAX_TERMS = 8

COLUMNS = (Target.id, Target.kind, Target.name, Target.user_id, Target.address, Target.show_availability)


def terms_of(text: str | None) -> list[str]:
    return words(text or "")[:MAX_TERMS]


def _kinds(statement, kinds: Sequence[TargetKind] | None):
    return statement.where(col(Target.kind).in_(list(kinds))) if kinds else statement


def text_search(terms: list[str], kinds: Sequence[TargetKind] | None, offset: int, limit: int):
    query = " ".join(terms)
    statement = select(*COLUMNS)
    for term in terms:
        statement = statement.where(col(Target.id).in_(
            select(TargetWord.target_id).where(TargetWord.word >= term, TargetWord.word < term + HIGH)
        ))
    rank = case(
        (Target.search_key == query, 0),
        (func.substr(Target.search_key, 1, len(query)) == query, 1),
        else_=2,
    )
    return (_kinds(statement, kinds)
            .order_by(rank, col(Target.search_key), col(Target.id))
            .offset(offset).limit(limit))


def pinned(user_id: int, kinds: Sequence[TargetKind] | None):
    """Favourites then recents, each target once: (columns..., rank, favourite)."""
    favourite = (select(*COLUMNS, literal(0).label("rank"), FavouriteTarget.added_at.label("at"))
                 .join(FavouriteTarget, FavouriteTarget.target_id == Target.id)
                 .where(FavouriteTarget.user_id == user_id))
    recent = (select(*COLUMNS, literal(1).label("rank"), RecentTarget.used_at.label("at"))
              .join(RecentTarget, RecentTarget.target_id == Target.id)
              .where(RecentTarget.user_id == user_id))
    return _kinds(favourite, kinds), _kinds(recent, kinds)


def everyone_else(exclude: list[int], kinds: Sequence[TargetKind] | None, offset: int, limit: int):
    statement = select(*COLUMNS)
    if exclude:
        statement = statement.where(col(Target.id).not_in(exclude))
    return (_kinds(statement, kinds)
            .order_by(col(Target.search_key), col(Target.id))
            .offset(offset).limit(limit))
