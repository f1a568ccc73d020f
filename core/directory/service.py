"""The directory (Team Communicator): search every target kind (DIR1, GRP1), with each
result's presence (DIR2) or availability (GRP2), its actions (DIR3, DIR4), and the caller's
favourites and recent targets (DIR5). A page costs a fixed number of queries, whatever
its length: presence, availability and favourites are read in batches. Reads go through a
plain connection (Core rows, see core.directory.search), not an ORM session."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from typing import Awaitable, Callable, Sequence

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy import select as select_columns
from sqlmodel import select

from core.channels import ChannelRegistry
from core.clock import Clock
from core.directory import search as q
from core.directory.actions import CurrentInteraction, TargetActions, actions_for, available_channels
from core.directory.availability import ChannelAvailability, people_presence, person_presence, pool_availability
from core.directory.text import search_key
from core.directory.models import PERSON_KINDS, FavouriteTarget, RecentTarget, Target, TargetKind
from core.errors import InvalidInput, InvalidState, NotFound
from core.identity.actor import Actor
from core.presence.service import PresenceService
from core.presence.state import Presence
from core.store.unit_of_work import Store, UnitOfWork

MAX_SEARCH_LENGTH = 160
DEFAULT_PAGE_SIZE = 20
RECENT_LIMIT = 20

# A user's recent targets, written by every command that reaches a target (statements built
# once: SQLAlchemy compiles each once, into its compiled cache).
_RECENT = RecentTarget.__table__
_RECENT_AGAIN = (update(_RECENT).where(
    _RECENT.c.user_id == bindparam("for_user"), _RECENT.c.target_id == bindparam("for_target"),
).values(used_at=bindparam("used_at")))
_RECENT_NEW = (insert(_RECENT).values(
    user_id=bindparam("user_id"), target_id=bindparam("target_id"), used_at=bindparam("used_at")))
_RECENT_TRIM = (delete(_RECENT).where(
    _RECENT.c.user_id == bindparam("user_id"),
    _RECENT.c.target_id.not_in(select_columns(_RECENT.c.target_id).where(_RECENT.c.user_id == bindparam("user_id"))
                               .order_by(_RECENT.c.used_at.desc()).limit(bindparam("limit")))))
FAVOURITE_LIMIT = 200

CurrentInteractionLookup = Callable[[Actor, "int | None"], Awaitable["CurrentInteraction | None"]]


@dataclass(frozen=True)
class TargetRow:
    id: int
    kind: TargetKind
    name: str
    user_id: int | None
    address: str | None
    show_availability: bool

    @property
    def is_person(self) -> bool:
        return self.kind in PERSON_KINDS


@dataclass(frozen=True)
class Entry:
    target: TargetRow
    presence: list[Presence]  # a person's, per enabled channel; empty for a pool
    # A pool's availability per channel where the administrator shows it (GRP2), else None.
    availability: list[ChannelAvailability] | None
    # Channels on which the target can take something now (DIR4); None when not shown.
    available_channels: tuple[str, ...] | None
    favourite: bool
    # Works the actions out when they are asked for: a result list often shows none.
    _actions: Callable[[], TargetActions] = field(repr=False, compare=False)

    @cached_property
    def actions(self) -> TargetActions:
        return self._actions()


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    cursors: list[str]  # one per entry: resume after it with `after=`
    has_next: bool


async def _nothing() -> None:
    return None


class DirectoryService:
    def __init__(self, store: Store, clock: Clock, channels: ChannelRegistry, presence: PresenceService,
                 max_page_size: int) -> None:
        self.store = store
        self.clock = clock
        self.channels = channels
        self.presence = presence
        self.max_page_size = max_page_size
        # Set by the interaction engine: the caller's current interaction (optionally the one
        # named by the client), so that consult / conference / transfer show up (DIR3).
        self.current_interaction: CurrentInteractionLookup | None = None

    # -- queries -------------------------------------------------------------------------

    async def search(self, actor: Actor, text: str | None = None, kinds: Sequence[TargetKind] | None = None,
                     first: int = DEFAULT_PAGE_SIZE, after: str | None = None,
                     interaction_id: int | None = None, with_interaction: bool = True) -> Page:
        """`after`: the cursor of the last result already seen. `with_interaction=False`
        skips reading the caller's current interaction, for a client that does not ask for
        actions (consult / conference / transfer then say "no current interaction")."""
        if text is not None and len(text) > MAX_SEARCH_LENGTH:
            raise InvalidInput(f"Search text is limited to {MAX_SEARCH_LENGTH} characters.", field="search")
        if not 1 <= first <= self.max_page_size:
            raise InvalidInput(f"first must be between 1 and {self.max_page_size}.", field="first")
        start = q.Position.after(after)
        terms = q.terms_of(text)
        # The caller's current interaction is read by the engine in its own session while
        # this one searches: the two overlap instead of adding up.
        current = asyncio.ensure_future(
            self._current(actor, interaction_id) if with_interaction else _nothing())
        try:
            async with self.store.read_connection() as connection:
                if terms:
                    found = await q.text_search(connection, terms, kinds, start, first + 1, actor.user_id)
                else:
                    if start is not None and start.phase != "e":
                        raise InvalidInput("Invalid cursor.", field="after")
                    found = await self._pinned_then_everyone(connection, actor.user_id, kinds,
                                                             start.index if start else 0, first + 1)
                page = found[:first]
                entries = await self._entries(connection, actor, [row for row, _ in page], await current)
        finally:
            if not current.done():
                current.cancel()
            elif not current.cancelled():
                current.exception()  # retrieved: a failed search must not log it as unhandled
        return Page(entries=entries, cursors=[position.token() for _, position in page],
                    has_next=len(found) > first)

    async def entry(self, actor: Actor, target_id: int, interaction_id: int | None = None) -> Entry:
        current = await self._current(actor, interaction_id)
        async with self.store.read_connection() as connection:
            rows = await q.load_rows(connection, [target_id], actor.user_id)
            if target_id not in rows:
                raise NotFound(f"No directory target with id {target_id}.")
            return (await self._entries(connection, actor, [rows[target_id]], current))[0]

    async def _current(self, actor: Actor, interaction_id: int | None) -> CurrentInteraction | None:
        if self.current_interaction is None:
            return None
        return await self.current_interaction(actor, interaction_id)

    async def _pinned_then_everyone(self, connection, user_id: int, kinds, offset: int,
                                    limit: int) -> list[tuple[q.Found, q.Position]]:
        favourites, recents = await q.pinned(connection, user_id, kinds)
        favourites = sorted(favourites, key=lambda r: (search_key(r[1]), r[0]))
        recents = sorted(recents, key=lambda r: r[2], reverse=True)
        head = list(dict.fromkeys(r[0] for r in (*favourites, *recents)))
        ids = head[offset:offset + limit]
        if len(ids) < limit:
            ids += await q.everyone_else(connection, head, kinds, max(0, offset - len(head)), limit - len(ids))
        rows = await q.load_rows(connection, ids, user_id)
        return [(rows[tid], q.Position("e", offset + i)) for i, tid in enumerate(ids) if tid in rows]

    async def _entries(self, connection, actor: Actor, found: list[q.Found],
                       current: CurrentInteraction | None) -> list[Entry]:
        """`found`: each target's columns, whether it is a favourite, and a person's
        presence rows if the page's statement read them."""
        capabilities = {channel.name: channel.capabilities for channel in self.channels}
        capacities = {name: caps.capacity for name, caps in capabilities.items()}
        rows = [(TargetRow(*columns), favourite, own) for columns, favourite, own in found]
        presence = {row.user_id: person_presence(row.user_id, own, capacities)
                    for row, _, own in rows if own is not None and row.is_person and row.user_id}
        presence.update(await people_presence(
            connection, [r.user_id for r, _, own in rows if own is None and r.is_person and r.user_id], capacities))
        # Only a pool whose availability is shown needs it: a pool takes a request whoever is
        # available, so its actions do not depend on it (GRP3, GRP4).
        pools = await pool_availability(
            connection, [r.id for r, _, _ in rows if not r.is_person and r.show_availability], capacities,
            self.clock.now())
        entries = []
        for row, favourite, _ in rows:
            own = presence.get(row.user_id, []) if row.is_person else []
            pool = pools.get(row.id)
            available = {ch: a.available for ch, a in pool.items()} if pool is not None else None
            entries.append(Entry(
                target=row, presence=own, availability=list(pool.values()) if pool is not None else None,
                available_channels=available_channels(
                    kind=row.kind, channels=capabilities, presence=own, pool_available=available,
                    show_pool_availability=row.show_availability),
                favourite=favourite,
                _actions=partial(
                    actions_for, kind=row.kind, name=row.name, channels=capabilities, presence=own,
                    pool_available=available, show_pool_availability=row.show_availability,
                    is_self=row.user_id is not None and row.user_id == actor.user_id, current=current),
            ))
        return entries

    # -- favourites and recents (DIR5) ---------------------------------------------------

    async def add_favourite(self, actor: Actor, target_id: int) -> Entry:
        async with self.store.write() as uow:
            await self._require_target(uow, target_id)
            if await uow.session.get(FavouriteTarget, (actor.user_id, target_id)) is None:
                count = len((await uow.session.exec(
                    select(FavouriteTarget.target_id).where(FavouriteTarget.user_id == actor.user_id))).all())
                if count >= FAVOURITE_LIMIT:
                    raise InvalidState(f"You already have {FAVOURITE_LIMIT} favourites; remove one first.")
                uow.session.add(FavouriteTarget(user_id=actor.user_id, target_id=target_id,
                                                added_at=self.clock.now()))
        return await self.entry(actor, target_id)

    async def remove_favourite(self, actor: Actor, target_id: int) -> Entry:
        async with self.store.write() as uow:
            await self._require_target(uow, target_id)
            await uow.session.exec(delete(FavouriteTarget).where(
                FavouriteTarget.user_id == actor.user_id, FavouriteTarget.target_id == target_id))
        return await self.entry(actor, target_id)

    async def note_used(self, uow: UnitOfWork, user_id: int, target_id: int, at: datetime | None = None) -> None:
        """Called inside the unit of work of whatever acted on a target (a call, a consult, a
        transfer, an IM): it becomes the user's most recent target."""
        at = at or self.clock.now()
        again = {"for_user": user_id, "for_target": target_id, "used_at": at}
        if (await uow.rows.execute(_RECENT_AGAIN, again)).rowcount == 1:
            return  # already among the recents: only its time moves
        await uow.rows.execute(_RECENT_NEW, {"user_id": user_id, "target_id": target_id, "used_at": at})
        await uow.rows.execute(_RECENT_TRIM, {"user_id": user_id, "limit": RECENT_LIMIT})

    async def _require_target(self, uow: UnitOfWork, target_id: int) -> None:
        if await uow.session.get(Target, target_id) is None:
            raise NotFound(f"No directory target with id {target_id}.")
