"""SEC3: one rate limit on every transport, against a real server: per user (however many
tokens it holds) once authenticated, per client address before; GraphQL over POST and GET,
and every `subscribe` message over a WebSocket (refused with an `error` message on its id,
the socket staying open). On the manual clock: nothing sleeps."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest
import websockets

from schema.app import create_app
from schema.rate_limit import TokenBuckets
from tests.support.client import GraphQLClient
from tests.support.servers import serve_in_loop
from tests.support.ws import ws_url

ME = "{ me { username } }"
RATE, BURST = 5, 10


@pytest.fixture
def settings(settings):
    return replace(settings, rate_limit_per_second=RATE)  # bursts of BURST


@pytest.fixture
async def served(backline):
    app = create_app(backline)
    async with serve_in_loop(app) as base, httpx.AsyncClient(base_url=base) as http:
        yield base, http, app.state.rate_limiter


async def logged_in(http, clock, username: str) -> GraphQLClient:
    client = await GraphQLClient(http).login(username)
    await clock.advance(BURST / RATE)  # the anonymous login's token back: the tests count from full
    return client


def refused(response: httpx.Response) -> bool:
    if response.status_code != 429:
        assert response.status_code == 200, response.text
        return False
    assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(response.headers["retry-after"]) >= 1
    return True


async def get(http, token: str | None, query: str = ME) -> httpx.Response:
    return await http.get("/graphql", params={"query": query},
                          headers={"Authorization": f"Bearer {token}"} if token else {})


async def post(http, token: str | None, query: str = ME) -> httpx.Response:
    return await http.post("/graphql", json={"query": query},
                           headers={"Authorization": f"Bearer {token}"} if token else {})


async def test_sec3_get_and_post_share_one_budget_per_user(served, clock):
    _, http, _ = served
    flooder = await logged_in(http, clock, "agent")
    other = await logged_in(http, clock, "marie.dupont")
    answers = [await (get if i % 2 else post)(http, flooder.token) for i in range(BURST + 6)]
    assert [refused(a) for a in answers] == [False] * BURST + [True] * 6
    assert [refused(await get(http, flooder.token)), refused(await post(http, flooder.token))] == [True, True]
    assert not refused(await get(http, other.token))  # another user keeps its budget
    await clock.advance(1)  # RATE tokens back
    assert [refused(await get(http, flooder.token)) for _ in range(RATE + 1)] == [False] * RATE + [True]


async def test_sec3_many_tokens_of_one_user_share_its_budget(served, clock):
    _, http, _ = served
    tokens = [(await logged_in(http, clock, "agent")).token for _ in range(5)]
    answers = [await post(http, tokens[i % len(tokens)]) for i in range(BURST + 5)]
    assert sum(refused(a) for a in answers) == 5


async def test_sec3_anonymous_callers_and_junk_tokens_are_limited_by_address(served, clock):
    _, http, limiter = served
    before = len(limiter.buckets)
    answers = [await post(http, f"junk-{i}") for i in range(BURST + 5)]
    assert sum(refused(a) for a in answers) == 5
    assert len(limiter.buckets) <= before + 1  # one bucket for the address, none per junk token


async def test_sec3_a_trusted_proxy_header_names_the_address_only_when_configured(backline, clock):
    for header, expected in ((None, 5), ("x-forwarded-for", 0)):
        app = create_app(type(backline)(replace(backline.settings, client_address_header=header),
                                        backline.config, clock=clock))
        limiter = app.state.rate_limiter
        scopes = [{"type": "http", "client": ("127.0.0.1", 1), "headers": [(b"x-forwarded-for", f"10.0.0.{i}".encode())]}
                  for i in range(BURST + 5)]
        waits = [limiter.wait(None, scope) for scope in scopes]
        assert sum(1 for w in waits if w) == expected
        await app.state.backline.store.close()


def test_sec3_the_bucket_table_is_bounded_without_resetting_a_flooders_budget():
    now = [0.0]
    buckets = TokenBuckets(rate_per_second=1, burst=2, now=lambda: now[0], max_keys=3)
    assert [buckets.take("flooder") for _ in range(3)] == [0.0, 0.0, 1.0]
    for i in range(1000):  # junk keys fill the table, the flooder keeps flooding
        buckets.take(f"junk-{i}")
        assert buckets.take("flooder") > 0
    assert len(buckets) == 3


async def test_sec3_every_subscribe_over_a_websocket_counts_and_a_refused_one_gets_an_error(served, clock):
    base, http, _ = served
    agent = await logged_in(http, clock, "agent")
    async with websockets.connect(ws_url(base), subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {agent.token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        for i in range(BURST + 3):
            await ws.send(json.dumps({"id": str(i), "type": "subscribe", "payload": {"query": ME}}))
        answers: dict[str, list[dict]] = {}
        while sum(m["type"] in ("complete", "error") for ms in answers.values() for m in ms) < BURST + 3:
            message = json.loads(await ws.recv())
            answers.setdefault(message["id"], []).append(message)
        errors = [i for i, ms in answers.items() if ms[-1]["type"] == "error"]
        assert len(errors) == 3
        for i in errors:
            assert answers[i][-1]["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        # The same budget as over HTTP, and the socket is still open.
        assert refused(await post(http, agent.token))
        await clock.advance(1)
        await ws.send(json.dumps({"id": "again", "type": "subscribe", "payload": {"query": ME}}))
        message = json.loads(await ws.recv())
        assert (message["id"], message["type"]) == ("again", "next")
        assert message["payload"]["data"]["me"]["username"] == "agent"
