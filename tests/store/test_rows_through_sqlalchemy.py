"""On SQLite the engine's prepared statements run straight on the driver; on any other
database they run through SQLAlchemy. The second path is shown here on SQLite, with the
driver path switched off: the same story gives the same answers."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from core.store import prepared
from tests.e2e.desk import (
    BY_ID, COMPLETE, CONSULT, PRESENCE, answered_call, customer, ok, open_offer, party_of, ready_agent, target_id,
)


@pytest.fixture
def through_sqlalchemy(monkeypatch):
    driven: list[str] = []
    monkeypatch.setattr(prepared.Prepared, "compiled", lambda self, dialect: None)
    original = prepared.DriverRunner.execute
    monkeypatch.setattr(prepared.DriverRunner, "execute",
                        lambda self, *args: driven.append("driver") or original(self, *args))
    yield driven


@pytest.fixture
def inserts(backline):
    """The INSERT statements SQLAlchemy sends on the write engine."""
    sent: list[str] = []

    def keep(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            sent.append(" ".join(statement.split()))

    engine = backline.store.engines.sync(backline.store.engines.write)
    event.listen(engine, "before_cursor_execute", keep)
    yield sent
    event.remove(engine, "before_cursor_execute", keep)


async def test_con7_consult_then_transfer_through_sqlalchemy(backline, api, client_for, through_sqlalchemy, inserts):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    call = await answered_call(backline, admin, agent, context={"account": "A-42"})
    consult = await ok(agent, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    done = await ok(agent, COMPLETE, id=consult["id"], **{"as": "TRANSFER"})
    assert party_of(done, role="OWNER")["userId"] == marie.me["id"]
    assert customer(done)["state"] == "CONNECTED"
    assert (await agent.execute(PRESENCE))["myPresence"][0]["state"] == "READY"
    assert (await marie.execute(PRESENCE))["myPresence"][0]["state"] == "BUSY"
    assert through_sqlalchemy == []  # nothing went to the driver
    # New rows leave their generated ids to the database (PostgreSQL refuses an explicit NULL).
    new_rows = [s for s in inserts if s.startswith(("INSERT INTO interaction ", "INSERT INTO interaction_party ",
                                                    "INSERT INTO interaction_offer "))]
    assert len(new_rows) >= 6 and not any("(id," in s for s in new_rows)
