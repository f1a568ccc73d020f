"""After-call work (WRP1–WRP3). An agent who leaves a customer interaction they handled, on a
channel whose wrap-up is on, is in wrap-up there: an open `WrapUp` row, counted on their
presence row (`wrap_ups`), so that presence shows WRAP_UP with its `since` and routing
offers them nothing new on that channel. It ends when they record its dispositions
(`complete`) or when the channel's time limit passes (a time-out in the store, INS3). Its
start and end are events of the interaction: they are in its history, for its parties, their
supervisors and the administrators (WRP2)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Sequence

from sqlalchemy import bindparam, select

from core.channels import WrapUpPolicy
from core.errors import InvalidInput, NotFound
from core.identity.actor import Actor
from core.interactions.models import Interaction, Party, WrapUp, WrapUpOutcome
from core.interactions.work import Work
from core.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine

TIME_LIMIT = "wrap_up"
MAX_NOTE_CHARS = 2000

_TABLE = WrapUp.__table__
_OPEN_OF = (select(WrapUp).where(_TABLE.c.interaction_id == bindparam("interaction_id"),
                                 _TABLE.c.user_id == bindparam("user_id"), _TABLE.c.ended_at.is_(None))
            .execution_options(populate_existing=True))
_OPEN_OF_USER = (select(WrapUp).where(_TABLE.c.user_id == bindparam("user_id"), _TABLE.c.ended_at.is_(None))
                 .order_by(_TABLE.c.id))


class AfterCallWork:
    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine
        self.timeouts = engine.timeouts
        self.timeouts.handle(TIME_LIMIT, self._time_limit_reached)

    def policy(self, channel: str) -> WrapUpPolicy:
        return self.engine.channels.get(channel).wrap_up

    def codes(self, channel: str) -> tuple[str, ...]:
        """The disposition codes an agent chooses from on `channel` (WRP2)."""
        own = self.policy(channel).codes
        return own if own is not None else self.engine.options.disposition_codes

    # -- starting (inside the unit of work of the command that makes the party leave) -----

    async def begin(self, work: Work, interaction: Interaction, party: Party) -> None:
        policy = self.policy(interaction.channel)
        if not policy.enabled or party.user_id is None:
            return
        if await work.rows.all(WrapUp, _OPEN_OF, {"interaction_id": interaction.id, "user_id": party.user_id}):
            return  # left twice (a transfer's source that rejoined): one wrap-up
        ends_at = work.now + timedelta(seconds=policy.seconds) if policy.seconds else None
        wrap_up = await work.rows.create(WrapUp, interaction_id=interaction.id, user_id=party.user_id,
                                         channel=interaction.channel, started_at=work.now, ends_at=ends_at)
        await self.engine.presence.adjust_wrap_ups(work.uow, party.user_id, interaction.channel, +1,
                                                   actor_id=work.actor_id)
        if policy.seconds:
            self.timeouts.schedule(work.uow, TIME_LIMIT, wrap_up.id, 0, policy.seconds)
        work.record(interaction, "WrapUpStarted", wrapUpId=wrap_up.id, userId=party.user_id,
                    partyId=party.id, endsAt=ends_at.isoformat() if ends_at else None)

    # -- ending ---------------------------------------------------------------------------

    async def complete(self, actor: Actor, interaction_id: int, codes: Sequence[str],
                       note: str | None) -> WrapUp:
        note = (note or "").strip() or None
        if note is not None and len(note) > MAX_NOTE_CHARS:
            raise InvalidInput(f"A wrap-up note has at most {MAX_NOTE_CHARS} characters.", field="note")
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            found = await work.rows.all(WrapUp, _OPEN_OF, {"interaction_id": interaction_id, "user_id": actor.user_id})
            if not found:
                raise NotFound(f"You have no wrap-up to complete on interaction {interaction_id}.")
            allowed = self.codes(interaction.channel)
            unknown = [code for code in codes if code not in allowed]
            if unknown:
                raise InvalidInput(f"Unknown disposition code '{unknown[0][:80]}'; configured: "
                                   f"{', '.join(allowed)}.", field="codes")
            wrap_up = found[0]
            await self._end(work, interaction, wrap_up, WrapUpOutcome.COMPLETED, list(dict.fromkeys(codes)), note)
            work.finish()
        return wrap_up

    async def _time_limit_reached(self, uow: UnitOfWork, wrap_up_id: int, _round: int) -> None:
        found = await uow.rows.get(WrapUp, wrap_up_id)
        if found is None or found.ended_at is not None:
            return  # completed in time
        work = Work(self.engine, uow, None)
        interaction = await work.interaction(found.interaction_id)
        wrap_up = (await work.rows.all(WrapUp, _OPEN_OF, {"interaction_id": found.interaction_id,
                                                          "user_id": found.user_id}) or [None])[0]
        if wrap_up is None:
            return
        await self._end(work, interaction, wrap_up, WrapUpOutcome.TIMED_OUT, [], None)
        work.finish()

    async def _end(self, work: Work, interaction: Interaction, wrap_up: WrapUp, outcome: WrapUpOutcome,
                   codes: list[str], note: str | None) -> None:
        wrap_up.ended_at = work.now
        wrap_up.outcome = outcome
        wrap_up.codes = codes
        wrap_up.note = note
        await self.engine.presence.adjust_wrap_ups(work.uow, wrap_up.user_id, wrap_up.channel, -1,
                                                   actor_id=work.actor_id)
        work.record(interaction, "WrapUpEnded", wrapUpId=wrap_up.id, userId=wrap_up.user_id,
                    outcome=outcome.value, codes=codes, note=note,
                    seconds=(work.now - wrap_up.started_at).total_seconds())

    # -- reading --------------------------------------------------------------------------

    async def open_for(self, actor: Actor) -> list[WrapUp]:
        """The caller's wrap-ups not finished yet, oldest first."""
        async with self.engine.store.read() as session:
            return list((await session.execute(_OPEN_OF_USER, {"user_id": actor.user_id})).scalars().all())

