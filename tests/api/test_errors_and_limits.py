"""SEC2/SEC3 at the API edge: unexpected exceptions are masked for the client and logged;
malformed queries get a clear error; depth and size are bounded."""

from __future__ import annotations

import logging


async def test_sec2_an_unexpected_exception_is_masked_and_logged(api, backline, monkeypatch, caplog):
    async def explode(username, password, address=None):
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr(backline.identity, "login", explode)
    with caplog.at_level(logging.ERROR, logger="backline.api"):
        body = await api.raw('mutation { login(username: "agent", password: "demo") { __typename } }')
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in str(body)
    assert "Traceback" not in str(body)
    assert any("secret" in (r.exc_text or "") or r.exc_info for r in caplog.records)


async def test_sec2_a_malformed_query_gets_a_clear_error_without_internals(api):
    body = await api.raw("{ me { username ")
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert "Traceback" not in str(body)


async def test_sec2_an_unknown_field_is_named(api):
    await api.login("agent")
    body = await api.raw("{ me { password } }")
    assert "password" in body["errors"][0]["message"]


async def test_sec3_query_depth_is_limited(backline, config, clock):
    from dataclasses import replace

    import httpx

    from core.runtime import Backline
    from schema.app import create_app
    from tests.support.client import GraphQLClient

    shallow = Backline(replace(backline.settings, max_query_depth=1), config, clock=clock)
    transport = httpx.ASGITransport(app=create_app(shallow))
    async with httpx.AsyncClient(transport=transport, base_url="http://backline.test") as http:
        body = await GraphQLClient(http).raw(
            'mutation { login(username: "agent", password: "demo") { ... on LoginSuccess { me { id } } } }'
        )
    await shallow.store.close()
    assert "exceeds maximum operation depth of 1" in body["errors"][0]["message"]


async def test_sec3_query_size_is_limited(api):
    await api.login("agent")
    huge = "{ " + " ".join(f"a{i}: __typename" for i in range(3000)) + " }"
    body = await api.raw(huge)
    assert body["data"] is None
    assert "token" in body["errors"][0]["message"].lower()
