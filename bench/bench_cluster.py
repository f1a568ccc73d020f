"""Several instances on one PostgreSQL (INS1, INS2): what sharing one event stream costs.

Real `backline serve` processes on one embedded PostgreSQL (with fsync, as in production).
Printed, each against a baseline measured in the same run:
- presence fan-out: 1,000 WebSocket subscribers to one agent's presence, all on one instance,
  then split over two (changes made through the first): publish-to-receive p50/p99 (goal
  p99 <= 100 ms), messages lost (goal 0), and the ratio of delivery rates, two instances /
  one (goal >= 0.5);
- consult-then-transfer cycles by 8 concurrent clients on one instance, then with each
  pair's two agents on different instances: saturated mutations/s and the ratio, two / one
  (goal >= 0.8: coordination costs little; two cores give no speed-up);
- resume: a subscriber away while 10,000 presence changes are committed (through another
  instance) subscribes again with its cursor: the time to catch up and the rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from pathlib import Path

import httpx
import websockets

from bench.bench_interactions import AGENTS, PAIRS, SECONDS, Desk, cycle
from bench.bench_presence_fanout import CHANGES, PAUSE, SUBSCRIBERS, measure_backline, report
from bench.cycle import LOGIN, LOG_IN as VOICE_LOG_IN
from bench.light_http import LightClient
from bench.support import agent_targets, describe, login, percentile, temporary_folder

ENV = {"BACKLINE_RATE_LIMIT": "1000000"}
AWAY_EVENTS = 10_000
WATCHED = AGENTS[:10]  # whose presence the resuming subscriber watches
RESUME = """subscription($agents: [ID!], $after: String) { presenceChanged(agentIds: $agents, after: $after) {
  agentId state snapshot sequence cursor } }"""


@contextlib.contextmanager
def postgres_demo(folder: Path):
    """One migrated demo database on an embedded PostgreSQL."""
    from bench.support import _load_demo
    from core.store.migrate import upgrade
    from tests.support.database import PostgresServer

    server = PostgresServer(folder / "postgres", tuned=False)
    try:
        _, url = server.empty_database()
        upgrade(url)
        asyncio.run(_load_demo(url))
        yield url
    finally:
        server.stop()


@contextlib.contextmanager
def instances(url: str, count: int):
    from tests.support.servers import server_process

    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(server_process(url, extra_env=ENV)) for _ in range(count)]


# -- presence fan-out ---------------------------------------------------------------------

# -- consult-then-transfer cycles ---------------------------------------------------------

async def cycles(bases: list[str], targets: dict[str, str]) -> float:
    """Saturated mutations/s; pair i's agent A on instance i, its agent B on the next one."""
    async with contextlib.AsyncExitStack() as stack:
        https = [await stack.enter_async_context(LightClient(b)) for b in bases]  # bench.light_http

        async def desk(name: str, http: LightClient) -> Desk:
            body = (await http.post("/graphql", json={"query": LOGIN, "variables": {"u": name}})).json()
            return Desk(http, body["data"]["login"]["token"])

        pairs = [(AGENTS[2 * i], AGENTS[2 * i + 1]) for i in range(PAIRS)]
        admins, agents = {}, {}
        for i, (a_name, b_name) in enumerate(pairs):
            admins[a_name] = await desk("admin", https[i % len(https)])
            agents[a_name] = await desk(a_name, https[i % len(https)])
            agents[b_name] = await desk(b_name, https[(i + 1) % len(https)])
        for agent in agents.values():
            await agent.http.post("/graphql", json={"query": VOICE_LOG_IN}, headers=agent.headers)
        warm: dict[str, list[float]] = defaultdict(list)
        for a_name, b_name in pairs:
            await cycle(admins[a_name], agents[a_name], agents[b_name], a_name, targets[b_name], warm)
        timings: dict[str, list[float]] = defaultdict(list)
        deadline = time.perf_counter() + SECONDS

        async def client(a_name: str, b_name: str) -> None:
            while time.perf_counter() < deadline:
                await cycle(admins[a_name], agents[a_name], agents[b_name], a_name, targets[b_name], timings)

        started = time.perf_counter()
        await asyncio.gather(*(client(a, b) for a, b in pairs))
        elapsed = time.perf_counter() - started
        everything = [t for values in timings.values() for t in values]
        rate = len(everything) / elapsed
        print(f"  {len(bases)} instance(s): {rate:6.0f} mutations/s; {describe(everything)}")
        for agent in agents.values():  # as the next run expects them: logged off
            await agent.http.post("/graphql", json={"query": 'mutation { logOut(channel: "voice") { __typename } }'},
                                  headers=agent.headers)
        return rate


# -- resume -------------------------------------------------------------------------------

async def away_events(url: str, count: int) -> None:
    """`count` presence changes committed by another instance (this process), concurrently."""
    from core.config import Settings
    from core.runtime import Backline
    from bench.support import REPO
    from tests.support.config import repository_config

    # The instances serving already listen for inbound e-mail on its port: this one does not.
    settings = Settings(database_url=url, plugins_file=REPO / "plugins.toml")
    backline = Backline(settings, repository_config(settings.plugins_file))
    await backline.start()
    try:
        actors = [(await backline.identity.login(name, "demo")).actor for name in WATCHED]
        for actor in actors:
            await backline.presence.log_in(actor, "chat", ready=True)
        per_agent = (count - len(actors)) // len(actors)

        async def flip(actor) -> None:
            for i in range(per_agent):
                if i % 2 == 0:
                    await backline.presence.set_not_ready(actor, "chat", "Pause")
                else:
                    await backline.presence.set_ready(actor, "chat")

        await asyncio.gather(*(flip(actor) for actor in actors))
    finally:
        await backline.stop()


async def resume(base: str, url: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        token, _ = await login(http, "lead")
        ids = [(await login(http, name))[1] for name in WATCHED]
    ws_url = base.replace("http://", "ws://") + "/graphql"
    init = json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"], max_queue=None) as ws:
        await ws.send(init)
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": RESUME, "variables": {"agents": ids}}}))
        first = json.loads(await ws.recv())["payload"]["data"]["presenceChanged"]
    cursor = first["cursor"]  # the desk goes away here
    started = time.perf_counter()
    await away_events(url, AWAY_EVENTS)
    print(f"  {AWAY_EVENTS} changes committed meanwhile (through another instance) in "
          f"{time.perf_counter() - started:.1f} s")
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"], max_queue=None) as ws:
        await ws.send(init)
        await ws.recv()
        started = time.perf_counter()
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": RESUME, "variables": {"agents": ids, "after": cursor}}}))
        got, sequences = 0, []
        while got < AWAY_EVENTS:
            message = json.loads(await asyncio.wait_for(ws.recv(), 60))
            change = message["payload"]["data"]["presenceChanged"]
            assert not change["snapshot"], change
            sequences.append(int(change["sequence"]))
            got += 1
        elapsed = time.perf_counter() - started
    in_order = sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    print(f"  caught up {got} missed changes in {elapsed:.2f} s: {got / elapsed:,.0f} events/s; "
          f"in order, none twice: {in_order}")


def main() -> None:
    with temporary_folder() as folder, postgres_demo(Path(folder)) as url:
        targets = asyncio.run(agent_targets(url))
        print(f"presence fan-out: {SUBSCRIBERS} subscribers, {CHANGES} changes {PAUSE * 1000:.0f} ms apart")
        rates = {}
        for count in (1, 2):
            with instances(url, count) as bases:
                result, _ = asyncio.run(measure_backline(*bases))
            rates[count] = report(f"  {count} instance(s)", *result)
            print(f"  p99 {percentile(result[0], 99):.1f} ms (goal <= 100 ms)")
        print(f"  delivery rate, two instances / one: {rates[2] / rates[1]:.2f} (goal >= 0.5)")
        print(f"consult-then-transfer cycles, {PAIRS} clients, {SECONDS:.0f} s each")
        mutation_rates = {}
        for count in (1, 2):
            with instances(url, count) as bases:
                mutation_rates[count] = asyncio.run(cycles(bases, targets))
        print(f"  throughput, two instances / one: {mutation_rates[2] / mutation_rates[1]:.2f} (goal >= 0.8)")
        print("resume after an absence")
        with instances(url, 1) as bases:
            asyncio.run(resume(bases[0], url))


if __name__ == "__main__":
    main()
