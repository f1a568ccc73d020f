"""The directory's search (DIR1, DIR5). Every typed word must match the start of some word
of the name, after folding case and accents. Best match first:

  A. names that start with the text, by name (so the exact name comes first):
     `mar` -> Marie Dupont, `marie dupont` -> Marie Dupont;
  B. then names where another word starts with the first typed word, by that word, then by
     name: `dup` -> Marie Dupont, Raphaël Dupuis.

Both orders are index orders (target.search_key; target_word(word, search_key, kind,
target_id)), so a page reads a few rows past its position and never sorts every match:
a search costs about the same over 100 or 100,000 targets.

An empty search lists the caller's favourites, then recent targets (latest first), then
everyone else by name.

Positions: each result carries where it was found ("a:<offset>", "b:<raw row>",
"e:<offset>"); the next page starts after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import and_, not_
from sqlmodel import col, select

from core.directory.models import FavouriteTarget, RecentTarget, Target, TargetKind, TargetWord
from core.directory.text import words
from core.errors import InvalidInput

# Above every character in UTF-8 order: `word < prefix + HIGH` bounds a prefix range.
HIGH = "\U0010ffff"
MAX_TERMS = 8

COLUMNS = (Target.id, Target.kind, Target.name, Target.user_id, Target.address, Target.show_availability)


@dataclass(frozen=True)
class Position:
    phase: str  # "a", "b" (text search) or "e" (empty search)
    index: int

    def token(self) -> str:
        return f"{self.phase}:{self.index}"

    @classmethod
    def after(cls, token: str | None) -> "Position | None":
        """Where to resume: the position just after `token`."""
        if token is None:
            return None
        phase, _, index = token.partition(":")
        if phase not in ("a", "b", "e") or not index.isdigit():
            raise InvalidInput("Invalid cursor.", field="after")
        return cls(phase, int(index) + 1)


def terms_of(text: str | None) -> list[str]:
    return words(text or "")[:MAX_TERMS]


def _prefix(column, text: str):
    return and_(column >= text, column < text + HIGH)


def _with_favourite(statement, user_id: int):
    return statement.outerjoin(FavouriteTarget, and_(FavouriteTarget.target_id == Target.id,
                                                     FavouriteTarget.user_id == user_id))


def _kind_names(kinds: Sequence[TargetKind] | None) -> list[str] | None:
    return [TargetKind(k).name for k in kinds] if kinds else None


async def text_search(session, terms: list[str], kinds: Sequence[TargetKind] | None, start: Position | None,
                      limit: int, user_id: int) -> list[tuple[int, Position, tuple | None]]:
    """Up to `limit` targets, best first, from `start` on: (id, position, and the row from
    `load_rows` when this query already read it, else None)."""
    query = " ".join(terms)
    found: list[tuple[int, Position, tuple | None]] = []
    start = start or Position("a", 0)
    if start.phase == "a":
        statement = _with_favourite(select(*COLUMNS, FavouriteTarget.added_at), user_id).where(
            _prefix(Target.search_key, query))
        if kinds:
            statement = statement.where(col(Target.kind).in_(list(kinds)))
        rows = (await session.exec(
            statement.order_by(col(Target.search_key), col(Target.id)).offset(start.index).limit(limit))).all()
        found = [(row[0], Position("a", start.index + i), (tuple(row[:-1]), row[-1] is not None))
                 for i, row in enumerate(rows)]
        if len(found) == limit:
            return found
        start = Position("b", 0)
    if start.phase != "b":
        raise InvalidInput("Invalid cursor.", field="after")
    first = terms[0]
    statement = select(TargetWord.target_id, TargetWord.word, TargetWord.search_key).where(
        _prefix(TargetWord.word, first), not_(_prefix(TargetWord.search_key, query)))
    kind_names = _kind_names(kinds)
    if kind_names:
        statement = statement.where(col(TargetWord.kind).in_(kind_names))
    for term in terms[1:]:
        statement = statement.where(col(TargetWord.target_id).in_(
            select(TargetWord.target_id).where(_prefix(TargetWord.word, term))))
    statement = statement.order_by(col(TargetWord.word), col(TargetWord.search_key), col(TargetWord.target_id))
    raw = start.index
    chunk = 2 * (limit - len(found)) + 4
    while len(found) < limit:
        rows = (await session.exec(statement.offset(raw).limit(chunk))).all()
        for i, (target_id, word, key) in enumerate(rows):
            # A name with two words starting with the text is listed once, by its first
            # such word in index order.
            if not any(other < word and other.startswith(first) for other in key.split()):
                found.append((target_id, Position("b", raw + i), None))
                if len(found) == limit:
                    break
        if len(rows) < chunk:
            break
        raw += chunk
    return found


def pinned(user_id: int, kinds: Sequence[TargetKind] | None):
    """Favourites, and recents, each with the time that orders them."""
    favourite = (select(Target.id, Target.name, FavouriteTarget.added_at)
                 .join(FavouriteTarget, FavouriteTarget.target_id == Target.id)
                 .where(FavouriteTarget.user_id == user_id))
    recent = (select(Target.id, Target.name, RecentTarget.used_at)
              .join(RecentTarget, RecentTarget.target_id == Target.id)
              .where(RecentTarget.user_id == user_id))
    if kinds:
        favourite = favourite.where(col(Target.kind).in_(list(kinds)))
        recent = recent.where(col(Target.kind).in_(list(kinds)))
    return favourite, recent


def everyone_else(exclude: list[int], kinds: Sequence[TargetKind] | None, offset: int, limit: int):
    statement = select(Target.id)
    if exclude:
        statement = statement.where(col(Target.id).not_in(exclude))
    if kinds:
        statement = statement.where(col(Target.kind).in_(list(kinds)))
    return statement.order_by(col(Target.search_key), col(Target.id)).offset(offset).limit(limit)


async def load_rows(session, ids: list[int], user_id: int) -> dict[int, tuple[tuple, bool]]:
    """The targets' columns, and whether each is one of the user's favourites (one query)."""
    if not ids:
        return {}
    rows = (await session.exec(
        _with_favourite(select(*COLUMNS, FavouriteTarget.added_at), user_id).where(col(Target.id).in_(ids)))).all()
    return {row[0]: (tuple(row[:-1]), row[-1] is not None) for row in rows}
