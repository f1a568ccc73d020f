"""Fixtures: a Backline per test on its own database and a manual clock, an in-process
GraphQL client, and helpers for real servers (tests/support/servers.py).

Every test that takes `database_url` (or anything built on it: `settings`, `backline`, `api`)
runs twice, on SQLite and on PostgreSQL (its id ends in `[sqlite]` / `[postgresql]`). A test
about one store only names it (`sqlite_database_url`, `postgres`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from core.clock import ManualClock
from core.config import Settings
from core.demo import load_demo
from core.events import InProcessBus
from core.identity import passwords
from core.store.db import create_engines
from core.store.unit_of_work import Store
from core.runtime import Backline
from schema.app import create_app
from tests.support.client import GraphQLClient
from tests.support.config import repository_config
from tests.support.database import PostgresServer, fresh_copy, migrated_template, run_async, selected_stores, sqlite_url
from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[1]

hypothesis_settings.register_profile("ci", max_examples=40, derandomize=True, deadline=None)
hypothesis_settings.register_profile("dev", max_examples=40, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


# Demo users share one password; its hash is made with cheap argon2 parameters, so that a
# login costs milliseconds (a hash carries its parameters: verifying it costs what it cost).
passwords.use_parameters(time_cost=1, memory_cost=1024, parallelism=1)


async def _load_demo_into(url: str) -> None:
    store = Store(create_engines(url), InProcessBus())
    try:
        await load_demo(store)
    finally:
        await store.close()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """A migrated SQLite file with the demo loaded, copied by each SQLite test."""
    path = migrated_template(tmp_path_factory.mktemp("template"))
    run_async(_load_demo_into(sqlite_url(path)))
    return path


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """This test process's PostgreSQL server, with a migrated demo template database. Its
    data lives outside pytest's temporary folders: another pytest session on the machine
    prunes old ones, and would delete a running server's files."""
    folder = Path(tempfile.mkdtemp(prefix="backline-test-pg-"))
    server = PostgresServer(folder)
    try:
        server.create_template(_load_demo_into)
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=selected_stores())
def store_kind(request) -> str:
    return request.param


@pytest.fixture
def database_url(store_kind: str, request, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the demo template on this test's store."""
    if store_kind == "sqlite":
        yield fresh_copy(request.getfixturevalue("template_db"), tmp_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name, url = server.fresh_database()
    try:
        yield url
    finally:
        server.drop(name)


@pytest.fixture
def sqlite_database_url(template_db: Path, tmp_path: Path) -> str:
    """For tests of SQLite itself (WAL, its write lock): a copy of the SQLite template."""
    return fresh_copy(template_db, tmp_path)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The rate limit (SEC3) is high here so that long scripted tests by one user are not
    # throttled on the manual clock; tests/api/test_rate_limit.py sets its own.
    return Settings(database_url=database_url, plugins_file=REPO / "plugins.toml",
                    rate_limit_per_second=100_000)


@pytest.fixture
def config(settings: Settings):
    """The repository's plugins.toml (without SMTP listener); tests override it for other options."""
    return repository_config(settings.plugins_file)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def backline(settings, config, clock):
    app = Backline(settings, config, clock=clock)
    await app.start()
    await load_demo(app.store)
    try:
        yield app
    finally:
        await app.stop()


@pytest.fixture
async def api(backline):
    """An in-process GraphQL client (ASGI); `await api.login("agent")` to authenticate."""
    transport = httpx.ASGITransport(app=create_app(backline))
    async with httpx.AsyncClient(transport=transport, base_url="http://backline.test") as http:
        yield GraphQLClient(http)


@pytest.fixture
def client_for(api):
    """`await client_for("lead")`: a separately logged-in client on the same server."""

    async def make(username: str, password: str = "demo") -> GraphQLClient:
        return await api.as_user().login(username, password)

    return make


@pytest.fixture
def smtp_port() -> int:
    """A free loopback port for the email channel's SMTP listener (tests that receive mail)."""
    return free_port()


@pytest.fixture
def relay_port() -> int:
    """A free loopback port for the relay that outbound mail goes to (tests that send mail)."""
    return free_port()
