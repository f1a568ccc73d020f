"""PRS2, PRS3 and SUP3 (presence) with a real client over a real socket: a uvicorn server on
a loopback port, the `gql` client subscribed over graphql-transport-ws while other clients
change presence over HTTP."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from gql.transport.exceptions import TransportQueryError

from schema.app import create_app
from tests.support.client import GraphQLClient
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, request, ws_session

WATCH = """
subscription($agents: [ID!], $group: ID, $team: ID) {
  presenceChanged(agentIds: $agents, groupId: $group, teamId: $team) {
    agentId teamId channel state reason since load capacity at snapshot sequence
  }
}
"""
GROUP = """
subscription($g: ID!) {
  groupAvailabilityChanged(groupId: $g) { groupId channel available loggedIn members asOf }
}
"""
FIND = "query($s: String!) { directory(search: $s) { edges { node { id userId name } } } }"
LOG_IN = "mutation($c: String!, $r: Boolean!) { logIn(channel: $c, ready: $r) { __typename } }"
LOG_OUT = "mutation($c: String!) { logOut(channel: $c) { __typename } }"
READY = "mutation($c: String!) { setReady(channel: $c) { __typename } }"
NOT_READY = "mutation($c: String!, $r: String) { setNotReady(channel: $c, reason: $r) { __typename } }"
CHANNELS = 4


@pytest.fixture
async def live(backline):
    async with serve_in_loop(create_app(backline)) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            yield base, http


async def user(http, username) -> GraphQLClient:
    return await GraphQLClient(http).login(username)


async def users(http, *usernames) -> list[GraphQLClient]:
    return [await user(http, u) for u in usernames]


async def find(client, name) -> dict:
    edges = (await client.execute(FIND, {"s": name}))["directory"]["edges"]
    return edges[0]["node"]


def changes(items, field="presenceChanged"):
    return [item[field] for item in items if not item[field].get("snapshot")]


async def test_prs2_one_agent_snapshot_first_then_every_change_in_order_with_its_time(live, clock):
    base, http = live
    watcher, marie = await user(http, "agent"), await user(http, "marie.dupont")
    marie_id = marie.me["id"]
    async with ws_session(base, watcher.token) as session:
        stream = Collector(session, WATCH, {"agents": [marie_id]})
        snapshot = await stream.wait_for(CHANNELS)
        assert [(i["presenceChanged"]["channel"], i["presenceChanged"]["state"], i["presenceChanged"]["snapshot"])
                for i in snapshot] == [("voice", "LOGGED_OFF", True), ("chat", "LOGGED_OFF", True),
                                       ("email", "LOGGED_OFF", True), ("im", "LOGGED_OFF", True)]
        await marie.execute(LOG_IN, {"c": "voice", "r": False})
        await clock.advance(5)
        await marie.execute(READY, {"c": "voice"})
        await clock.advance(5)
        await marie.execute(NOT_READY, {"c": "voice", "r": "Pause"})
        await clock.advance(5)
        await marie.execute(LOG_OUT, {"c": "voice"})
        got = changes(await stream.wait_for(CHANNELS + 4))
        await stream.close()
    assert [(c["state"], c["reason"], c["at"][11:19]) for c in got] == [
        ("NOT_READY", None, "09:00:00"), ("READY", None, "09:00:05"),
        ("NOT_READY", "Pause", "09:00:10"), ("LOGGED_OFF", None, "09:00:15")]
    assert all(c["agentId"] == marie_id and c["channel"] == "voice" for c in got)
    sequences = [int(c["sequence"]) for c in got]
    assert sequences == sorted(sequences) and len(set(sequences)) == 4


async def test_prs2_a_list_of_agents_receives_theirs_only(live):
    base, http = live
    watcher = await user(http, "agent")
    marie, helene, jose = await users(http, "marie.dupont", "helene.durand", "jose.munoz")
    async with ws_session(base, watcher.token) as session:
        stream = Collector(session, WATCH, {"agents": [marie.me["id"], helene.me["id"]]})
        await stream.wait_for(2 * CHANNELS)
        await jose.execute(LOG_IN, {"c": "chat", "r": True})  # not watched
        await marie.execute(LOG_IN, {"c": "chat", "r": True})
        await helene.execute(LOG_IN, {"c": "im", "r": False})
        got = changes(await stream.wait_for(2 * CHANNELS + 2))
        await stream.close()
    assert [(c["agentId"], c["channel"]) for c in got] == [(marie.me["id"], "chat"), (helene.me["id"], "im")]


async def test_prs2_an_agent_group(live):
    base, http = live
    watcher, jurgen, marie = await users(http, "agent", "jurgen.muller", "marie.dupont")
    deutsch = await find(watcher, "deutsch")
    async with ws_session(base, watcher.token) as session:
        stream = Collector(session, WATCH, {"group": deutsch["id"]})
        snapshot = await stream.wait_for(3 * CHANNELS)  # Jürgen, Léa, Bjørn
        assert len({i["presenceChanged"]["agentId"] for i in snapshot}) == 3
        await marie.execute(LOG_IN, {"c": "voice", "r": True})  # not a member
        await jurgen.execute(LOG_IN, {"c": "voice", "r": True})
        got = changes(await stream.wait_for(3 * CHANNELS + 1))
        await stream.close()
    assert [(c["agentId"], c["state"]) for c in got] == [(jurgen.me["id"], "READY")]


async def test_sup3_a_supervisor_sees_its_teams_presence_live_and_no_others(live):
    base, http = live
    lead, marie, jose = await users(http, "lead", "marie.dupont", "jose.munoz")
    async with ws_session(base, lead.token) as session:
        stream = Collector(session, WATCH)
        support_paris = 14 + 1  # 14 agents of the team, and the lead
        snapshot = await stream.wait_for(support_paris * CHANNELS)
        teams = {i["presenceChanged"]["teamId"] for i in snapshot}
        assert teams == {(await lead.execute("{ me { teamId } }"))["me"]["teamId"]}
        await jose.execute(LOG_IN, {"c": "voice", "r": True})  # Ventes Lyon: not led by `lead`
        await marie.execute(LOG_IN, {"c": "voice", "r": True})
        got = changes(await stream.wait_for(support_paris * CHANNELS + 1))
        await stream.close()
    assert [c["agentId"] for c in got] == [marie.me["id"]]


async def test_sup3_a_supervisor_may_not_watch_another_team(live):
    base, http = live
    lead, jose = await user(http, "lead"), await user(http, "jose.munoz")
    other_team = (await jose.execute("{ me { teamId } }"))["me"]["teamId"]
    async with ws_session(base, lead.token) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(request(WATCH, {"team": other_team})):
                pass
    assert refused.value.errors[0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_prs2_an_administrator_watches_everyone(live):
    base, http = live
    admin, jose, marie = await users(http, "admin", "jose.munoz", "marie.dupont")
    async with ws_session(base, admin.token) as session:
        stream = Collector(session, WATCH)
        people = 42 + 3  # agents and leads
        await stream.wait_for(people * CHANNELS)
        await jose.execute(LOG_IN, {"c": "voice", "r": True})
        await marie.execute(LOG_IN, {"c": "voice", "r": True})
        got = changes(await stream.wait_for(people * CHANNELS + 2))
        await stream.close()
    assert [c["agentId"] for c in got] == [jose.me["id"], marie.me["id"]]


async def test_prs2_an_agents_everyone_is_its_own_team(live):
    base, http = live
    agent, marie, jose = await users(http, "agent", "marie.dupont", "jose.munoz")
    async with ws_session(base, agent.token) as session:
        stream = Collector(session, WATCH)
        await stream.wait_for(14 * CHANNELS)
        await jose.execute(LOG_IN, {"c": "voice", "r": True})
        await marie.execute(LOG_IN, {"c": "voice", "r": True})
        got = changes(await stream.wait_for(14 * CHANNELS + 1))
        await stream.close()
    assert [c["agentId"] for c in got] == [marie.me["id"]]


async def test_prs2_a_change_is_committed_before_it_is_published(live, backline):
    base, http = live
    watcher, marie = await users(http, "agent", "marie.dupont")
    marie_id = int(marie.me["id"])
    listening = asyncio.Event()
    seen_in_store = []

    async def first_change(session):
        snapshot = 0
        async for item in session.subscribe(request(WATCH, {"agents": [str(marie_id)]})):
            if item["presenceChanged"]["snapshot"]:
                snapshot += 1
                if snapshot == CHANNELS:
                    listening.set()
                continue
            # The moment the change arrives, a fresh read of the store already shows it.
            async with backline.store.read() as s:
                now = await backline.presence.presence_of(s, [marie_id])
            seen_in_store.append(next(p.state.value for p in now[marie_id] if p.channel == "voice"))
            return item["presenceChanged"]

    async with ws_session(base, watcher.token) as session:
        task = asyncio.create_task(first_change(session))
        await asyncio.wait_for(listening.wait(), 10)
        await marie.execute(LOG_IN, {"c": "voice", "r": True})
        change = await asyncio.wait_for(task, 10)
    assert change["state"] == "READY" and seen_in_store == ["ready"]


async def test_prs3_group_availability_is_live_from_presence_changes(live, clock):
    base, http = live
    watcher, marie, helene = await users(http, "agent", "marie.dupont", "helene.durand")
    francais = await find(watcher, "francais")
    async with ws_session(base, watcher.token) as session:
        stream = Collector(session, GROUP, {"g": francais["id"]})
        first = [i["groupAvailabilityChanged"] for i in await stream.wait_for(CHANNELS)]
        assert [(f["channel"], f["available"], f["members"]) for f in first] == [
            ("voice", 0, 9), ("chat", 0, 9), ("email", 0, 9), ("im", 0, 9)]
        await clock.advance(3)
        await marie.execute(LOG_IN, {"c": "voice", "r": True})
        await clock.advance(3)
        await helene.execute(LOG_IN, {"c": "voice", "r": False})  # logged in, not available
        await clock.advance(3)
        await helene.execute(READY, {"c": "voice"})
        await marie.execute(NOT_READY, {"c": "voice", "r": "Pause"})
        got = [i["groupAvailabilityChanged"] for i in (await stream.wait_for(CHANNELS + 4))[CHANNELS:]]
        await stream.close()
    assert [(g["channel"], g["available"], g["loggedIn"], g["asOf"][11:19]) for g in got] == [
        ("voice", 1, 1, "09:00:03"), ("voice", 1, 2, "09:00:06"),
        ("voice", 2, 2, "09:00:09"), ("voice", 1, 2, "09:00:09")]
    assert {g["groupId"] for g in got} == {francais["id"]}


async def test_grp2_group_availability_stream_only_where_enabled(live):
    base, http = live
    watcher = await user(http, "agent")
    cards = await find(watcher, "credit cards")
    async with ws_session(base, watcher.token) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(request(GROUP, {"g": cards["id"]})):
                pass
    assert refused.value.errors[0]["extensions"]["code"] == "INVALID_STATE"
