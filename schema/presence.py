"""Presence commands (PRS1) and the caller's own presence."""

from __future__ import annotations

import contextlib
import functools
from collections import OrderedDict
from datetime import datetime
from typing import AsyncGenerator, ClassVar

import strawberry
from graphql import OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.info import Info

from core.errors import InvalidInput
from core.events import Event
from core.presence.service import TOPIC
from core.presence.state import Presence as CorePresence
from core.presence.state import PresenceState as CorePresenceState
from core.presence.watch import PresenceUpdate
from schema.broadcast import EXECUTOR, Route, shared_stream
from schema.errors import attempt, result_union
from schema.streams import CURSOR_HELP, After, cursor_of, position_of

PresenceState = strawberry.enum(CorePresenceState, name="PresenceState")


@strawberry.type(description="An agent's presence on one channel; busy is derived from load.")
class ChannelPresence:
    channel: str
    state: PresenceState
    reason: str | None = strawberry.field(description="The not-ready reason code, if any.")
    since: datetime
    load: int = strawberry.field(description="Interactions held on this channel now.")
    capacity: int

    @classmethod
    def of(cls, presence: CorePresence) -> "ChannelPresence":
        return cls(channel=presence.channel, state=presence.state, reason=presence.reason,
                   since=presence.since, load=presence.load, capacity=presence.capacity)


PresenceResult = result_union("PresenceResult", ChannelPresence)


@strawberry.type(description="One agent's presence on one channel, as it changed (PRS2).")
class PresenceChange:
    # Its fields are plain data, the same for every watcher: see SharedEventExecution.
    shared_result: ClassVar[bool] = True

    agent_id: strawberry.ID
    team_id: strawberry.ID | None
    channel: str
    state: PresenceState
    reason: str | None
    since: datetime = strawberry.field(description="Since when the agent is in this state.")
    load: int
    capacity: int
    at: datetime = strawberry.field(description="When the change happened (in the snapshot: when read).")
    snapshot: bool = strawberry.field(description="Part of the current state sent first, not a change.")
    sequence: strawberry.ID | None = strawberry.field(
        description="The change's position in the history: increasing in commit order; null in the snapshot.")
    cursor: str | None = strawberry.field(default=None, description=CURSOR_HELP)

    @staticmethod
    @functools.lru_cache(maxsize=4096)
    def of(update: PresenceUpdate, position: int | None = None) -> "PresenceChange":
        """A change's cursor is its own position; a snapshot's, the `position` it was read at.
        Cached: every watcher of the same change shares one object."""
        p = update.presence
        position = update.event_id if position is None else position
        return PresenceChange(
            agent_id=strawberry.ID(str(p.user_id)),
            team_id=strawberry.ID(str(update.team_id)) if update.team_id is not None else None,
            channel=p.channel, state=p.state, reason=p.reason, since=p.since, load=p.load,
            capacity=p.capacity, at=update.at, snapshot=update.snapshot,
            sequence=strawberry.ID(str(update.event_id)) if update.event_id is not None else None,
            cursor=cursor_of(position) if position is not None else None,
        )


def _ids(values: list[strawberry.ID] | None, field: str) -> list[int] | None:
    if values is None:
        return None
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise InvalidInput("Ids must be numbers.", field=field) from None


@strawberry.type
class Query:
    @strawberry.field(description="The caller's presence on every enabled channel.")
    async def my_presence(self, info: Info) -> list[ChannelPresence]:
        backline = info.context.backline
        actor = info.context.actor
        async with backline.store.read() as session:
            presence = await backline.presence.presence_of(session, [actor.user_id])
        return [ChannelPresence.of(p) for p in presence[actor.user_id]]

    @strawberry.field(description="The not-ready reason codes an agent may choose from.")
    def reason_codes(self, info: Info) -> list[str]:
        return list(info.context.backline.presence.reason_codes)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Log in to a channel, not ready unless `ready` is true.")
    async def log_in(self, info: Info, channel: str, ready: bool = False) -> PresenceResult:
        ctx = info.context
        return await attempt(ctx.backline.presence.log_in(ctx.actor, channel, ready), ChannelPresence.of)

    @strawberry.mutation(description="Log out of a channel (refused while holding interactions on it).")
    async def log_out(self, info: Info, channel: str) -> PresenceResult:
        ctx = info.context
        return await attempt(ctx.backline.presence.log_out(ctx.actor, channel), ChannelPresence.of)

    @strawberry.mutation(description="Ready to take interactions on a channel.")
    async def set_ready(self, info: Info, channel: str) -> PresenceResult:
        ctx = info.context
        return await attempt(ctx.backline.presence.set_ready(ctx.actor, channel), ChannelPresence.of)

    @strawberry.mutation(description="Not ready on a channel, with a configured reason code.")
    async def set_not_ready(self, info: Info, channel: str, reason: str | None = None) -> PresenceResult:
        ctx = info.context
        return await attempt(ctx.backline.presence.set_not_ready(ctx.actor, channel, reason), ChannelPresence.of)


@strawberry.type
class Subscription:
    @strawberry.subscription(description=(
        "Live presence (PRS2): the current presence of every watched agent per channel first "
        "(`snapshot: true`), then every change in order, with its time. Watch `agentIds`, a "
        "`groupId` (agent group, skill, queue), a `teamId` (its supervisors, members and "
        "administrators), or nothing for everyone you may see: administrators everyone, "
        "supervisors the teams they lead (SUP3), agents their own team."))
    async def presence_changed(self, info: Info, agent_ids: list[strawberry.ID] | None = None,
                               group_id: strawberry.ID | None = None, team_id: strawberry.ID | None = None,
                               after: After = None) -> AsyncGenerator[PresenceChange, None]:
        ctx = info.context
        actor, presence, log = ctx.actor, ctx.backline.presence, ctx.backline.events
        agents = _ids(agent_ids, "agentIds")
        group = _ids([group_id], "groupId")[0] if group_id is not None else None
        team = _ids([team_id], "teamId")[0] if team_id is not None else None
        change_of = presence_change_of(presence)

        async def opening():
            """Whom the caller watches, what goes out first, and the position it covers."""
            if after is None:
                head = await log.newest()
                audience, snapshot = await presence.snapshot(actor, agents, group, team)
                return audience, [PresenceChange.of(update, head) for update in snapshot], head
            position = position_of(after)
            last = await log.resumable_from(position)
            audience = await presence.audience(actor, agents, group, team)
            replayed = []
            async for event in log.since(position, {TOPIC}):
                last = max(last, event.id)
                if audience.accepts(event.payload):
                    replayed.append(change_of(event))
            return audience, replayed, last

        route = Route.current()
        if route is None:  # not over graphql-transport-ws: strawberry's own stream
            subscription = ctx.backline.bus.subscribe({TOPIC})
            try:
                audience, opened, last = await opening()
                for change in opened:
                    yield change
                async for event in subscription:
                    if (event.id is None or event.id > last) and audience.accepts(event.payload):
                        yield change_of(event)
            finally:
                subscription.close()
            return
        stream = shared_stream(route, ctx.backline.bus, TOPIC, opening, change_of)
        async with contextlib.aclosing(stream):
            async for change in stream:
                yield change


@functools.lru_cache(maxsize=8)
def presence_change_of(presence):
    """The change an event is, for one PresenceService: the same function object each time,
    so that watchers of the same audience and query share a group (schema.broadcast)."""

    def change_of(event: Event) -> PresenceChange:
        return PresenceChange.of(presence.update_of(event))

    return change_of


class SharedEventExecution(StrawberryGraphQLCoreExecutionContext):
    """Executes a subscription event once per audience instead of once per subscriber.

    graphql-core runs the subscription's selection set again for every subscriber of every
    event; with 1,000 watchers of one agent that is 1,000 identical executions of the same
    change. For event types marked `shared_result` (plain data: nothing in them depends on
    who watches, and who may watch was decided before the event was yielded), the result
    is kept for the same event object, query text and variables, and handed to every
    subscriber that asks for exactly that. Anything else executes as usual.
    """

    _results: ClassVar[OrderedDict] = OrderedDict()
    CACHE_SIZE: ClassVar[int] = 1024

    def cancellable_iterable(self, iterable):
        # Called once per subscription, in its operation's task, as graphql-core maps its
        # events to results: the executor a broadcast reuses for those events.
        EXECUTOR.set(self)
        return super().cancellable_iterable(iterable)

    def execute_operation(self, serially=None):
        payload = self.root_value
        operation = self.operation
        if (not getattr(type(payload), "shared_result", False)
                or operation.operation is not OperationType.SUBSCRIPTION or operation.loc is None):
            return super().execute_operation(serially)
        # Coerced variables come in the order the query declares them: same query, same repr.
        key = (id(payload), operation.loc.source.body, repr(self.variable_values))
        kept = self._results.get(key)
        if kept is not None and kept[0] is payload:  # the same object, not a reused id
            return kept[1]
        result = super().execute_operation(serially)
        if self.is_awaitable(result):  # plain data resolves synchronously; never expected
            return result
        self._results[key] = (payload, result)
        if len(self._results) > self.CACHE_SIZE:
            self._results.popitem(last=False)
        return result
