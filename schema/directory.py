"""The directory (Team Communicator): search (DIR1, GRP1) with presence (DIR2), group
availability (GRP2), actions (DIR3, DIR4), favourites and recents (DIR5); and the live
group availability stream."""

from __future__ import annotations

from datetime import datetime
from typing import AsyncGenerator

import strawberry
from strawberry.relay import PageInfo, from_base64, to_base64
from strawberry.types.info import Info

from core.directory.actions import Action as CoreAction
from core.directory.actions import ActionKind as CoreActionKind
from core.directory.availability import ChannelAvailability
from core.directory.models import TargetKind as CoreTargetKind
from core.directory.service import Entry
from core.directory.watch import watch_pool_availability
from core.presence.service import TOPIC as PRESENCE_TOPIC
from core.errors import InvalidInput
from schema.errors import attempt, result_union
from schema.presence import ChannelPresence
from schema.streams import CURSOR_HELP, After, at, following

TargetKind = strawberry.enum(CoreTargetKind, name="TargetKind", description="What a directory result is.")
ActionKind = strawberry.enum(CoreActionKind, name="TargetActionKind")

CURSOR_PREFIX = "directory"


@strawberry.type(description="What the caller can do with a result now; the front end only renders it.")
class TargetAction:
    kind: ActionKind
    available: bool
    channels: list[str] = strawberry.field(description="The channels the action can use now.")
    reason: str | None = strawberry.field(description="Why it is unavailable.")

    @classmethod
    def of(cls, action: CoreAction) -> "TargetAction":
        return cls(kind=action.kind, available=action.available, channels=list(action.channels),
                   reason=action.reason)


@strawberry.type(description="How many members of a group are available on one channel (GRP2).")
class GroupChannelAvailability:
    group_id: strawberry.ID
    channel: str
    available: int = strawberry.field(description="Members ready with room for one more interaction.")
    logged_in: int
    members: int
    as_of: datetime = strawberry.field(description="When these figures were last true.")
    cursor: str | None = strawberry.field(default=None, description=CURSOR_HELP)

    @classmethod
    def of(cls, group_id: int, a: ChannelAvailability) -> "GroupChannelAvailability":
        return cls(group_id=strawberry.ID(str(group_id)), channel=a.channel, available=a.available,
                   logged_in=a.logged_in, members=a.members, as_of=a.as_of)


# A result's availability and actions are converted only when asked for: a result list
# rarely shows them.
def _availability(root: DirectoryEntry) -> list[GroupChannelAvailability] | None:
    shown = root.entry.availability
    return [GroupChannelAvailability.of(root.entry.target.id, a) for a in shown] if shown is not None else None


def _actions(root: DirectoryEntry) -> list[TargetAction]:
    return [TargetAction.of(a) for a in root.entry.actions.actions]


@strawberry.type(description="A person, agent group, routing point, skill or interaction queue.")
class DirectoryEntry:
    id: strawberry.ID
    kind: TargetKind
    name: str
    address: str | None
    user_id: strawberry.ID | None = strawberry.field(description="A person's user id.")
    favourite: bool
    presence: list[ChannelPresence] = strawberry.field(
        description="A person's presence per channel, with since when (DIR2); empty for a group.")
    availability: list[GroupChannelAvailability] | None = strawberry.field(
        resolver=_availability, description="A group's available members per channel, where shown (GRP2).")
    actions: list[TargetAction] = strawberry.field(resolver=_actions)
    available_channels: list[str] | None = strawberry.field(
        description="Channels on which the target can take something now (DIR4); null when not shown.")
    entry: strawberry.Private[Entry]

    @classmethod
    def of(cls, entry: Entry) -> "DirectoryEntry":
        t = entry.target
        return cls(
            id=strawberry.ID(str(t.id)), kind=t.kind, name=t.name, address=t.address,
            user_id=strawberry.ID(str(t.user_id)) if t.user_id is not None else None,
            favourite=entry.favourite,
            presence=[ChannelPresence.of(p) for p in entry.presence],
            available_channels=list(entry.available_channels) if entry.available_channels is not None else None,
            entry=entry,
        )


@strawberry.type
class DirectoryEdge:
    cursor: str
    node: DirectoryEntry


@strawberry.type(description="Directory results, best match first.")
class DirectoryConnection:
    edges: list[DirectoryEdge]
    page_info: PageInfo


DirectoryEntryResult = result_union("DirectoryEntryResult", DirectoryEntry)


def _position(after: str | None) -> str | None:
    if after is None:
        return None
    try:
        prefix, value = from_base64(after)
    except Exception:  # any malformed cursor is the client's mistake, said plainly
        raise InvalidInput("Invalid cursor.", field="after") from None
    if prefix != CURSOR_PREFIX:
        raise InvalidInput("Invalid cursor.", field="after")
    return value


def _selects(selections, name: str) -> bool:
    """Whether a field called `name` is selected anywhere below (fragments included)."""
    return any(getattr(s, "name", None) == name or _selects(getattr(s, "selections", ()), name)
               for s in selections)


# Whether the directory field at a place in a document asks for actions. Clients send the
# same few documents again and again, and strawberry rebuilds the whole selection tree
# (arguments and directives included) each time it is asked for it.
_ASKS_FOR_ACTIONS: dict[tuple, bool] = {}
_ASKS_FOR_ACTIONS_SIZE = 256


def _asks_for_actions(info: Info) -> bool:
    document, operation = info.query, info.operation
    if document is None or operation.loc is None:
        return _selects(info.selected_fields, "actions")
    key = (document, operation.loc.start, tuple(info.path.as_list()))
    asks = _ASKS_FOR_ACTIONS.get(key)
    if asks is None:
        if len(_ASKS_FOR_ACTIONS) >= _ASKS_FOR_ACTIONS_SIZE:
            _ASKS_FOR_ACTIONS.clear()
        asks = _ASKS_FOR_ACTIONS[key] = _selects(info.selected_fields, "actions")
    return asks


def _id(value: strawberry.ID, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"'{str(value)[:40]}' is not an id.", field=field) from None


async def _favourite(ctx, target_id: strawberry.ID, add: bool) -> Entry:
    # Parsed inside the attempt, so a malformed id comes back as a typed error too.
    directory = ctx.backline.directory
    change = directory.add_favourite if add else directory.remove_favourite
    return await change(ctx.actor, _id(target_id, "targetId"))


@strawberry.type
class Query:
    @strawberry.field(description=(
        "Search the directory: every typed word matches the start of a word of the name, "
        "ignoring case and accents, best match first (DIR1). An empty search lists favourites, "
        "then recent targets, then everyone (DIR5). `interactionId` picks the current "
        "interaction that consult / conference / transfer actions apply to."))
    async def directory(self, info: Info, search: str | None = None, kinds: list[TargetKind] | None = None,
                        first: int | None = None, after: str | None = None,
                        interaction_id: strawberry.ID | None = None) -> DirectoryConnection:
        ctx = info.context
        page = await ctx.backline.directory.search(
            ctx.actor, search, kinds, first if first is not None else 20, _position(after),
            interaction_id=_id(interaction_id, "interactionId") if interaction_id is not None else None,
            # The current interaction only matters to actions: not read when none are asked for.
            with_interaction=_asks_for_actions(info))
        edges = [DirectoryEdge(cursor=to_base64(CURSOR_PREFIX, cursor), node=DirectoryEntry.of(e))
                 for cursor, e in zip(page.cursors, page.entries)]
        return DirectoryConnection(edges=edges, page_info=PageInfo(
            has_next_page=page.has_next, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="One directory target by id.")
    async def directory_entry(self, info: Info, id: strawberry.ID,
                              interaction_id: strawberry.ID | None = None) -> DirectoryEntryResult:
        ctx = info.context

        async def lookup():
            return await ctx.backline.directory.entry(
                ctx.actor, _id(id, "id"),
                _id(interaction_id, "interactionId") if interaction_id is not None else None)

        return await attempt(lookup(), DirectoryEntry.of)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Pin a target to the top of an empty search (DIR5).")
    async def add_favourite(self, info: Info, target_id: strawberry.ID) -> DirectoryEntryResult:
        ctx = info.context
        return await attempt(_favourite(ctx, target_id, add=True), DirectoryEntry.of)

    @strawberry.mutation(description="Unpin a favourite target.")
    async def remove_favourite(self, info: Info, target_id: strawberry.ID) -> DirectoryEntryResult:
        ctx = info.context
        return await attempt(_favourite(ctx, target_id, add=False), DirectoryEntry.of)


@strawberry.type
class Subscription:
    @strawberry.subscription(description=(
        "A group's available members per channel (GRP2): the current figures first, then every "
        "change, as it happens (driven by presence changes, not polled). Only for groups whose "
        "availability the administrator shows."))
    async def group_availability_changed(self, info: Info, group_id: strawberry.ID, after: After = None
                                         ) -> AsyncGenerator[GroupChannelAvailability, None]:
        ctx = info.context
        ctx.actor  # noqa: B018 — the connection must be authenticated
        target_id = _id(group_id, "groupId")
        # Figures, not events: resuming gives the current figures (the changes between are superseded).
        async with following(ctx.backline, {PRESENCE_TOPIC}, after, replay=False) as stream:
            async for availability in watch_pool_availability(ctx.backline.directory, target_id, stream):
                # The current figures carry the head, a changed one the change's position.
                yield at(GroupChannelAvailability.of(target_id, availability), stream.last)
