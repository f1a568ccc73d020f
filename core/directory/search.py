"""The directory's search (DIR1, DIR5). Every typed word must match the start of some word
of the name, after folding case and accents. Best match first:

  A. names that start with the text, by name (so the exact name comes first):
     `mar` -> Marie Dupont, `marie dupont` -> Marie Dupont;
  B. then names where another word starts with the first typed word, by that word, then by
     name (namesakes by kind): `dup` -> Marie Dupont, Raphaël Dupuis.

Both orders are index orders (target.search_key; target_word(word, search_key, kind,
target_id)), so a page reads a few rows past its position and never sorts every match:
a search costs about the same over 100 or 100,000 targets.

An empty search lists the caller's favourites, then recent targets (latest first), then
everyone else by name.

Positions: each result carries where it was found ("a:<offset>", "b:<raw row>",
"e:<offset>"); the next page starts after it.

The statements are Core, built once per shape with bound parameters and run on a plain
connection: a search is on every keystroke of every agent, and building a statement and
going through the ORM cost several times what SQLite takes to answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple, Sequence

from sqlalchemy import Integer, String, and_, bindparam, literal_column, not_, select

from core.directory.models import FavouriteTarget, RecentTarget, Target, TargetKind, TargetWord
from core.directory.text import words
from core.errors import InvalidInput
from core.presence.models import ChannelPresence

# Above every character in UTF-8 order: `word < prefix + HIGH` bounds a prefix range.
HIGH = "\U0010ffff"
MAX_TERMS = 8

TARGET = Target.__table__
WORD = TargetWord.__table__
FAVOURITE = FavouriteTarget.__table__
RECENT = RecentTarget.__table__
PRESENCE = ChannelPresence.__table__

# A target's columns, in TargetRow's order, then whether it is one of the caller's favourites.
COLUMNS = (TARGET.c.id, TARGET.c.kind, TARGET.c.name, TARGET.c.user_id, TARGET.c.address,
           TARGET.c.show_availability)
WIDTH = len(COLUMNS)

# A person's channel_presence rows, read beside the page (see _with_presence).
PRESENCE_COLUMNS = (PRESENCE.c.channel, PRESENCE.c.logged_in, PRESENCE.c.ready, PRESENCE.c.reason,
                    PRESENCE.c.load, PRESENCE.c.wrap_ups, PRESENCE.c.since)


class PresenceRow(NamedTuple):
    channel: str
    logged_in: bool
    ready: bool
    reason: str | None
    load: int
    wrap_ups: int
    since: datetime


# (the target's columns, whether it is a favourite, and a person's presence rows when they
# were read with it, else None)
Found = tuple[tuple, bool, list[PresenceRow] | None]


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


def _prefix(column, name: str):
    return and_(column >= bindparam(f"{name}_low"), column < bindparam(f"{name}_high"))


def _prefix_params(name: str, text: str) -> dict[str, str]:
    return {f"{name}_low": text, f"{name}_high": text + HIGH}


def _with_favourite(from_clause):
    return from_clause.outerjoin(FAVOURITE, and_(FAVOURITE.c.target_id == TARGET.c.id,
                                                 FAVOURITE.c.user_id == bindparam("user_id")))


def _page(statement):
    return statement.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))


def _with_presence(page, *order: str):
    """The page's rows, each with its person's presence rows (one joined row per channel
    row, at least one per page row): one statement where two would cost twice the set-up."""
    page = page.subquery("page")
    return (select(page, *PRESENCE_COLUMNS)
            .select_from(page.outerjoin(PRESENCE, PRESENCE.c.user_id == page.c.user_id))
            .order_by(*(page.c[name] for name in order)))


@cache
def _name_starts(with_kinds: bool):
    """Phase A: names that start with the whole text, in search-key order."""
    statement = select(*COLUMNS, FAVOURITE.c.added_at, TARGET.c.search_key).select_from(
        _with_favourite(TARGET)).where(_prefix(TARGET.c.search_key, "text"))
    if with_kinds:
        statement = statement.where(TARGET.c.kind.in_(bindparam("kinds", expanding=True)))
    return _with_presence(_page(statement.order_by(TARGET.c.search_key, TARGET.c.id)), "search_key", "id")


@cache
def _word_starts(with_kinds: bool, more_terms: int):
    """Phase B: names where another word starts with the first typed word, in the order of
    the word index, each with its target's columns. Each other typed word must start some
    word of the same name: ` <term>` within ` <search key>`, checked on the index row being
    read (a subquery per row, or a list of every target with a word starting with `m`,
    cost ten times more)."""
    statement = (select(*COLUMNS, FAVOURITE.c.added_at, WORD.c.word, WORD.c.search_key)
                 .select_from(_with_favourite(WORD.join(TARGET, TARGET.c.id == WORD.c.target_id)))
                 .where(_prefix(WORD.c.word, "first"), not_(_prefix(WORD.c.search_key, "text"))))
    if with_kinds:
        statement = statement.where(WORD.c.kind.in_(bindparam("kind_names", expanding=True)))
    spaced_key = literal_column("' '", String) + WORD.c.search_key
    for n in range(more_terms):
        statement = statement.where(spaced_key.like(bindparam(f"term_{n}"), escape="\\"))
    # In the word index's own order (kind before target id among namesakes): no sorting.
    return _with_presence(_page(statement.order_by(WORD.c.word, WORD.c.search_key, WORD.c.kind,
                                                   WORD.c.target_id)),
                          "word", "search_key", "kind", "id")


def _word_start_pattern(term: str) -> str:
    """`LIKE` pattern: some word (after a space) starts with `term`."""
    return "% " + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _found(row) -> Found:
    return tuple(row[:WIDTH]), row[WIDTH] is not None, None


def _pages(rows, key_width: int) -> list[tuple[Found, tuple]]:
    """Joined rows (the page's columns, then presence columns) back to one per page row:
    its Found, and the `key_width` page columns after the favourite flag (phase A's search
    key; phase B's word and search key)."""
    grouped: list[tuple[Found, tuple]] = []
    last = None
    presence_at = WIDTH + 1 + key_width
    for row in rows:
        key = row[:presence_at]
        if key != last:
            last = key
            grouped.append(((tuple(row[:WIDTH]), row[WIDTH] is not None, []), tuple(row[WIDTH + 1:presence_at])))
        if row[presence_at] is not None:  # a channel row, not the outer join's empty side
            grouped[-1][0][2].append(PresenceRow._make(row[presence_at:]))
    return grouped


async def text_search(connection, terms: list[str], kinds: Sequence[TargetKind] | None, start: Position | None,
                      limit: int, user_id: int) -> list[tuple[Found, Position]]:
    """Up to `limit` targets, best first, from `start` on."""
    query = " ".join(terms)
    found: list[tuple[Found, Position]] = []
    start = start or Position("a", 0)
    params: dict = {"user_id": user_id, **_prefix_params("text", query)}
    if kinds:
        params["kinds"] = list(kinds)
        params["kind_names"] = [TargetKind(k).name for k in kinds]
    if start.phase == "a":
        rows = (await connection.execute(_name_starts(bool(kinds)),
                                         {**params, "limit": limit, "offset": start.index})).all()
        found = [(target, Position("a", start.index + i)) for i, (target, _) in enumerate(_pages(rows, 1))]
        if len(found) == limit:
            return found
        start = Position("b", 0)
    if start.phase != "b":
        raise InvalidInput("Invalid cursor.", field="after")
    first = terms[0]
    params.update(_prefix_params("first", first))
    for n, term in enumerate(terms[1:]):
        params[f"term_{n}"] = _word_start_pattern(term)
    statement = _word_starts(bool(kinds), len(terms) - 1)
    raw = start.index
    chunk = limit - len(found) + 4  # a few to spare for names listed by an earlier word
    while len(found) < limit:
        rows = _pages((await connection.execute(statement, {**params, "limit": chunk, "offset": raw})).all(), 2)
        for i, (target, (word, key)) in enumerate(rows):
            # A name with two words starting with the text is listed once, by its first
            # such word in index order.
            if not any(other < word and other.startswith(first) for other in key.split()):
                found.append((target, Position("b", raw + i)))
                if len(found) == limit:
                    break
        if len(rows) < chunk:
            break
        raw += chunk
    return found


@cache
def _pinned(with_kinds: bool):
    """Favourites, and recents, each with the time that orders them."""
    favourite = (select(TARGET.c.id, TARGET.c.name, FAVOURITE.c.added_at)
                 .join_from(TARGET, FAVOURITE, FAVOURITE.c.target_id == TARGET.c.id)
                 .where(FAVOURITE.c.user_id == bindparam("user_id")))
    recent = (select(TARGET.c.id, TARGET.c.name, RECENT.c.used_at)
              .join_from(TARGET, RECENT, RECENT.c.target_id == TARGET.c.id)
              .where(RECENT.c.user_id == bindparam("user_id")))
    if with_kinds:
        favourite = favourite.where(TARGET.c.kind.in_(bindparam("kinds", expanding=True)))
        recent = recent.where(TARGET.c.kind.in_(bindparam("kinds", expanding=True)))
    return favourite, recent


async def pinned(connection, user_id: int, kinds: Sequence[TargetKind] | None) -> tuple[list, list]:
    favourite, recent = _pinned(bool(kinds))
    params = {"user_id": user_id, "kinds": list(kinds or ())}
    return (await connection.execute(favourite, params)).all(), (await connection.execute(recent, params)).all()


@cache
def _everyone(with_exclude: bool, with_kinds: bool):
    statement = select(TARGET.c.id)
    if with_exclude:
        statement = statement.where(TARGET.c.id.not_in(bindparam("exclude", expanding=True)))
    if with_kinds:
        statement = statement.where(TARGET.c.kind.in_(bindparam("kinds", expanding=True)))
    return _page(statement.order_by(TARGET.c.search_key, TARGET.c.id))


async def everyone_else(connection, exclude: list[int], kinds: Sequence[TargetKind] | None, offset: int,
                        limit: int) -> list[int]:
    statement = _everyone(bool(exclude), bool(kinds))
    params = {"exclude": exclude, "kinds": list(kinds or ()), "limit": limit, "offset": offset}
    return list((await connection.execute(statement, params)).scalars())


@cache
def _by_id():
    return select(*COLUMNS, FAVOURITE.c.added_at).select_from(_with_favourite(TARGET)).where(
        TARGET.c.id.in_(bindparam("ids", expanding=True)))


async def load_rows(connection, ids: list[int], user_id: int) -> dict[int, Found]:
    """The targets' columns, and whether each is one of the user's favourites (one query)."""
    if not ids:
        return {}
    rows = (await connection.execute(_by_id(), {"ids": ids, "user_id": user_id})).all()
    return {row[0]: _found(row) for row in rows}
