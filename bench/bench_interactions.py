"""Consult-then-transfer cycles by concurrent clients against a real `backline serve` process.

Each client is a pair of agents (A, B). One cycle is six mutations: a customer call to A
(the integration), A accepts, A consults B, B accepts, A completes the consultation as a
transfer, B hangs up. Prints, measured in the same run on the same server:
- mutations per second at saturation (goal >= 300) and p50/p99 latency per mutation there,
  per kind of mutation (at saturation a closed loop of 8 clients waits in line: its mean
  latency is 8 / throughput by Little's law, whatever the server does);
- p50/p99 latency at the goal's rate (300 mutations/s) and at half of the saturated rate
  (goal p99 <= 30 ms, read here as for the directory benchmark: a latency goal is met below
  saturation): cycles start on a fixed schedule, and the first mutation of each is timed from
  its scheduled start, so a stall that delays the schedule is not hidden;
- the latency of the same mutations sent by one client alone (their uncontended cost);
- the throughput of a constant query on the same server and the ratio between the two.
The machine's other load shows in the constant query's figure: compare ratios, not absolutes.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import defaultdict
from pathlib import Path

from bench.cycle import ACCEPT, CALL, COMPLETE, CONSULT, LOGIN, LOG_IN, RELEASE, open_offer
from bench.light_http import LightClient
from bench.support import agent_targets, demo_stores, describe, percentile, temporary_folder

PAIRS = 8
SECONDS = 6.0
GOAL_RATE = 300.0  # mutations per second
AGENTS = ("agent", "marie.dupont", "helene.durand", "francois.lefevre", "zoe.moreau", "noemie.garcia",
          "jerome.petit", "ines.roux", "loic.fournier", "celine.girard", "andre.bonnet", "elodie.mercier",
          "gaetan.blanc", "beatrice.faure", "jose.munoz", "bjorn.ostergaard")

CONSTANT = "{ reasonCodes }"


class Desk:
    def __init__(self, http: LightClient, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    async def send(self, name: str, query: str, variables: dict, timings: dict[str, list[float]]) -> dict:
        started = time.perf_counter()
        response = await self.http.post("/graphql", json={"query": query, "variables": variables},
                                        headers=self.headers)
        timings[name].append((time.perf_counter() - started) * 1000)
        body = response.json()
        if response.status_code != 200 or body.get("errors") or body["data"]["r"]["__typename"] != "Interaction":
            raise RuntimeError(f"{name} failed: {response.status_code} {str(body)[:300]}")
        return body["data"]["r"]



async def cycle(admin: Desk, a: Desk, b: Desk, a_name: str, b_target: str, timings) -> None:
    call = await admin.send("createCustomerInteraction", CALL, {"to": f"agent:{a_name}"}, timings)
    call = await a.send("acceptOffer", ACCEPT, {"id": open_offer(call)}, timings)
    consult = await a.send("startConsultation", CONSULT, {"id": call["id"], "t": b_target}, timings)
    await b.send("acceptOffer", ACCEPT, {"id": open_offer(consult)}, timings)
    await a.send("completeConsultation", COMPLETE, {"id": consult["id"]}, timings)
    await b.send("release", RELEASE, {"id": call["id"]}, timings)


async def paced(admin: Desk, agents: dict[str, Desk], pairs, targets, rate: float) -> dict[str, list[float]]:
    """Cycles started at `rate` / 6 per second on a fixed schedule, each on the next free pair
    (a pair's agents take one call at a time). The first mutation is timed from the cycle's
    scheduled start (a wait for the server or for a free pair counts); the next ones, which
    wait for it, from when they are sent."""
    timings: dict[str, list[float]] = defaultdict(list)
    free: asyncio.Queue = asyncio.Queue()
    for pair in pairs:
        free.put_nowait(pair)
    start = time.perf_counter() + 0.05

    async def one(i: int) -> None:
        scheduled = start + i * 6 / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        a_name, b_name = await free.get()
        late = (time.perf_counter() - scheduled) * 1000
        mine: dict[str, list[float]] = defaultdict(list)
        try:
            await cycle(admin, agents[a_name], agents[b_name], a_name, targets[b_name], mine)
        finally:
            free.put_nowait((a_name, b_name))
        mine["createCustomerInteraction"][0] += late
        for name, values in mine.items():
            timings[name].extend(values)

    await asyncio.gather(*(one(i) for i in range(int(rate / 6 * SECONDS))))
    return timings


async def constant_rate(http: LightClient, token: str) -> float:
    done = 0
    deadline = time.perf_counter() + SECONDS / 2
    headers = {"Authorization": f"Bearer {token}"}

    async def client() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await http.post("/graphql", json={"query": CONSTANT}, headers=headers)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(PAIRS)))
    return done / (time.perf_counter() - started)


async def measure(base: str, targets: dict[str, str]) -> float:
    async with LightClient(base) as http:  # bench.light_http: the client's CPU stays small
        async def desk(name: str) -> Desk:
            body = (await http.post("/graphql", json={"query": LOGIN, "variables": {"u": name}})).json()
            return Desk(http, body["data"]["login"]["token"])

        admin = await desk("admin")
        agents = {name: await desk(name) for name in AGENTS[: 2 * PAIRS]}
        for agent in agents.values():
            await agent.http.post("/graphql", json={"query": LOG_IN}, headers=agent.headers)
        pairs = [(AGENTS[2 * i], AGENTS[2 * i + 1]) for i in range(PAIRS)]

        warm: dict[str, list[float]] = defaultdict(list)
        for a_name, b_name in pairs:
            await cycle(admin, agents[a_name], agents[b_name], a_name, targets[b_name], warm)
        # As the server does after start-up: a full collection in this client would otherwise
        # walk everything built so far and show as a stall in the server's figures.
        gc.collect()
        gc.freeze()

        timings: dict[str, list[float]] = defaultdict(list)
        cycles = 0
        deadline = time.perf_counter() + SECONDS

        async def client(a_name: str, b_name: str) -> None:
            nonlocal cycles
            while time.perf_counter() < deadline:
                await cycle(admin, agents[a_name], agents[b_name], a_name, targets[b_name], timings)
                cycles += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(a, b) for a, b in pairs))
        elapsed = time.perf_counter() - started
        everything = [t for values in timings.values() for t in values]
        rate = len(everything) / elapsed
        print(f"{PAIRS} concurrent clients, consult-then-transfer cycles for {elapsed:.1f} s: "
              f"{cycles} cycles, {len(everything)} mutations")
        print(f"  mutations/s {rate:8.0f}   (goal >= 300)")
        print(f"  all mutations: {describe(everything)}")
        print(f"  p99 {percentile(everything, 99):.2f} ms at saturation: {PAIRS} clients waiting in line "
              f"(mean = clients / throughput); the latency goal is read below saturation, below")
        for name, values in sorted(timings.items()):
            print(f"  {name:26s} {describe(values)}")
        for label, paced_rate in (("at the goal's rate", GOAL_RATE), ("at half load", rate / 2)):
            if paced_rate > rate:
                print(f"{label} ({paced_rate:.0f} mutations/s): not measured, above the saturated rate")
                continue
            timed = await paced(admin, agents, pairs, targets, paced_rate)
            paced_all = [t for values in timed.values() for t in values]
            print(f"{label} ({paced_rate:.0f} mutations/s, cycles on a schedule): {describe(paced_all)}")
            print(f"  p99 {percentile(paced_all, 99):.2f} ms (goal <= 30 ms)")
        alone: dict[str, list[float]] = defaultdict(list)
        a_name, b_name = pairs[0]
        for _ in range(20):
            await cycle(admin, agents[a_name], agents[b_name], a_name, targets[b_name], alone)
        serial = [t for values in alone.values() for t in values]
        print(f"one client alone, 20 cycles (uncontended cost): {describe(serial)}")
        constant = await constant_rate(http, admin.headers["Authorization"].removeprefix("Bearer "))
        print(f"constant query (reasonCodes), same clients: {constant:8.0f} req/s; "
              f"mutation/constant ratio {rate / constant:.2f}")
        return rate


def main() -> None:
    from tests.support.servers import server_process

    # Both stores in one run, one after the other on the same machine: compare each one's
    # mutation/constant ratio, and PostgreSQL's saturated rate with SQLite's (goal >= 0.5).
    rates: dict[str, float] = {}
    with temporary_folder() as folder, demo_stores(Path(folder)) as stores:
        for store, url in stores:
            print(f"\n--- store: {store}", flush=True)
            with server_process(url, extra_env={"BACKLINE_RATE_LIMIT": "1000000"}) as base:
                rates[store] = asyncio.run(measure(base, asyncio.run(agent_targets(url))))
    if rates.get("sqlite") and rates.get("postgresql"):
        print(f"\nsaturated mutations/s: sqlite {rates['sqlite']:.0f}, postgresql {rates['postgresql']:.0f}; "
              f"postgresql/sqlite {rates['postgresql'] / rates['sqlite']:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
