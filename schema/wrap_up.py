"""After-call work (WRP1–WRP3): the caller's open wrap-ups and how they complete one."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types.info import Info

from core.interactions.models import WrapUp as CoreWrapUp
from schema.arguments import int_id, sid
from schema.errors import attempt, result_union
from schema.interaction_events import WrapUpOutcome



@strawberry.type(description=(
    "After-call work on an interaction you left (WRP1): while it is open you are WRAP_UP on its "
    "channel and nothing new is offered to you there. Complete it with completeWrapUp."))
class WrapUp:
    id: strawberry.ID
    interaction_id: strawberry.ID
    channel: str
    since: datetime
    ends_at: datetime | None = strawberry.field(description="When its time limit ends it; null: until you complete it.")
    disposition_codes: list[str] = strawberry.field(description="The codes you may record (WRP2).")
    ended_at: datetime | None
    outcome: WrapUpOutcome | None
    codes: list[str] = strawberry.field(description="The dispositions recorded.")
    note: str | None

    @classmethod
    def of(cls, wrap_up: CoreWrapUp, disposition_codes: tuple[str, ...]) -> "WrapUp":
        return cls(id=sid(wrap_up.id), interaction_id=sid(wrap_up.interaction_id), channel=wrap_up.channel,
                   since=wrap_up.started_at, ends_at=wrap_up.ends_at, disposition_codes=list(disposition_codes),
                   ended_at=wrap_up.ended_at, outcome=wrap_up.outcome, codes=list(wrap_up.codes), note=wrap_up.note)


WrapUpResult = result_union("WrapUpResult", WrapUp)


@strawberry.type
class Query:
    @strawberry.field(description="Your wrap-ups not completed yet, oldest first (WRP1).")
    async def my_wrap_ups(self, info: Info) -> list[WrapUp]:
        after_call = info.context.backline.interactions.after_call
        return [WrapUp.of(w, after_call.codes(w.channel)) for w in await after_call.open_for(info.context.actor)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description=(
        "End your wrap-up on an interaction, recording disposition codes (from the channel's list) and a "
        "note in its history, which its parties' supervisors and administrators read (WRP2)."))
    async def complete_wrap_up(self, info: Info, interaction_id: strawberry.ID, codes: list[str] | None = None,
                               note: str | None = None) -> WrapUpResult:
        ctx = info.context
        after_call = ctx.backline.interactions.after_call
        return await attempt(
            lambda: after_call.complete(ctx.actor, int_id(interaction_id, "interactionId"), codes or [], note),
            lambda w: WrapUp.of(w, after_call.codes(w.channel)))
