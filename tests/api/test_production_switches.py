"""Production switches: GraphiQL and introspection can be turned off by configuration (on by
default, as in the demo's `make run`)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from core.config import Settings
from core.errors import ConfigurationError
from core.runtime import Backline
from schema.app import create_app

INTROSPECTION = "{ __schema { queryType { name } } }"


async def served(backline, config, clock, **switches):
    app = Backline(replace(backline.settings, **switches), config, clock=clock)
    return app, httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(app)), base_url="http://backline.test")


async def test_sec3_graphiql_and_introspection_are_on_by_default(backline, config, clock):
    app, http = await served(backline, config, clock)
    async with http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        body = (await http.post("/graphql", json={"query": INTROSPECTION})).json()
        assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    await app.store.close()


async def test_sec3_in_production_graphiql_and_introspection_are_off(backline, config, clock):
    app, http = await served(backline, config, clock, graphiql=False, introspection=False)
    async with http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        body = (await http.post("/graphql", json={"query": INTROSPECTION})).json()
        assert body["data"] is None and "introspection" in body["errors"][0]["message"].lower()
        assert (await http.post("/graphql", json={"query": "{ __typename }"})).json() == {"data": {"__typename": "Query"}}
    await app.store.close()


def test_the_switches_come_from_the_environment():
    settings = Settings.from_env({"BACKLINE_GRAPHIQL": "false", "BACKLINE_INTROSPECTION": "0"})
    assert (settings.graphiql, settings.introspection) == (False, False)
    assert Settings.from_env({}).graphiql is True
    with pytest.raises(ConfigurationError):
        Settings.from_env({"BACKLINE_GRAPHIQL": "maybe"})
