"""My Messages through the API: newest first with priority and read state (MSG3),
administrator broadcasts to a team or everyone (MSG1's "sent by an administrator"), and the
live preview stream over a real WebSocket (MSG2)."""

from __future__ import annotations

import asyncio

import pytest

from schema.app import create_app
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, ws_session

MY_MESSAGES = """
query($first: Int, $after: String, $unread: Boolean! = false) {
  myMessages(first: $first, after: $after, unreadOnly: $unread) {
    unreadCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id kind priority title text read readAt senderId sentAt } }
  }
}
"""
BROADCAST = """
mutation($text: String!, $team: ID, $everyone: Boolean! = false, $priority: MessagePriority! = NORMAL) {
  broadcastMessage(text: $text, teamId: $team, everyone: $everyone, priority: $priority) {
    __typename
    ... on BroadcastSent { messageId recipientCount }
    ... on Error { code message }
  }
}
"""
MARK_READ = """
mutation($id: ID!, $read: Boolean! = true) {
  markMessageRead(id: $id, read: $read) {
    __typename
    ... on MyMessage { id read readAt }
    ... on Error { code message }
  }
}
"""
RECEIVED = "subscription { messageReceived { id kind priority title text read channel } }"


async def team_of(client) -> str:
    return (await client.execute("{ me { teamId } }"))["me"]["teamId"]


async def broadcast(admin, text: str, **variables) -> dict:
    result = (await admin.execute(BROADCAST, {"text": text, **variables}))["broadcastMessage"]
    assert result["__typename"] == "BroadcastSent", result
    return result


async def nodes(client, **variables) -> list[dict]:
    data = (await client.execute(MY_MESSAGES, variables))["myMessages"]
    return [edge["node"] for edge in data["edges"]]


async def test_msg3_my_messages_newest_first_with_priority_and_read_state(api, client_for, clock):
    agent = await api.login("agent")
    admin = await client_for("admin")
    team = await team_of(agent)
    await broadcast(admin, "Team meeting at 10", team=team, priority="LOW")
    await clock.advance(60)
    await broadcast(admin, "Fire drill now", everyone=True, priority="URGENT")
    mine = await nodes(agent)
    assert [m["text"] for m in mine] == ["Fire drill now", "Team meeting at 10"]
    assert [m["priority"] for m in mine] == ["URGENT", "LOW"]
    assert [m["read"] for m in mine] == [False, False]
    assert mine[0]["kind"] == "BROADCAST" and mine[0]["senderId"] == admin.me["id"]
    assert mine[0]["sentAt"] > mine[1]["sentAt"]


async def test_msg3_mark_read_is_per_recipient_and_counted(api, client_for):
    agent = await api.login("agent")
    colleague = await client_for("marie.dupont")
    admin = await client_for("admin")
    sent = await broadcast(admin, "Read me", team=await team_of(agent))
    marked = (await agent.execute(MARK_READ, {"id": sent["messageId"]}))["markMessageRead"]
    assert marked["read"] is True and marked["readAt"]
    assert (await agent.execute(MY_MESSAGES))["myMessages"]["unreadCount"] == 0
    assert (await nodes(colleague))[0]["read"] is False
    assert (await colleague.execute(MY_MESSAGES))["myMessages"]["unreadCount"] == 1
    again = (await agent.execute(MARK_READ, {"id": sent["messageId"], "read": False}))["markMessageRead"]
    assert again["read"] is False
    assert [m["text"] for m in await nodes(agent, unread=True)] == ["Read me"]


async def test_msg3_someone_elses_message_is_not_found(api, client_for):
    agent = await api.login("agent")
    admin = await client_for("admin")
    lyon = await team_of(await client_for("jose.munoz"))
    sent = await broadcast(admin, "Lyon only", team=lyon)
    result = (await agent.execute(MARK_READ, {"id": sent["messageId"]}))["markMessageRead"]
    assert result["__typename"] == "NotFoundError"
    assert (await agent.execute(MARK_READ, {"id": "nope"}))["markMessageRead"]["code"] == "INVALID_INPUT"


async def test_msg3_pages_are_bounded_and_continue_from_the_cursor(api, client_for):
    agent = await api.login("agent")
    admin = await client_for("admin")
    for n in range(5):
        await broadcast(admin, f"Message {n}", everyone=True)
    first = (await agent.execute(MY_MESSAGES, {"first": 2}))["myMessages"]
    assert [e["node"]["text"] for e in first["edges"]] == ["Message 4", "Message 3"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await agent.execute(MY_MESSAGES, {"first": 10, "after": first["pageInfo"]["endCursor"]}))["myMessages"]
    assert [e["node"]["text"] for e in rest["edges"]] == ["Message 2", "Message 1", "Message 0"]
    assert rest["pageInfo"]["hasNextPage"] is False
    too_many = await agent.raw(MY_MESSAGES, {"first": 10_000})
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    bad_cursor = await agent.raw(MY_MESSAGES, {"after": "garbage"})
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_msg1_broadcast_to_a_team_reaches_its_agents_and_its_lead_only(api, client_for):
    agent = await api.login("agent")
    lead = await client_for("lead")
    lyon = await client_for("jose.munoz")
    admin = await client_for("admin")
    sent = await broadcast(admin, "Paris: new script", team=await team_of(agent))
    assert sent["recipientCount"] == 14 + 1  # the Paris agents and their lead
    assert [m["text"] for m in await nodes(agent)] == ["Paris: new script"]
    assert [m["text"] for m in await nodes(lead)] == ["Paris: new script"]
    assert await nodes(lyon) == []


async def test_msg1_only_an_administrator_broadcasts_to_exactly_one_audience(api, client_for):
    lead = await api.login("lead")
    admin = await client_for("admin")
    refused = (await lead.execute(BROADCAST, {"text": "hi", "everyone": True}))["broadcastMessage"]
    assert refused["__typename"] == "PermissionDeniedError"
    both = (await admin.execute(BROADCAST, {"text": "hi", "everyone": True, "team": "1"}))["broadcastMessage"]
    assert both["__typename"] == "InvalidInputError"
    empty = (await admin.execute(BROADCAST, {"text": "  ", "everyone": True}))["broadcastMessage"]
    assert empty["__typename"] == "InvalidInputError"
    huge = (await admin.execute(BROADCAST, {"text": "x" * 2001, "everyone": True}))["broadcastMessage"]
    assert huge["__typename"] == "InvalidInputError"
    unknown = (await admin.execute(BROADCAST, {"text": "hi", "team": "999"}))["broadcastMessage"]
    assert unknown["__typename"] == "NotFoundError"
    assert (await admin.execute(MY_MESSAGES))["myMessages"]["edges"] == []


@pytest.fixture
async def live(backline):
    async with serve_in_loop(create_app(backline)) as base:
        yield base


async def test_msg2_a_new_message_reaches_the_agent_at_once_over_a_websocket(live, backline, api, client_for):
    agent = await api.login("agent")
    admin = await client_for("admin")
    lyon_team = await team_of(await client_for("jose.munoz"))
    async with ws_session(live, agent.token) as session:
        stream = Collector(session, RECEIVED)
        try:
            await until_listening(backline.bus, "message")
            await broadcast(admin, "Not for Paris", team=lyon_team)
            await broadcast(admin, "Systems restart at noon", everyone=True, priority="HIGH")
            [preview] = await stream.wait_for(1)
            assert preview["messageReceived"]["text"] == "Systems restart at noon"
            assert preview["messageReceived"]["priority"] == "HIGH"
            assert preview["messageReceived"]["read"] is False
        finally:
            await stream.close()


async def until_listening(bus, topic: str, listeners: int = 1) -> None:
    """The subscription is live once the server holds a listener on the bus (a readiness
    wait with a real-time bound, not a time-out under test)."""
    async def wait() -> None:
        while bus.subscriber_count(topic) < listeners:
            await asyncio.sleep(0.005)
    await asyncio.wait_for(wait(), 10)
