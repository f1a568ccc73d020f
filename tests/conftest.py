"""Fixtures: a Backline per test on its own SQLite file and a manual clock, an in-process
GraphQL client, and helpers for real servers (tests/support/servers.py)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from core.clock import ManualClock
from core.config import Settings
from core.demo import load_demo
from core.runtime import Backline
from schema.app import create_app
from tests.support.client import GraphQLClient
from tests.support.config import repository_config
from tests.support.database import fresh_copy, migrated_template
from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[1]

hypothesis_settings.register_profile("ci", max_examples=40, derandomize=True, deadline=None)
hypothesis_settings.register_profile("dev", max_examples=40, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    return migrated_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def database_url(template_db: Path, tmp_path: Path) -> str:
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
