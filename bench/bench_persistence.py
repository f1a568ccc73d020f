"""What the ORM unit of work costs over the Core statements it runs, for the engine's rows.

Issue 11 put the engine's rows (interactions, parties, offers, presence) back in the ORM
session: one identity map per transaction, mapper defaults and events on every row, only
public SQLAlchemy. Its throughput goal was set by the earlier path, which wrote the same
rows with precompiled SQL through the driver. This benchmark measures the price of the
session by itself, away from HTTP and GraphQL: one round does what a routing command does
to its rows (a new interaction with two parties, a locked read of it with its parties, a
party connected and another gone, the interaction's version bumped), in one write unit of
Backline's own store, on SQLite and on PostgreSQL (an embedded server) in the same run:
- `session`: the engine's way, `uow.rows` (ORM objects, their changes flushed by the session);
- `core`: the same statements as Core statements on the unit's connection, without objects;
- `empty`: a write unit that runs nothing (BEGIN and COMMIT): the constant of the run.
Prints each one's time per round (the best and the median of alternating batches) and the
ratios session / core and session / empty, per store.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import bindparam, event, insert, select, update

from bench.support import demo_stores, temporary_folder
from core.events import InProcessBus
from core.interactions.models import Interaction, InteractionKind, InteractionState, Party, PartyRole, PartyState
from core.store.db import create_engines
from core.store.unit_of_work import Store

WARM_ROUNDS, BATCHES, ROUNDS_PER_BATCH = 200, 6, 150

INTERACTION, PARTY = Interaction.__table__, Party.__table__
# The engine's locked read of an interaction with its parties (core.interactions.work).
_LOCKED_ORM = (select(Interaction, Party).outerjoin(Party, PARTY.c.interaction_id == INTERACTION.c.id)
               .where(INTERACTION.c.id == bindparam("interaction_id")).order_by(PARTY.c.id)
               .with_for_update(of=INTERACTION).execution_options(populate_existing=True))
_LOCKED_CORE = (select(INTERACTION, PARTY).outerjoin(PARTY, PARTY.c.interaction_id == INTERACTION.c.id)
                .where(INTERACTION.c.id == bindparam("interaction_id")).order_by(PARTY.c.id)
                .with_for_update(of=INTERACTION))
_NEW_INTERACTION = insert(INTERACTION).returning(INTERACTION.c.id)
_NEW_PARTY = insert(PARTY).returning(PARTY.c.id)
_PARTY_STATE = update(PARTY).where(PARTY.c.id == bindparam("party_id")).values(
    state=bindparam("state"), left_at=bindparam("left_at"))
_INTERACTION_STATE = update(INTERACTION).where(INTERACTION.c.id == bindparam("interaction_id")).values(
    state=bindparam("state"), version=bindparam("version"))


def _party_values(interaction_id: int, name: str, role: PartyRole, state: PartyState, now) -> dict:
    return {"interaction_id": interaction_id, "display_name": name, "role": role, "state": state,
            "muted": False, "muted_towards": [], "removed": False, "joined_at": now}


async def _session_round(store: Store, now) -> None:
    async with store.write() as uow:
        rows = uow.rows
        interaction = await rows.create(Interaction, channel="voice", kind=InteractionKind.CUSTOMER,
                                        state=InteractionState.ROUTING, created_at=now, version=1)
        customer = await rows.create(Party, interaction_id=interaction.id, display_name="+33 1",
                                     role=PartyRole.CUSTOMER, state=PartyState.HELD, joined_at=now)
        agent = await rows.create(Party, interaction_id=interaction.id, display_name="Agent",
                                  role=PartyRole.OWNER, state=PartyState.ALERTING, joined_at=now)
        agent.state = PartyState.CONNECTED
        interaction.state = InteractionState.ACTIVE
        await rows.load(_LOCKED_ORM, {"interaction_id": interaction.id}, Interaction, Party)
        customer.state, customer.left_at = PartyState.LEFT, now
        interaction.version += 1


async def _core_round(store: Store, now) -> None:
    async with store.write() as uow:
        connection = await uow.session.connection()
        interaction_id = (await connection.execute(_NEW_INTERACTION, {
            "channel": "voice", "kind": InteractionKind.CUSTOMER, "state": InteractionState.ROUTING,
            "inbound": False, "context": {}, "contact": {}, "created_at": now, "version": 1,
        })).scalar_one()
        customer_id = (await connection.execute(_NEW_PARTY, _party_values(
            interaction_id, "+33 1", PartyRole.CUSTOMER, PartyState.HELD, now))).scalar_one()
        agent_id = (await connection.execute(_NEW_PARTY, _party_values(
            interaction_id, "Agent", PartyRole.OWNER, PartyState.ALERTING, now))).scalar_one()
        await connection.execute(_PARTY_STATE, {"party_id": agent_id, "state": PartyState.CONNECTED, "left_at": None})
        await connection.execute(_INTERACTION_STATE, {"interaction_id": interaction_id,
                                                      "state": InteractionState.ACTIVE, "version": 1})
        (await connection.execute(_LOCKED_CORE, {"interaction_id": interaction_id})).all()
        await connection.execute(_PARTY_STATE, {"party_id": customer_id, "state": PartyState.LEFT, "left_at": now})
        await connection.execute(_INTERACTION_STATE, {"interaction_id": interaction_id,
                                                      "state": InteractionState.ACTIVE, "version": 2})


async def _empty_round(store: Store, now) -> None:
    async with store.write() as uow:
        await uow.session.connection()  # BEGIN (IMMEDIATE on SQLite) and COMMIT, nothing else


ROUNDS = {"session": _session_round, "core": _core_round, "empty": _empty_round}


async def _statements(store: Store, run, now) -> int:
    """The statements one round sends to the driver (the same for `session` and `core`, or
    the comparison would not be of one work)."""
    sent: list[str] = []

    def count(_connection, _cursor, statement: str, *_args) -> None:
        sent.append(statement)

    engine = store.engines.sync(store.engines.write)
    event.listen(engine, "before_cursor_execute", count)
    try:
        await run(store, now)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)


async def measure(url: str) -> tuple[dict[str, int], dict[str, list[float]]]:
    """Statements per round of each kind, and milliseconds per round, one figure per batch;
    the kinds alternate batch by batch, so that the machine's drift falls on all alike."""
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    store = Store(create_engines(url), InProcessBus())
    try:
        for run in ROUNDS.values():
            for _ in range(WARM_ROUNDS):
                await run(store, now)
        statements = {name: await _statements(store, run, now) for name, run in ROUNDS.items()}
        figures: dict[str, list[float]] = {name: [] for name in ROUNDS}
        for _ in range(BATCHES):
            for name, run in ROUNDS.items():
                started = time.perf_counter()
                for _ in range(ROUNDS_PER_BATCH):
                    await run(store, now)
                figures[name].append((time.perf_counter() - started) / ROUNDS_PER_BATCH * 1000)
        return statements, figures
    finally:
        await store.close()


def report(statements: dict[str, dict[str, int]], results: dict[str, dict[str, list[float]]]) -> None:
    stores = list(results)
    print(f"{'statements per round':32s}" + "".join(f"{name:>22s}" for name in stores))
    for kind in ROUNDS:
        print(f"{kind:32s}" + "".join(f"{statements[s][kind]:>22d}" for s in stores))
    print(f"{'ms per round (best / median)':32s}" + "".join(f"{name:>22s}" for name in stores))
    for kind in ROUNDS:
        cells = [f"{min(results[s][kind]):.3f} / {statistics.median(results[s][kind]):.3f}" for s in stores]
        print(f"{kind:32s}" + "".join(f"{cell:>22s}" for cell in cells))
    best = {s: {kind: min(values) for kind, values in results[s].items()} for s in stores}
    for top, bottom in (("session", "core"), ("session", "empty"), ("core", "empty")):
        print(f"{top + ' / ' + bottom:32s}" + "".join(f"{best[s][top] / best[s][bottom]:>22.2f}" for s in stores))


def main() -> None:
    with temporary_folder() as folder, demo_stores(Path(folder)) as stores:
        measured = {name: asyncio.run(measure(url)) for name, url in stores}
    print(f"one round: 3 inserts, 4 updates, 1 locked read of 3 rows; {BATCHES} batches of "
          f"{ROUNDS_PER_BATCH} rounds each, after {WARM_ROUNDS} warm ones")
    report({name: m[0] for name, m in measured.items()}, {name: m[1] for name, m in measured.items()})


if __name__ == "__main__":
    main()
