"""INS5: a liveness and a readiness check for a load balancer, on both stores. Ready means
the store answers, its schema is at the migrations' heads, and (PostgreSQL) the listener of
the other instances' events is connected; otherwise 503 says which check failed."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from schema.app import create_app


async def get(backline, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(backline))
    async with httpx.AsyncClient(transport=transport, base_url="http://backline.test") as http:
        return await http.get(path)


async def test_ins5_healthz_says_alive_and_readyz_says_ready_with_its_checks(backline):
    assert (await get(backline, "/healthz")).json() == {"status": "ok"}
    ready = await get(backline, "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"store": True, "migrations": True, "events": True}}


async def test_ins5_an_instance_on_a_schema_behind_its_migrations_is_not_ready(backline):
    async with backline.store.write() as uow:
        await uow.session.execute(text("UPDATE alembic_version SET version_num = '0001' WHERE version_num = '0008'"))
    answer = await get(backline, "/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"store": True, "migrations": False, "events": True}
    assert (await get(backline, "/healthz")).status_code == 200  # alive all the same


@pytest.mark.parametrize("store_kind", ["postgresql"])  # SQLite serves one instance: no listener
async def test_ins5_without_its_event_listener_an_instance_is_not_ready_postgres(backline):
    await backline.store.relay.stop()
    answer = await get(backline, "/readyz")
    assert answer.status_code == 503 and answer.json()["checks"]["events"] is False
