"""Following the interaction events for supervision: an agent's "next calls" supervision
joins each new interaction of the agent as it connects (SUP1, SUP2); a supervision of one
interaction ends when the interaction does, or when its supervisor leaves it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import bindparam
from sqlmodel import col, select

from core.interactions.hearing import SUPERVISOR_ROLES
from core.interactions.models import Interaction, InteractionKind, Party, PartyState
from core.interactions.work import TOPIC, Work
from core.listener import BusListener
from core.supervision.models import Scope, Supervision

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine

log = logging.getLogger("backline.supervision")

# Interactions an agent's "next calls" monitoring joins: not internal ones (a voicemail PIN).
JOINED_KINDS = frozenset({InteractionKind.CUSTOMER.value, InteractionKind.CONSULTATION.value})
# Events that put an agent on an interaction, connected.
JOINING_EVENTS = frozenset({"OfferAccepted", "PartyAdded"})
SUPERVISOR_ROLE_VALUES = frozenset(role.value for role in SUPERVISOR_ROLES)

# Built once: most interaction events are followed by one of these reads, and building a
# statement cost more than SQLite running it. Read on a bare connection (no ORM session,
# whose set-up and close would cost as much again).
_WATCHING_NEXT_CALLS = select(Supervision.id, Supervision.supervisor_id).where(
    Supervision.agent_id == bindparam("agent_id"), Supervision.scope == Scope.NEXT_CALLS,
    col(Supervision.active)).order_by(col(Supervision.id))
_ON_INTERACTION = select(Supervision).where(
    Supervision.interaction_id == bindparam("interaction_id"), col(Supervision.active))
_BY_SUPERVISOR_ON_INTERACTION = _ON_INTERACTION.where(Supervision.supervisor_id == bindparam("supervisor_id"))


class Supervisions(Protocol):
    """What following asks of the supervision service (core.supervision.service)."""

    async def join(self, work: Work, interaction: Interaction, supervision: Supervision,
                   strict: bool) -> Party | None: ...

    def end(self, work: Work, supervision: Supervision, reason: str) -> None: ...


class Following:
    def __init__(self, engine: "InteractionEngine", supervisions: Supervisions) -> None:
        self.engine, self.store, self.supervisions = engine, engine.store, supervisions
        self.listener = BusListener(engine.bus, {TOPIC}, self._follow, log)

    async def start(self) -> None:
        self.listener.start()

    async def stop(self) -> None:
        await self.listener.stop()

    async def _follow(self, events) -> None:
        for event in events:
            try:
                await self.on_event(event)
            except Exception:  # one failed join must not stop the next ones
                log.exception("Supervision failed to follow %s", event.kind)

    async def on_event(self, event) -> None:
        payload = event.payload
        interaction_id = payload.get("interactionId")
        if event.kind == "InteractionEnded":
            await self._interaction_ended(interaction_id)
            return
        if (event.kind == "PartyStateChanged" and payload.get("state") == PartyState.LEFT.value
                and payload.get("role") in SUPERVISOR_ROLE_VALUES):
            await self._interaction_ended(interaction_id, payload.get("userId"), "left")
            return
        if event.kind not in JOINING_EVENTS or payload.get("interactionKind") not in JOINED_KINDS:
            return
        if event.kind == "PartyAdded" and payload.get("state") != PartyState.CONNECTED.value:
            return
        agent_id = payload.get("userId")
        if agent_id is None or payload.get("role") in SUPERVISOR_ROLE_VALUES:
            return
        async with self.store.read_connection() as connection:
            watching = (await connection.execute(_WATCHING_NEXT_CALLS, {"agent_id": agent_id})).all()
        for supervision_id, supervisor_id in watching:
            async with self.store.write() as uow:
                work = Work(self.engine, uow, supervisor_id)
                current = await work.session.get(Supervision, supervision_id)
                if current is None or not current.active:
                    continue
                interaction = await work.interaction(interaction_id)
                await self.supervisions.join(work, interaction, current, strict=False)
                work.finish()

    async def _interaction_ended(self, interaction_id: int, supervisor_id: int | None = None,
                                 reason: str = "interaction_ended") -> None:
        """One interaction's supervisions end with it, or when their supervisor leaves it."""
        query, params = ((_ON_INTERACTION, {"interaction_id": interaction_id}) if supervisor_id is None else
                         (_BY_SUPERVISOR_ON_INTERACTION,
                          {"interaction_id": interaction_id, "supervisor_id": supervisor_id}))
        async with self.store.read_connection() as connection:
            if (await connection.execute(query, params)).first() is None:
                return  # most interactions end unsupervised: no write lock for them
        async with self.store.write() as uow:
            work = Work(self.engine, uow, None)
            for supervision in (await work.session.exec(query, params=params)).all():
                self.supervisions.end(work, supervision, reason)

    async def settle(self, timeout: float = 30.0) -> None:
        """Until every interaction event published so far has been followed (tests, CLI)."""
        await self.listener.settle(timeout)

