"""INS3 and INS4 across real server processes on one PostgreSQL database: a call rings an
agent through instance A (or an agent opens voicemail through A and enters no PIN, or calls
queue through A); A is killed (`kill -9`); instance B fires the time-out shortly after it
falls due (time-outs are rows, swept by every live instance), once, and serves the queue in
order.

The processes run on the wall clock, so the ring and PIN time-outs are one second here."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from tests.e2e.desk import BY_ID, CREATE, GET, HISTORY, LOG_IN, do, open_offer
from tests.support.client import GraphQLClient
from tests.support.servers import REPO, server_process

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # several instances need PostgreSQL

OPEN_VOICEMAIL = "mutation($m: ID!) { openVoicemail(mailboxId: $m) { ... on VoicemailSession { id interactionId } } }"
SESSION = "query($id: ID!) { voicemailSession(id: $id) { state } }"


def short_time_outs(folder) -> str:
    text = (REPO / "plugins.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^ring_timeout_seconds\s*=\s*\d+", "ring_timeout_seconds = 1", text)
    text = re.sub(r"(?m)^voicemail_pin_timeout_seconds\s*=\s*\d+", "voicemail_pin_timeout_seconds = 1", text)
    text = re.sub(r"(?m)^smtp_port\s*=\s*\d+", "smtp_port = 0", text)
    path = folder / "plugins.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@contextlib.asynccontextmanager
async def killable_and_survivor(database_url: str, env: dict | None = None) -> AsyncIterator:
    """Instance A (with its process, to kill) and instance B: (http_a, process_a, http_b)."""
    with server_process(database_url, extra_env=env, keep_handle=True) as (a, process_a), \
            server_process(database_url, extra_env=env) as b:
        async with httpx.AsyncClient(base_url=a, timeout=30) as http_a, httpx.AsyncClient(base_url=b, timeout=30) as http_b:
            yield http_a, process_a, http_b


def kill(process) -> None:
    process.kill()  # SIGKILL: nothing of the instance's memory survives
    process.wait()


async def until(check: Callable[[], Awaitable], what: str, seconds: float = 10.0):
    """The first truthy answer of `check`, polled (the processes run on the wall clock)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not (answer := await check()):
        assert loop.time() < deadline, what
        await asyncio.sleep(0.05)
    return answer


async def test_ins3_a_ring_time_out_scheduled_by_a_killed_instance_fires_from_another_once(database_url, tmp_path):
    async with killable_and_survivor(database_url, {"BACKLINE_PLUGINS_FILE": short_time_outs(tmp_path)}) as (
            http_a, process_a, http_b):
        agent = await GraphQLClient(http_a).login("agent")
        await agent.execute(LOG_IN, {"c": "voice"})
        admin_a = await GraphQLClient(http_a).login("admin")
        call = await do(admin_a, CREATE, to="agent:agent", **{"from": "+33600000001"}, channel="voice",
                        context=[], contact=[])
        assert open_offer(call)["state"] == "RINGING"
        kill(process_a)
        admin_b = await GraphQLClient(http_b).login("admin")

        async def offer_moved_on():
            offer = (await admin_b.execute(GET, {"id": call["id"]}))["interaction"]["offers"][0]
            return offer if offer["state"] != "RINGING" else None

        offer = await until(offer_moved_on, "the ring time-out never fired")
        assert offer["state"] == "NO_ANSWER"
        history = (await admin_b.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]
        assert [e["node"]["kind"] for e in history].count("OfferClosed") == 1  # fired once


async def test_ins3_a_pin_time_out_scheduled_by_a_killed_instance_hangs_up_from_another_once(database_url, tmp_path):
    async with killable_and_survivor(database_url, {"BACKLINE_PLUGINS_FILE": short_time_outs(tmp_path)}) as (
            http_a, process_a, http_b):
        agent = await GraphQLClient(http_a).login("agent")
        await agent.execute(LOG_IN, {"c": "voice"})
        session = (await agent.execute(OPEN_VOICEMAIL, {"m": f"user:{agent.me['id']}"}))["openVoicemail"]
        kill(process_a)  # before any PIN
        agent_b = GraphQLClient(http_b)
        agent_b.token = agent.token

        async def closed():
            return (await agent_b.execute(SESSION, {"id": session["id"]}))["voicemailSession"]["state"] == "CLOSED"

        await until(closed, "the PIN time-out never fired")
        call = (await agent_b.execute(GET, {"id": session["interactionId"]}))["interaction"]
        assert (call["state"], call["endReason"]) == ("ENDED", "VOICEMAIL_PIN_TIMEOUT")
        history = (await agent_b.execute(HISTORY, {"id": session["interactionId"]}))["interaction"]["history"]["edges"]
        assert [e["node"]["kind"] for e in history].count("InteractionEnded") == 1  # fired once


async def test_ins4_the_queue_of_a_killed_instance_is_served_in_order_by_another(database_url):
    async with killable_and_survivor(database_url) as (http_a, process_a, http_b):
        admin_a = await GraphQLClient(http_a).login("admin")
        calls = [await do(admin_a, CREATE, to="queue:Support", **{"from": caller}, channel="voice",
                          context=[], contact=[])  # nobody is ready: they wait
                 for caller in ("+33100000001", "+33100000002", "+33100000003")]
        assert [open_offer(c)["position"] for c in calls] == [1, 2, 3]
        kill(process_a)  # the instance that took the calls is gone
        admin_b = await GraphQLClient(http_b).login("admin")
        agent = await GraphQLClient(http_b).login("agent")

        async def ringing():
            for call in calls:
                seen = (await admin_b.execute(GET, {"id": call["id"]}))["interaction"]
                offer = next((o for o in seen["offers"] if o["state"] == "RINGING"), None)
                if offer is not None:
                    return call["id"], offer["id"]
            return None

        served = []
        for _ in calls:  # the agent takes one call at a time, through B
            await agent.execute(LOG_IN, {"c": "voice"})
            call_id, offer_id = await until(ringing, "no waiting call was offered to the ready agent")
            served.append(call_id)
            await do(agent, BY_ID["acceptOffer"], id=offer_id)
            await do(admin_b, BY_ID["customerHangUp"], id=call_id)
    assert served == [c["id"] for c in calls]  # first come, first served
