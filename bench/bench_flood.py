"""No one can starve Backline (SEC3, SEC4): user B's directory query, against a real
`backline serve` process with the default limits, first quiet, then while user A floods in
turn over HTTP POST, over GET, over one WebSocket, with many tokens of its own, and with
anonymous wrong-password logins (the demo's passwords hashed with production argon2
parameters, as a real deployment's are).

Prints for each phase B's p50/p99 (B sends at a steady 10 per second, each latency measured
from its scheduled start, so a stall is not hidden), how many of B's requests were refused
(goal: none), and what A got: accepted, refused with a typed answer (HTTP 429 / a WebSocket
`error` / RATE_LIMITED or LOCKED), anything else (goal: none). Goal for each flood: B's p99 ≤
5 × the quiet p99 of the same run, or ≤ 150 ms, whichever is larger.

One store (SQLite; `BACKLINE_BENCH_STORES=postgresql` for the other): the floods are refused
before they reach it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from pathlib import Path

import httpx
import websockets

from bench.support import demo_stores, percentile, temporary_folder

SECONDS = 4.0
B_RATE = 10.0
FLOODERS = 8
SEARCH = '{ directory(search: "marie", first: 10) { edges { node { id name } } } }'
LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ' \
        '... on LoginSuccess { token } ... on Error { code } } }'


async def login(http: httpx.AsyncClient, username: str, password: str = "demo") -> dict:
    response = await http.post("/graphql", json={"query": LOGIN, "variables": {"u": username, "p": password}})
    return response.json()["data"]["login"]


async def steady_b(http: httpx.AsyncClient, token: str, seconds: float) -> tuple[list[float], int]:
    """B's latencies (ms) from each request's scheduled start, and how many were refused."""
    latencies: list[float] = []
    refused = 0
    started = time.perf_counter()
    pending = []

    async def one(due: float) -> None:
        nonlocal refused
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        response = await http.post("/graphql", json={"query": SEARCH}, headers={"Authorization": f"Bearer {token}"})
        latencies.append((time.perf_counter() - due) * 1000)
        if response.status_code != 200 or response.json().get("errors"):
            refused += 1

    for i in range(int(seconds * B_RATE)):
        pending.append(asyncio.create_task(one(started + i / B_RATE)))
    await asyncio.gather(*pending)
    return latencies, refused


def tally_http(counts: Counter, response: httpx.Response) -> None:
    if response.status_code == 429 and response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED":
        counts["refused typed"] += 1
    elif response.status_code == 200:
        body = response.json()
        login_code = ((body.get("data") or {}).get("login") or {}).get("code")
        if login_code in ("RATE_LIMITED", "LOCKED"):
            counts["refused typed"] += 1
        elif body.get("errors"):
            counts["other"] += 1
        else:
            counts["accepted"] += 1
    else:
        counts["other"] += 1


async def flood_http(http: httpx.AsyncClient, counts: Counter, until: float, send) -> None:
    async def loop() -> None:
        while time.perf_counter() < until:
            try:
                tally_http(counts, await send())
            except httpx.HTTPError:
                counts["other"] += 1
    await asyncio.gather(*(loop() for _ in range(FLOODERS)))


async def flood_ws(base: str, token: str, counts: Counter, until: float) -> None:
    url = base.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        await ws.recv()
        ids = itertools.count()
        in_flight = 0
        while time.perf_counter() < until or in_flight:
            while in_flight < 32 and time.perf_counter() < until:
                await ws.send(json.dumps({"id": str(next(ids)), "type": "subscribe", "payload": {"query": SEARCH}}))
                in_flight += 1
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message["type"] == "next":
                counts["accepted"] += 1
            elif message["type"] == "error":
                code = message["payload"][0].get("extensions", {}).get("code")
                counts["refused typed" if code == "RATE_LIMITED" else "other"] += 1
                in_flight -= 1
            elif message["type"] == "complete":
                in_flight -= 1


def flood_process(base: str, kind: str, tokens: list[str], seconds: float, queue) -> None:
    """One flood, in a process of its own: the flooder's client work does not slow the
    process that measures B."""
    async def run() -> Counter:
        counts: Counter = Counter()
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=64)) as http:
            a = {"Authorization": f"Bearer {tokens[0]}"}
            rotation = itertools.cycle(tokens)
            sends = {
                "HTTP POST": lambda: http.post("/graphql", json={"query": SEARCH}, headers=a),
                "HTTP GET": lambda: http.get("/graphql", params={"query": SEARCH}, headers=a),
                "10 tokens of A": lambda: http.post("/graphql", json={"query": SEARCH},
                                                    headers={"Authorization": f"Bearer {next(rotation)}"}),
                "wrong passwords": lambda: http.post("/graphql", json={
                    "query": LOGIN, "variables": {"u": "agent", "p": "nope"}}),
            }
            queue.put("ready")
            until = time.perf_counter() + seconds
            if kind == "one WebSocket":
                await flood_ws(base, tokens[0], counts, until)
            else:
                await flood_http(http, counts, until, sends[kind])
        return counts

    queue.put(dict(asyncio.run(run())))


PHASES = ("quiet", "HTTP POST", "HTTP GET", "one WebSocket", "10 tokens of A", "wrong passwords")


async def measure(base: str) -> list[tuple[str, list[float], int, Counter]]:
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    results = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        b_token = (await login(http, "marie.dupont"))["token"]
        a_tokens = [(await login(http, "agent"))["token"] for _ in range(10)]
        await steady_b(http, b_token, 1.0)  # warm up
        for name in PHASES:
            counts: Counter = Counter()
            child = None
            if name != "quiet":
                queue = spawn.Queue()
                child = spawn.Process(target=flood_process, args=(base, name, a_tokens, SECONDS, queue))
                child.start()
                assert await asyncio.to_thread(queue.get) == "ready"
            latencies, refused = await steady_b(http, b_token, SECONDS)
            if child is not None:
                counts.update(await asyncio.to_thread(queue.get))
                child.join()
            results.append((name, latencies, refused, counts))
            await asyncio.sleep(2.5)  # A's bucket refills between phases
    return results


def report(results) -> None:
    quiet_p99 = percentile(results[0][1], 99)
    ceiling = max(5 * quiet_p99, 150.0)
    print(f"B's p99 goal under a flood: <= {ceiling:.1f} ms (5 x quiet p99 {quiet_p99:.1f} ms, or 150 ms)")
    print(f"{'phase':<16} {'B p50':>9} {'B p99':>9} {'B refused':>10}   A accepted / refused typed / other   goal")
    for name, latencies, refused, counts in results:
        ok = name == "quiet" or (percentile(latencies, 99) <= ceiling and refused == 0 and counts["other"] == 0)
        print(f"{name:<16} {percentile(latencies, 50):7.1f}ms {percentile(latencies, 99):7.1f}ms {refused:>10}   "
              f"{counts['accepted']:>10} / {counts['refused typed']:>13} / {counts['other']:>5}   "
              f"{'' if name == 'quiet' else ('met' if ok else 'MISSED')}")


def main() -> None:
    from tests.support.servers import server_process

    with temporary_folder() as folder, demo_stores(Path(folder)) as stores:
        store, url = stores[0]
        print(f"store: {store}; default limits (BACKLINE_RATE_LIMIT 50/s, login throttling)")
        # The default rate limit, not the tests' (server_process raises it for scripted clients).
        with server_process(url, extra_env={"BACKLINE_RATE_LIMIT": "50"}) as base:
            report(asyncio.run(measure(base)))


if __name__ == "__main__":
    main()
