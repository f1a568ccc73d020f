"""Presence fan-out to 1,000 WebSocket subscribers, against a real `backline serve` process.

1,000 graphql-transport-ws clients subscribe to `presenceChanged` for one agent; that agent's
presence then changes CHANGES times (over HTTP, as a desktop would). Printed, from the same
run:
- publish-to-receive latency p50/p99 (from the change's time, `at`, to its arrival at each
  subscriber; goal p99 ≤ 50 ms) and messages lost (goal 0);
- the same for a bare Starlette WebSocket broadcast of the same JSON to as many clients
  (bench/bare_broadcast.py), and the ratio of fan-out rates, ours / bare (goal ≥ 0.5):
  a fan-out rate is subscribers divided by the time until the last one received a change.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx

from bench import light_ws
from bench.support import REPO, demo_database, describe, login, percentile, sqlite_url, temporary_folder

SUBSCRIBERS = 1000
CHANGES = 30
PAUSE = 0.15  # between changes, so that each is measured on its own
CONNECT_BATCH = 50

WATCH = """subscription($agents: [ID!]) { presenceChanged(agentIds: $agents) {
  agentId teamId channel state reason since load capacity at snapshot sequence } }"""
READY = 'mutation { setReady(channel: "voice") { __typename } }'
NOT_READY = 'mutation { setNotReady(channel: "voice", reason: "Pause") { __typename } }'
LOG_IN = 'mutation { logIn(channel: "voice", ready: false) { __typename } }'


class Subscriber:
    """One subscriber's socket (bench.light_ws: the client's own cost stays out of the
    figures) and what it received, with arrival times."""

    def __init__(self, ws: light_ws.LightSocket) -> None:
        self.ws = ws

    @property
    def received(self) -> list[tuple[float, str]]:
        return self.ws.received

    def go_live(self) -> None:
        """From now on messages are kept with their arrival time."""
        while not self.ws.pending.empty():
            self.ws.received.append((time.time(), self.ws.pending.get_nowait()))
        self.ws.live = True


async def connect_graphql(url: str, token: str, agent_id: str) -> Subscriber:
    ws = await light_ws.connect(url, "graphql-transport-ws")
    ws.send_text(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    ws.send_text(json.dumps({"id": "1", "type": "subscribe",
                             "payload": {"query": WATCH, "variables": {"agents": [agent_id]}}}))
    for _ in range(4):  # the snapshot: one per channel
        assert json.loads(await ws.recv())["type"] == "next"
    sub = Subscriber(ws)
    sub.go_live()
    return sub


async def connect_bare(url: str) -> Subscriber:
    sub = Subscriber(await light_ws.connect(url))
    sub.go_live()
    return sub


@contextlib.contextmanager
def no_collections():
    """While changes are measured: this client's objects frozen and no collection. A full
    collection walked the 1,000 sockets' objects and the messages received, ~100 ms during
    which no message is time-stamped: it showed as a stall of the server."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def connect_all(factory) -> list[Subscriber]:
    subscribers: list[Subscriber] = []
    for start in range(0, SUBSCRIBERS, CONNECT_BATCH):
        subscribers += await asyncio.gather(*(factory() for _ in range(start, min(SUBSCRIBERS, start + CONNECT_BATCH))))
    return subscribers


async def drain(subscribers: list[Subscriber], expected: int, limit: float = 30.0) -> None:
    """Until every subscriber has `expected` messages, or `limit` seconds (then some are lost)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and any(len(s.received) < expected for s in subscribers):
        await asyncio.sleep(0.05)


def figures(subscribers: list[Subscriber]) -> tuple[list[float], list[float], int]:
    """Latencies (ms), per-change fan-out durations (ms: until the last subscriber), received."""
    latencies: list[float] = []
    last: dict[str, float] = {}
    published: dict[str, float] = {}
    received = 0
    for sub in subscribers:
        for arrived, text in sub.received:
            change = json.loads(text)["payload"]["data"]["presenceChanged"]
            at = datetime.fromisoformat(change["at"]).timestamp()
            key = change["sequence"]
            published[key] = at
            last[key] = max(last.get(key, 0.0), arrived)
            latencies.append((arrived - at) * 1000)
            received += 1
    spans = [(last[k] - published[k]) * 1000 for k in last]
    return latencies, spans, received


async def close_all(subscribers: list[Subscriber]) -> None:
    await asyncio.gather(*(sub.ws.close() for sub in subscribers), return_exceptions=True)


async def measure_backline(*bases: str) -> tuple[tuple[list[float], list[float], int], str]:
    """SUBSCRIBERS watchers of one agent, split evenly over the instances at `bases`; the
    agent's presence changes through the first. Figures, and one message as sent."""
    async with httpx.AsyncClient(base_url=bases[0], timeout=30) as http:
        watcher_token, _ = await login(http, "lead")
        marie_token, marie_id = await login(http, "marie.dupont")
        urls = [base.replace("http://", "ws://") + "/graphql" for base in bases]
        started = time.perf_counter()
        turn = iter(range(SUBSCRIBERS))
        subscribers = await connect_all(lambda: connect_graphql(urls[next(turn) % len(urls)], watcher_token, marie_id))
        print(f"backline: {len(subscribers)} subscribers connected to {len(bases)} instance(s) "
              f"in {time.perf_counter() - started:.1f} s")
        headers = {"Authorization": f"Bearer {marie_token}"}
        await http.post("/graphql", json={"query": LOG_IN}, headers=headers)
        await drain(subscribers, 1)
        for sub in subscribers:
            sub.received.clear()
        with no_collections():
            for i in range(CHANGES):
                body = (await http.post("/graphql", json={"query": READY if i % 2 == 0 else NOT_READY},
                                        headers=headers)).json()
                assert "errors" not in body, body
                await asyncio.sleep(PAUSE)
            await drain(subscribers, CHANGES)
        result = figures(subscribers)
        sample = subscribers[0].received[-1][1]  # a message as Backline sent it, for the bare server
        await close_all(subscribers)
        # Logged off again, as the next measurement on the same store expects.
        await http.post("/graphql", json={"query": 'mutation { logOut(channel: "voice") { __typename } }'},
                        headers=headers)
        return result, sample


async def measure_bare(base: str, sample: str) -> tuple[list[float], list[float], int]:
    url = base.replace("http://", "ws://") + "/ws"
    subscribers = await connect_all(lambda: connect_bare(url))
    message = json.loads(sample)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        # A first message not measured, as Backline's first change (logging in) is not.
        message["payload"]["data"]["presenceChanged"]["sequence"] = "warm-up"
        await http.post("/publish", json=message)
        await drain(subscribers, 1)
        for sub in subscribers:
            sub.received.clear()
        with no_collections():
            for i in range(CHANGES):
                message["payload"]["data"]["presenceChanged"]["sequence"] = str(i)
                await http.post("/publish", json=message)
                await asyncio.sleep(PAUSE)
            await drain(subscribers, CHANGES)
    result = figures(subscribers)
    await close_all(subscribers)
    return result


class BareServer:
    def __init__(self) -> None:
        from tests.support.servers import free_port

        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.bare_broadcast:app", "--port", str(self.port),
             "--log-level", "warning", "--ws", "websockets-sansio",
             "--ws-per-message-deflate", "false"],  # the same transport as `backline serve`
            cwd=REPO, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/health", timeout=0.5).status_code == 200:
                    return self.base
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("bare broadcast server did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def report(name: str, latencies: list[float], spans: list[float], received: int) -> float:
    expected = SUBSCRIBERS * CHANGES
    rate = SUBSCRIBERS / (percentile(spans, 50) / 1000) if spans else 0.0
    print(f"{name}: {describe(latencies)}")
    print(f"  fan-out to the last subscriber: p50 {percentile(spans, 50):.1f} ms, p99 {percentile(spans, 99):.1f} ms"
          f" -> {rate:,.0f} deliveries/s;  lost {expected - received} of {expected}")
    return rate


def main() -> None:
    from tests.support.servers import server_process

    with temporary_folder() as folder:
        path = demo_database(Path(folder))
        with server_process(sqlite_url(path), extra_env={"BACKLINE_RATE_LIMIT": "1000000"}) as base:
            ours, sample = asyncio.run(measure_backline(base))
    with BareServer() as bare_base:
        # The same JSON that Backline sent (its `at` and `sequence` set afresh per change).
        bare = asyncio.run(measure_bare(bare_base, sample))
    print(f"{SUBSCRIBERS} subscribers, {CHANGES} changes, {PAUSE * 1000:.0f} ms apart")
    ours_rate = report("backline presenceChanged", *ours)
    print(f"  p99 {percentile(ours[0], 99):.1f} ms (goal <= 50 ms), lost {SUBSCRIBERS * CHANGES - ours[2]} (goal 0)")
    bare_rate = report("bare starlette broadcast", *bare)
    print(f"ratio of fan-out rates, backline / bare: {ours_rate / bare_rate:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
