"""INS2: a stream resumes. Every item a subscription delivers carries a cursor; a client that
reconnects with `after:` that cursor gets every event it may see since, in order, then the
live ones, with no snapshot and nothing twice; a cursor too old or not of this log gets
CURSOR_EXPIRED. Real sockets (graphql-transport-ws) on a real server, on both stores."""

from __future__ import annotations

import pytest
from gql.transport.exceptions import TransportQueryError

from schema.streams import cursor_of
from tests.channels.conversation_desk import IM, START_CHAT, send
from tests.e2e.desk import BY_ID, HISTORY, ok, open_offer, ready_agent, target_id
from tests.api.test_presence_stream import live, user  # noqa: F401 - the fixture, and a login
from tests.support.ws import Collector, request, until_subscribed, ws_session

WATCH = """
subscription($agents: [ID!], $after: String) {
  presenceChanged(agentIds: $agents, after: $after) { agentId channel state snapshot sequence cursor }
}
"""
TEAM_WATCH = "subscription($after: String) { presenceChanged(after: $after) { agentId state snapshot cursor } }"
GROUP = """subscription($g: ID!, $after: String) {
  groupAvailabilityChanged(groupId: $g, after: $after) { channel available cursor } }"""
FIND = "query($s: String!) { directory(search: $s) { edges { node { id userId name } } } }"
LOG_IN = "mutation($c: String!, $r: Boolean!) { logIn(channel: $c, ready: $r) { __typename } }"
LOG_OUT = "mutation($c: String!) { logOut(channel: $c) { __typename } }"
READY = "mutation($c: String!) { setReady(channel: $c) { __typename } }"
NOT_READY = "mutation($c: String!) { setNotReady(channel: $c, reason: \"Pause\") { __typename } }"
POSITION = "{ streamCursor }"
BROADCAST = """mutation($text: String!, $team: ID) { broadcastMessage(text: $text, teamId: $team) { __typename } }"""
RECEIVED = "subscription($after: String) { messageReceived(after: $after) { text cursor } }"
REQUESTS = "subscription($after: String) { instantMessageRequests(after: $after) { firstMessage cursor } }"
LINES = "subscription($id: ID, $after: String) { transcriptLines(interactionId: $id, after: $after) { text cursor } }"
EVENTS = "subscription($id: ID, $after: String) { interactionEvents(interactionId: $id, after: $after) { id kind cursor } }"
CUSTOMER = """subscription($after: String) { customerChatUpdates(after: $after) { line { text } chat { state } cursor } }"""
TEAM = "subscription($after: String) { teamInteractions(after: $after) { interaction { id } cursor } }"
MAILBOX = "subscription($after: String) { mailboxChanged(after: $after) { id newCount cursor } }"
CUSTOMER_SEND = "mutation($t: String!) { r: sendCustomerMessage(text: $t) { __typename } }"
CHANNELS = 4


async def collect(base, token, query, variables, count) -> list[dict]:
    """Connect, take `count` items, disconnect (a desktop that goes away)."""
    async with ws_session(base, token) as session:
        stream = Collector(session, query, variables)
        try:
            return await stream.wait_for(count)
        finally:
            await stream.close()


async def refusal(base, token, query, variables) -> dict:
    async with ws_session(base, token) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(request(query, variables)):
                pass
    return refused.value.errors[0]


def field(items, name):
    return [item[name] for item in items]


async def test_ins2_presence_resumes_after_its_cursor_with_every_change_missed_in_order_then_live(live, backline):
    base, http = live
    watcher, marie = await user(http, "agent"), await user(http, "marie.dupont")
    agents = {"agents": [marie.me["id"]]}
    snapshot = field(await collect(base, watcher.token, WATCH, agents, CHANNELS), "presenceChanged")
    assert all(item["snapshot"] for item in snapshot)
    assert len({item["cursor"] for item in snapshot}) == 1  # read at one position
    # Away: three changes.
    await marie.execute(LOG_IN, {"c": "voice", "r": False})
    await marie.execute(READY, {"c": "voice"})
    await marie.execute(NOT_READY, {"c": "voice"})
    async with ws_session(base, watcher.token) as session:
        resumed = Collector(session, WATCH, {**agents, "after": snapshot[0]["cursor"]})
        try:
            missed = field(await resumed.wait_for(3), "presenceChanged")
            assert [(i["channel"], i["state"], i["snapshot"]) for i in missed] == [
                ("voice", "NOT_READY", False), ("voice", "READY", False), ("voice", "NOT_READY", False)]
            sequences = [int(i["sequence"]) for i in missed]
            assert sequences == sorted(sequences)
            await until_subscribed(backline.bus, "presence", 1)
            await marie.execute(LOG_OUT, {"c": "voice"})
            items = field(await resumed.wait_for(4), "presenceChanged")
            assert [i["state"] for i in items] == ["NOT_READY", "READY", "NOT_READY", "LOGGED_OFF"]
            await marie.execute(LOG_IN, {"c": "chat", "r": True})
            items = field(await resumed.wait_for(5), "presenceChanged")
            assert len(items) == 5 and items[-1]["channel"] == "chat"  # nothing twice, nothing else
        finally:
            await resumed.close()
    # Each item's own cursor resumes right after it.
    again = field(await collect(base, watcher.token, WATCH, {**agents, "after": items[1]["cursor"]}, 3),
                  "presenceChanged")
    assert [i["sequence"] for i in again] == [i["sequence"] for i in items[2:5]]


async def test_ins2_a_resumed_stream_replays_only_what_the_caller_may_see(live):
    base, http = live
    watcher = await user(http, "agent")  # watches its own team (Support Paris)
    start = (await watcher.execute(POSITION))["streamCursor"]
    colleague, outsider = await user(http, "marie.dupont"), await user(http, "jose.munoz")  # Ventes Lyon
    await outsider.execute(LOG_IN, {"c": "voice", "r": True})
    await colleague.execute(LOG_IN, {"c": "voice", "r": True})
    await outsider.execute(LOG_OUT, {"c": "voice"})
    await colleague.execute(LOG_OUT, {"c": "voice"})
    items = field(await collect(base, watcher.token, TEAM_WATCH, {"after": start}, 2), "presenceChanged")
    assert {i["agentId"] for i in items} == {colleague.me["id"]}
    assert [i["state"] for i in items] == ["READY", "LOGGED_OFF"]


async def test_ins2_a_cursor_too_old_or_not_of_this_log_gets_cursor_expired_and_junk_invalid_input(live, backline):
    base, http = live
    watcher, marie = await user(http, "agent"), await user(http, "marie.dupont")
    start = (await watcher.execute(POSITION))["streamCursor"]
    backline.events.window = 3  # BACKLINE_RESUME_WINDOW
    for _ in range(2):
        await marie.execute(LOG_IN, {"c": "voice", "r": True})
        await marie.execute(LOG_OUT, {"c": "voice"})
    expired = await refusal(base, watcher.token, WATCH, {"agents": [marie.me["id"]], "after": start})
    assert expired["extensions"]["code"] == "CURSOR_EXPIRED"
    assert "fresh snapshot" in expired["message"]
    newest = (await watcher.execute(POSITION))["streamCursor"]
    # From the newest position: nothing is missing, so it resumes (nothing to replay).
    async with ws_session(base, watcher.token) as session:
        resumed = Collector(session, WATCH, {"agents": [marie.me["id"]], "after": newest})
        try:
            await until_subscribed(backline.bus, "presence", 1)
            await marie.execute(LOG_IN, {"c": "chat", "r": True})
            [item] = await resumed.wait_for(1)
            assert item["presenceChanged"]["state"] == "READY" and not item["presenceChanged"]["snapshot"]
        finally:
            await resumed.close()
    ahead = cursor_of(10**9)  # a position this log never had (another store, or one recreated)
    assert (await refusal(base, watcher.token, WATCH, {"after": ahead}))["extensions"]["code"] == "CURSOR_EXPIRED"
    junk = await refusal(base, watcher.token, WATCH, {"after": "not-a-cursor"})
    assert junk["extensions"]["code"] == "INVALID_INPUT"


async def test_ins2_messages_resume_from_the_last_one_received(live, backline):
    base, http = live
    admin, agent = await user(http, "admin"), await user(http, "agent")
    team = (await agent.execute("{ me { teamId } }"))["me"]["teamId"]
    async with ws_session(base, agent.token) as session:
        first = Collector(session, RECEIVED)
        try:
            await until_subscribed(backline.bus, "message", 1)
            await admin.execute(BROADCAST, {"text": "one", "team": team})
            [item] = await first.wait_for(1)
        finally:
            await first.close()
    for text in ("two", "three"):
        await admin.execute(BROADCAST, {"text": text, "team": team})
    items = await collect(base, agent.token, RECEIVED, {"after": item["messageReceived"]["cursor"]}, 2)
    assert [i["messageReceived"]["text"] for i in items] == ["two", "three"]


async def test_ins2_im_requests_lines_and_interaction_events_resume_after_a_cursor(live, backline, client_for):
    base, _ = live
    agent = await ready_agent(client_for, "agent", channel="im")
    marie = await ready_agent(client_for, "marie.dupont", channel="im")
    start = (await marie.execute(POSITION))["streamCursor"]
    im = await ok(agent, IM, t=await target_id(backline, "Marie Dupont"), x="Tu as 2 minutes ?")
    [request_item] = await collect(base, marie.token, REQUESTS, {"after": start}, 1)
    assert request_item["instantMessageRequests"]["firstMessage"] == "Tu as 2 minutes ?"
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(im)["id"])
    [first_line] = await collect(base, agent.token, LINES, {"id": im["id"]}, 1)  # the line so far
    events = await collect(base, agent.token, EVENTS, {"id": im["id"]}, 1)  # its history so far begins
    for i in range(3):
        await send(marie if i % 2 else agent, im["id"], f"line {i}")
    lines = await collect(base, agent.token, LINES, {"id": im["id"], "after": first_line["transcriptLines"]["cursor"]}, 3)
    assert [i["transcriptLines"]["text"] for i in lines] == ["line 0", "line 1", "line 2"]
    # The interaction's history resumed after its first event: the rest of it, in order, once.
    history = [e["node"]["id"] for e in (await agent.execute(HISTORY, {"id": im["id"]}))["interaction"]["history"]["edges"]]
    assert history[0] == events[0]["interactionEvents"]["id"]
    rest = await collect(base, agent.token, EVENTS, {"id": im["id"], "after": events[0]["interactionEvents"]["cursor"]},
                         len(history) - 1)
    assert [i["interactionEvents"]["id"] for i in rest] == history[1:]


async def test_ins2_a_customer_chat_resumes_with_the_lines_written_while_away(live, backline, api):
    base, _ = live
    started = (await api.as_user().execute(START_CHAT, {"to": "queue:support", "n": "Léon", "t": "Bonjour"}))["r"]
    opening = await collect(base, started["token"], CUSTOMER, {}, 2)  # its state, its first line
    assert opening[1]["customerChatUpdates"]["line"]["text"] == "Bonjour"
    guest = api.as_user()
    guest.token = started["token"]
    await guest.execute(CUSTOMER_SEND, {"t": "Vous êtes là ?"})
    [line] = await collect(base, started["token"], CUSTOMER, {"after": opening[1]["customerChatUpdates"]["cursor"]}, 1)
    assert line["customerChatUpdates"]["line"]["text"] == "Vous êtes là ?"


async def test_ins2_group_figures_resume_with_the_current_figures_carrying_a_cursor(live):
    base, http = live
    watcher, marie = await user(http, "agent"), await user(http, "marie.dupont")
    french = (await watcher.execute(FIND, {"s": "Français"}))["directory"]["edges"][0]["node"]
    figures = await collect(base, watcher.token, GROUP, {"g": french["id"]}, CHANNELS)
    cursor = figures[0]["groupAvailabilityChanged"]["cursor"]
    await marie.execute(LOG_IN, {"c": "voice", "r": True})
    resumed = await collect(base, watcher.token, GROUP, {"g": french["id"], "after": cursor}, CHANNELS)
    voice = next(i["groupAvailabilityChanged"] for i in resumed if i["groupAvailabilityChanged"]["channel"] == "voice")
    before = next(i["groupAvailabilityChanged"] for i in figures if i["groupAvailabilityChanged"]["channel"] == "voice")
    assert voice["available"] == before["available"] + 1
    assert voice["cursor"] != cursor


async def test_ins2_mailbox_counts_resume_with_the_changes_missed(live, backline):
    from tests.api.test_voicemail import deposit, ids

    base, http = live
    agent = await user(http, "agent")
    me = int(agent.me["id"])
    snapshot = await collect(base, agent.token, MAILBOX, {}, 4)  # own mailbox and three groups
    await deposit(backline, mailbox_target_id=await ids(backline, group="Deutsch"))  # not mine
    await deposit(backline, mailbox_user_id=me)
    await deposit(backline, mailbox_user_id=me)
    changes = await collect(base, agent.token, MAILBOX, {"after": snapshot[0]["mailboxChanged"]["cursor"]}, 2)
    assert [(c["mailboxChanged"]["id"], c["mailboxChanged"]["newCount"]) for c in changes] == [
        (f"user:{me}", 1), (f"user:{me}", 2)]


async def test_ins2_a_supervisor_team_view_resumes_with_the_interactions_that_changed(live, backline, client_for):
    base, _ = live
    lead = await client_for("lead")
    start = (await lead.execute(POSITION))["streamCursor"]
    agent = await ready_agent(client_for, "agent", channel="im")
    await ready_agent(client_for, "marie.dupont", channel="im")
    im = await ok(agent, IM, t=await target_id(backline, "Marie Dupont"), x="Tu as 2 minutes ?")
    items = await collect(base, lead.token, TEAM, {"after": start}, 1)
    assert items[0]["teamInteractions"]["interaction"]["id"] == im["id"]
    assert items[0]["teamInteractions"]["cursor"] != start
