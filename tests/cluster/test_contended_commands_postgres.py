"""INS4 and REL2 across real `backline serve` processes on one PostgreSQL database: contended
commands are serialised by the store (row locks), not by a lock of one process. Clients are
spread over three server processes; each race starts its requests together."""

from __future__ import annotations

import asyncio
import contextlib
import itertools

import httpx
import pytest

from core.demo_data import AGENTS
from core.directory.models import Target, TargetKind, TargetMember
from core.directory.text import search_key
from core.identity.models import User
from sqlmodel import select
from tests.e2e.desk import BY_ID, CREATE, GET, LOG_IN, NOT_READY, READY, TRANSFER, do, open_offer, target_id
from tests.support.client import GraphQLClient
from tests.support.servers import server_process

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # several instances need PostgreSQL

INSTANCES = 3
RACERS = 20
RACE_QUEUE = "queue:race"


async def race_queue(backline) -> list[str]:
    """A queue served by twenty demo agents (the demo's queues have five at most)."""
    names = [username for username, _, _ in AGENTS[:RACERS]]
    async with backline.store.write() as uow:
        users = (await uow.session.exec(select(User).where(User.username.in_(names)))).all()
        queue = Target(kind=TargetKind.INTERACTION_QUEUE, name="Race", search_key=search_key("Race"),
                       address=RACE_QUEUE)
        uow.session.add(queue)
        await uow.session.flush()
        uow.session.add_all(TargetMember(target_id=queue.id, user_id=user.id) for user in users)
    return names


@contextlib.asynccontextmanager
async def cluster(database_url: str):
    """Three server processes on one database, and an HTTP client for each."""
    with contextlib.ExitStack() as servers:
        bases = [servers.enter_context(server_process(database_url)) for _ in range(INSTANCES)]
        async with contextlib.AsyncExitStack() as clients:
            yield [await clients.enter_async_context(httpx.AsyncClient(base_url=b, timeout=60)) for b in bases]


async def desks(https: list[httpx.AsyncClient], usernames: list[str]) -> list[GraphQLClient]:
    """One logged-in client per user, spread over the instances in turn."""
    spread = zip(usernames, itertools.cycle(https))
    return list(await asyncio.gather(*(GraphQLClient(http).login(name) for name, http in spread)))


async def eventually(probe, timeout: float = 20.0):
    """Polls `probe` (a coroutine function returning a value or None) until it answers."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if value is not None:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("gave up waiting")
        await asyncio.sleep(0.02)


async def test_rel2_ins4_twenty_agents_on_three_instances_accept_one_waiting_call_one_wins(backline, database_url):
    names = await race_queue(backline)
    async with cluster(database_url) as https:
        admin = await GraphQLClient(https[0]).login("admin")
        racers = await desks(https, names)
        for racer in racers:
            await racer.execute(LOG_IN, {"c": "voice"})
            await racer.execute(NOT_READY, {"c": "voice"})  # nobody is offered it: it waits
        for round_ in range(3):
            call = await do(admin, CREATE, to=RACE_QUEUE, **{"from": f"+3320000{round_:04d}"},
                            channel="voice", context=[], contact=[])
            offer = open_offer(call)
            assert offer["state"] == "WAITING"
            results = await asyncio.gather(*(do(r, BY_ID["acceptOffer"], id=offer["id"]) for r in racers))
            kinds = sorted(r["__typename"] for r in results)
            assert kinds == ["ConflictError"] * (RACERS - 1) + ["Interaction"], kinds
            winner = racers[[r["__typename"] for r in results].index("Interaction")]
            final = await winner.execute(GET, {"id": call["id"]})
            agents = [p for p in final["interaction"]["parties"] if p["role"] == "OWNER" and p["state"] != "LEFT"]
            assert [p["userId"] for p in agents] == [winner.me["id"]]
            assert (await do(winner, BY_ID["release"], id=call["id"]))["state"] == "ENDED"


async def test_ins4_agents_going_ready_at_once_on_three_instances_ring_one_waiting_call_once(backline, database_url):
    names = (await race_queue(backline))[:6]
    async with cluster(database_url) as https:
        admin = await GraphQLClient(https[0]).login("admin")
        agents = await desks(https, names)
        for agent in agents:
            await agent.execute(LOG_IN, {"c": "voice"})
            await agent.execute(NOT_READY, {"c": "voice"})
        for round_ in range(20):
            call = await do(admin, CREATE, to=RACE_QUEUE, **{"from": f"+3330000{round_:04d}"},
                            channel="voice", context=[], contact=[])
            assert open_offer(call)["state"] == "WAITING"
            await asyncio.gather(*(agent.execute(READY, {"c": "voice"}) for agent in agents))

            async def ringing():
                seen = (await admin.execute(GET, {"id": call["id"]}))["interaction"]
                offer = open_offer(seen)
                return seen if offer["state"] == "RINGING" else None

            await eventually(ringing)
            # Every instance has served its own agents' changes by the time each answered;
            # a second ring would show as a second alerting party.
            seen = (await admin.execute(GET, {"id": call["id"]}))["interaction"]
            alerting = [p for p in seen["parties"] if p["state"] == "ALERTING"]
            assert len(alerting) == 1, (round_, seen["parties"])
            ringing_user = open_offer(seen)["ringingUserId"]
            assert alerting[0]["userId"] == ringing_user
            taker = next(a for a in agents if a.me["id"] == ringing_user)
            await do(taker, BY_ID["acceptOffer"], id=open_offer(seen)["id"])
            await do(taker, BY_ID["release"], id=call["id"])
            await asyncio.gather(*(agent.execute(NOT_READY, {"c": "voice"}) for agent in agents))


async def test_ins4_twenty_concurrent_transfers_of_one_call_leave_one_pending_transfer(backline, database_url):
    names = await race_queue(backline)
    async with cluster(database_url) as https:
        admin = await GraphQLClient(https[0]).login("admin")
        owner, *others = await desks(https, names)
        for agent in (owner, *others):
            await agent.execute(LOG_IN, {"c": "voice"})
        call = await do(admin, CREATE, to=f"agent:{owner.me['username']}", **{"from": "+33400000001"},
                        channel="voice", context=[], contact=[])
        await do(owner, BY_ID["acceptOffer"], id=open_offer(call)["id"])
        targets = [await target_id(backline, name) for name in ("Marie Dupont", "Hélène Durand", "Zoë Moreau",
                                                                   "Support", "Français")]
        # The owner's one token, sent through every instance at once.
        owners = [GraphQLClient(http) for http in https]
        for client in owners:
            client.token, client.me = owner.token, owner.me
        attempts = [do(owners[n % INSTANCES], TRANSFER, id=call["id"], t=targets[n % len(targets)])
                    for n in range(RACERS)]
        results = await asyncio.gather(*attempts)
        assert sum(r["__typename"] == "Interaction" for r in results) == 1, [r["__typename"] for r in results]
        refused = [r for r in results if r["__typename"] != "Interaction"]
        assert {r["code"] for r in refused} == {"INVALID_STATE"}, refused
        final = (await owner.execute(GET, {"id": call["id"]}))["interaction"]
        pending = [o for o in final["offers"] if o["purpose"] == "TRANSFER" and o["state"] in ("RINGING", "WAITING")]
        assert len(pending) == 1, final["offers"]
