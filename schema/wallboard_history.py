"""The wallboard's charts over the last hour (WEB2): what they draw before the live streams
extend them, read once when the board opens (core.supervision.board_history)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types.info import Info

from core.presence.state import PresenceState
from core.supervision.board_history import BoardHistory, BoardPoint, board_history
from schema.errors import attempt, result_union


@strawberry.type(description="The counts from `at` until the next point.")
class WallboardPoint:
    at: datetime
    ready: int = strawberry.field(description="Agents ready on a channel (on `channel` when asked).")
    not_ready: int = strawberry.field(description="Agents not ready on a channel.")
    busy: int = strawberry.field(description="Agents busy on a channel.")
    wrap_up: int = strawberry.field(description="Agents in wrap-up on a channel.")
    waiting: int = strawberry.field(description="Requests waiting for an agent, as `waitingRequests` counts them.")

    @classmethod
    def of(cls, p: BoardPoint) -> "WallboardPoint":
        a = p.agents
        return cls(at=p.at, ready=a[PresenceState.READY], not_ready=a[PresenceState.NOT_READY],
                   busy=a[PresenceState.BUSY], wrap_up=a[PresenceState.WRAP_UP], waiting=p.waiting)


@strawberry.type(description=(
    "A step function: a point when the window opens, one at each change, one now. An agent with several "
    "channels counts once in each state one of them is in."))
class WallboardHistory:
    since: datetime
    until: datetime = strawberry.field(description="Now: where the live streams take over.")
    channel: str | None = strawberry.field(description="The channel counted; null: every channel.")
    points: list[WallboardPoint]

    @classmethod
    def of(cls, h: BoardHistory) -> "WallboardHistory":
        return cls(since=h.since, until=h.until, channel=h.channel, points=[WallboardPoint.of(p) for p in h.points])


WallboardHistoryResult = result_union("WallboardHistoryResult", WallboardHistory)


@strawberry.type
class Query:
    @strawberry.field(description=(
        "How many agents were in each state, and how many requests waited, over the last `minutes` (1 to 1440), "
        "for a wallboard's charts. Counted over whom the caller watches live (SUP3): the agents of "
        "`presenceChanged` without arguments, the requests of `waitingRequests`."))
    async def wallboard_history(self, info: Info, minutes: int = 60,
                                channel: str | None = None) -> WallboardHistoryResult:
        ctx = info.context
        return await attempt(lambda: board_history(ctx.backline, ctx.actor, minutes, channel), WallboardHistory.of)
