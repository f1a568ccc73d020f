"""REL2 against a real `backline serve` process: two agents accept the same waiting call at
the same moment; exactly one wins, the other gets a typed CONFLICT."""

from __future__ import annotations

import asyncio

import httpx

from tests.e2e.desk import BY_ID, CREATE, LOG_IN, NOT_READY, do, open_offer
from tests.support.client import GraphQLClient
from tests.support.servers import server_process

ROUNDS = 8


async def test_rel2_two_agents_accepting_one_waiting_call_exactly_one_wins(backline, database_url):
    # `backline` loaded the demo into this database; the server process serves the same file.
    with server_process(database_url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            admin = await GraphQLClient(http).login("admin")
            racers = [await GraphQLClient(http).login(name) for name in ("agent", "marie.dupont")]
            for racer in racers:
                await racer.execute(LOG_IN, {"c": "voice"})
                await racer.execute(NOT_READY, {"c": "voice"})  # nobody is offered it: it waits
            for round_ in range(ROUNDS):
                call = await do(admin, CREATE, to="queue:Support", **{"from": f"+3310000{round_:04d}"},
                                channel="voice", context=[], contact=[])
                offer = open_offer(call)
                assert offer["state"] == "WAITING"
                results = await asyncio.gather(*(do(r, BY_ID["acceptOffer"], id=offer["id"]) for r in racers))
                kinds = sorted(r["__typename"] for r in results)
                assert kinds == ["ConflictError", "Interaction"], results
                loser = next(r for r in results if r["__typename"] == "ConflictError")
                assert loser["code"] == "CONFLICT"
                winner = racers[[r["__typename"] for r in results].index("Interaction")]
                assert (await do(winner, BY_ID["release"], id=call["id"]))["state"] == "ENDED"
