"""PRS2/PRS3 over real sockets, through the broadcast path (schema.broadcast): after its
snapshot, a `presenceChanged` operation's changes are written to its socket by one reader of
the bus, executed and encoded once per audience and query. graphql-transport-ws as before:
per-operation ids, snapshot first, every change in commit order, `complete` last; one
failing or slow socket holds up no other."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json

import httpx
import pytest
import websockets
from starlette.websockets import WebSocketDisconnect

from core.presence.service import TOPIC
from schema import broadcast
from schema.app import create_app
from tests.support.client import GraphQLClient
from tests.support.servers import serve_in_loop
from tests.support.ws import ws_url

WATCH = """subscription($agents: [ID!]) { presenceChanged(agentIds: $agents) {
  agentId channel state reason at snapshot sequence } }"""
SMALL = """subscription($agents: [ID!]) { presenceChanged(agentIds: $agents) { agentId state snapshot } }"""
CHANNELS = 4


class Watcher:
    """A raw graphql-transport-ws client that records every message it receives."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.messages: list[dict] = []
        self._new = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, base: str, token: str) -> "Watcher":
        ws = await websockets.connect(ws_url(base), subprotocols=["graphql-transport-ws"])
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        return cls(ws)

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for text in self.ws:
                self.messages.append(json.loads(text))
                self._new.set()

    async def subscribe(self, op_id: str, agent_id: str, query: str = WATCH) -> None:
        await self.ws.send(json.dumps({"id": op_id, "type": "subscribe",
                                       "payload": {"query": query, "variables": {"agents": [agent_id]}}}))

    async def complete(self, op_id: str) -> None:
        await self.ws.send(json.dumps({"id": op_id, "type": "complete"}))

    def of(self, op_id: str) -> list[dict]:
        return [m for m in self.messages if m.get("id") == op_id]

    def changes(self, op_id: str) -> list[dict]:
        return [m["payload"]["data"]["presenceChanged"] for m in self.of(op_id)
                if m["type"] == "next" and not m["payload"]["data"]["presenceChanged"].get("snapshot")]

    async def wait_for(self, op_id: str, count: int, timeout: float = 10.0) -> list[dict]:
        """Until operation `op_id` has `count` messages (a real-time bound, not a clock time-out)."""
        async def until() -> None:
            while len(self.of(op_id)) < count:
                self._new.clear()
                await self._new.wait()
        await asyncio.wait_for(until(), timeout)
        return self.of(op_id)

    async def close(self) -> None:
        await self.ws.close()
        await self._task


@pytest.fixture
async def live(backline):
    async with serve_in_loop(create_app(backline)) as base, httpx.AsyncClient(base_url=base) as http:
        yield base, http


async def until(condition, timeout: float = 10.0) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.01)
    await asyncio.wait_for(wait(), timeout)


async def watchers(base: str, token: str, agent_id: str, count: int, query: str = WATCH,
                   prefix: str = "w") -> list[Watcher]:
    """`count` sockets, each subscribed as operation "w<i>", each past its snapshot."""
    connected = [await Watcher.connect(base, token) for _ in range(count)]
    for i, watcher in enumerate(connected):
        await watcher.subscribe(f"{prefix}{i}", agent_id, query)
    for i, watcher in enumerate(connected):
        await watcher.wait_for(f"{prefix}{i}", CHANNELS)
    return connected


def live_listeners(backline) -> dict[str, broadcast.Listener]:
    """The operations the bus reader writes to, by id, once they are past their snapshot."""
    fanout = broadcast.fanout_of(backline.bus, TOPIC)
    if fanout is None:
        return {}
    return {listener.route.operation.id: listener for group in fanout.groups.values() for listener in group.listeners}


def on_route(listener: broadcast.Listener, send_text) -> None:
    listener.route = dataclasses.replace(listener.route, send_text=send_text)


@pytest.fixture
async def people(live, backline):
    _, http = live
    watcher = await GraphQLClient(http).login("lead")
    marie = await GraphQLClient(http).login("marie.dupont")
    actor = await backline.identity.authenticate(marie.token)
    return watcher.token, marie.me["id"], actor


async def test_prs3_one_reader_writes_to_every_watcher_executing_each_change_once_per_query(
        live, backline, people, monkeypatch):
    base, _ = live
    token, marie_id, marie = people
    executed = []
    original = broadcast.Group._payload_text

    def counting(group, event):
        executed.append(group.key)
        return original(group, event)

    monkeypatch.setattr(broadcast.Group, "_payload_text", counting)
    subscribers_before = backline.bus.subscriber_count(TOPIC)
    same = await watchers(base, token, marie_id, 3)
    other = (await watchers(base, token, marie_id, 1, SMALL, prefix="small"))[0]
    await until(lambda: len(live_listeners(backline)) == 4)
    assert backline.bus.subscriber_count(TOPIC) == subscribers_before + 1  # one reader, not four

    await backline.presence.log_in(marie, "voice", ready=True)
    for i, w in enumerate(same):
        await w.wait_for(f"w{i}", CHANNELS + 1)
    await other.wait_for("small0", CHANNELS + 1)
    assert len(executed) == 2 and len(set(executed)) == 2  # two queries: two executions
    texts = {json.dumps(w.of(f"w{i}")[-1]["payload"]) for i, w in enumerate(same)}
    assert len(texts) == 1
    assert other.changes("small0") == [{"agentId": marie_id, "state": "READY", "snapshot": False}]
    for w in (*same, other):
        await w.close()


async def test_prs2_each_watcher_gets_every_change_in_commit_order_after_its_snapshot(live, backline, people):
    base, _ = live
    token, marie_id, marie = people
    connected = await watchers(base, token, marie_id, 3)
    await backline.presence.log_in(marie, "voice", ready=False)
    for _ in range(5):
        await backline.presence.set_ready(marie, "voice")
        await backline.presence.set_not_ready(marie, "voice", "Pause")
    for i, w in enumerate(connected):
        messages = await w.wait_for(f"w{i}", CHANNELS + 11)
        assert [m["type"] for m in messages] == ["next"] * (CHANNELS + 11)
        assert all(m["payload"]["data"]["presenceChanged"]["snapshot"] for m in messages[:CHANNELS])
        got = w.changes(f"w{i}")
        assert [c["state"] for c in got] == ["NOT_READY"] + ["READY", "NOT_READY"] * 5
        sequences = [int(c["sequence"]) for c in got]
        assert sequences == sorted(sequences) and len(set(sequences)) == 11
    assert len({json.dumps([c["sequence"] for c in w.changes(f"w{i}")]) for i, w in enumerate(connected)}) == 1
    for w in connected:
        await w.close()


async def test_prs2_a_change_committed_while_the_snapshot_is_read_follows_it(live, backline, people, monkeypatch):
    base, _ = live
    token, marie_id, marie = people
    read_snapshot = backline.presence.snapshot

    async def snapshot_then_a_change(*args):
        taken = await read_snapshot(*args)
        await backline.presence.log_in(marie, "voice", ready=True)  # after the read, before it is sent
        return taken

    monkeypatch.setattr(backline.presence, "snapshot", snapshot_then_a_change)
    w = (await watchers(base, token, marie_id, 1))[0]
    monkeypatch.setattr(backline.presence, "snapshot", read_snapshot)
    await w.wait_for("w0", CHANNELS + 1)
    await until(lambda: "w0" in live_listeners(backline))
    await backline.presence.set_not_ready(marie, "voice", "Pause")  # written by the reader
    messages = await w.wait_for("w0", CHANNELS + 2)
    first = [m["payload"]["data"]["presenceChanged"] for m in messages[:CHANNELS]]
    assert all(c["snapshot"] and c["state"] == "LOGGED_OFF" for c in first)
    assert [(c["state"], c["reason"]) for c in w.changes("w0")] == [("READY", None), ("NOT_READY", "Pause")]
    await w.close()


async def test_a_socket_failing_mid_broadcast_is_left_out_and_the_others_still_receive(live, backline, people):
    base, _ = live
    token, marie_id, marie = people
    connected = await watchers(base, token, marie_id, 3)
    await until(lambda: len(live_listeners(backline)) == 3)
    tried = []

    async def gone(text: str) -> None:
        tried.append(text)
        raise WebSocketDisconnect(1006)

    on_route(live_listeners(backline)["w1"], gone)  # the middle one: written after w0, before w2
    await backline.presence.log_in(marie, "voice", ready=True)
    await connected[0].wait_for("w0", CHANNELS + 1)
    await connected[2].wait_for("w2", CHANNELS + 1)
    assert len(tried) == 1 and set(live_listeners(backline)) == {"w0", "w2"}
    await backline.presence.set_not_ready(marie, "voice", None)
    for i in (0, 2):
        await connected[i].wait_for(f"w{i}", CHANNELS + 2)
        assert [c["state"] for c in connected[i].changes(f"w{i}")] == ["READY", "NOT_READY"]
    assert len(tried) == 1 and connected[1].changes("w1") == []
    for w in connected:
        await w.close()


async def test_a_socket_closed_by_its_client_stops_only_its_own_stream(live, backline, people):
    base, _ = live
    token, marie_id, marie = people
    connected = await watchers(base, token, marie_id, 3)
    await until(lambda: len(live_listeners(backline)) == 3)
    connected[1].ws.transport.abort()  # gone without a closing handshake
    await backline.presence.log_in(marie, "voice", ready=True)
    await backline.presence.set_not_ready(marie, "voice", None)
    for i in (0, 2):
        await connected[i].wait_for(f"w{i}", CHANNELS + 2)
    await until(lambda: set(live_listeners(backline)) == {"w0", "w2"})
    for i in (0, 2):
        await connected[i].close()


async def test_a_slow_socket_gets_its_own_writer_and_its_changes_in_order(live, backline, people):
    base, _ = live
    token, marie_id, marie = people
    connected = await watchers(base, token, marie_id, 3)
    await until(lambda: len(live_listeners(backline)) == 3)
    slow = live_listeners(backline)["w0"]
    send, released = slow.route.send_text, asyncio.Event()

    async def blocked_once(text: str) -> None:
        await released.wait()  # as a socket whose peer reads slowly: the write waits
        await send(text)

    on_route(slow, blocked_once)
    await backline.presence.log_in(marie, "voice", ready=True)
    await backline.presence.set_not_ready(marie, "voice", "Pause")
    await backline.presence.set_ready(marie, "voice")
    for i in (1, 2):
        await connected[i].wait_for(f"w{i}", CHANNELS + 3)  # not held up by w0
    assert connected[0].changes("w0") == [] and slow.writer is not None
    on_route(slow, send)
    released.set()
    await connected[0].wait_for("w0", CHANNELS + 3)
    assert [c["state"] for c in connected[0].changes("w0")] == ["READY", "NOT_READY", "READY"]
    await until(lambda: slow.writer is None and slow.backlog is None)
    await backline.presence.set_not_ready(marie, "voice", None)  # written directly again
    await connected[0].wait_for("w0", CHANNELS + 4)
    for w in connected:
        await w.close()


async def test_completing_an_operation_leaves_the_others_and_the_last_one_stops_the_reader(
        live, backline, people):
    base, _ = live
    token, marie_id, marie = people
    subscribers_before = backline.bus.subscriber_count(TOPIC)
    w = (await watchers(base, token, marie_id, 1))[0]
    await w.subscribe("again", marie_id, SMALL)  # a second operation on the same socket
    await w.wait_for("again", CHANNELS)
    await until(lambda: set(live_listeners(backline)) == {"w0", "again"})
    await w.complete("w0")
    await until(lambda: set(live_listeners(backline)) == {"again"})
    await backline.presence.log_in(marie, "voice", ready=True)
    await w.wait_for("again", CHANNELS + 1)
    assert w.changes("again") == [{"agentId": marie_id, "state": "READY", "snapshot": False}] and w.changes("w0") == []
    await w.subscribe("w0", marie_id)  # an id used again is a new operation
    await w.wait_for("w0", CHANNELS * 2)
    await backline.presence.set_not_ready(marie, "voice", None)
    await w.wait_for("w0", CHANNELS * 2 + 1)
    assert [c["state"] for c in w.changes("w0")] == ["NOT_READY"]
    await w.complete("w0")
    await w.complete("again")
    await until(lambda: broadcast.fanout_of(backline.bus, TOPIC) is None)
    assert backline.bus.subscriber_count(TOPIC) == subscribers_before
    await w.close()


async def test_when_the_stream_ends_complete_comes_after_every_pending_next(live, backline, people):
    base, _ = live
    token, marie_id, marie = people
    w = (await watchers(base, token, marie_id, 1))[0]
    await until(lambda: "w0" in live_listeners(backline))
    listener = live_listeners(backline)["w0"]
    send, released = listener.route.send_text, asyncio.Event()

    async def slow(text: str) -> None:
        await released.wait()
        await send(text)

    on_route(listener, slow)
    await backline.presence.log_in(marie, "voice", ready=True)
    await backline.presence.set_not_ready(marie, "voice", None)
    await until(lambda: listener.backlog)  # one write waiting, one behind it
    broadcast.fanout_of(backline.bus, TOPIC).subscription.close()  # the bus ends the stream
    released.set()
    messages = await w.wait_for("w0", CHANNELS + 3)
    assert [m["type"] for m in messages[CHANNELS:]] == ["next", "next", "complete"]
    assert [c["state"] for c in w.changes("w0")] == ["READY", "NOT_READY"]
    await w.close()


async def test_a_change_that_fails_to_execute_ends_those_streams_with_a_masked_error(
        live, backline, people, monkeypatch, caplog):
    base, _ = live
    token, marie_id, marie = people
    w = (await watchers(base, token, marie_id, 1))[0]
    await until(lambda: "w0" in live_listeners(backline))

    def broken(group, event):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(broadcast.Group, "_payload_text", broken)
    await backline.presence.log_in(marie, "voice", ready=True)
    messages = await w.wait_for("w0", CHANNELS + 2)
    error, end = messages[CHANNELS:]
    assert error["type"] == "next" and error["payload"]["data"] is None
    assert [e["message"] for e in error["payload"]["errors"]] == ["Unexpected error."]
    assert "internal detail" not in json.dumps(error) and end["type"] == "complete"
    assert "internal detail" in caplog.text  # logged for the operator
    await w.close()
