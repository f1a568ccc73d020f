"""INS3 across real server processes on one PostgreSQL database: a call rings an agent
through instance A (or an agent opens voicemail through A and enters no PIN); A is killed
(`kill -9`) before the time-out; instance B fires it shortly after it falls due (time-outs
are rows, swept by every live instance), once.

The processes run on the wall clock, so the ring and PIN time-outs are one second here."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from tests.e2e.desk import BY_ID, CREATE, GET, HISTORY, LOG_IN, do, open_offer
from tests.support.client import GraphQLClient
from tests.support.servers import REPO, server_process

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # several instances need PostgreSQL


def short_ring(folder) -> str:
    text = (REPO / "plugins.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^ring_timeout_seconds\s*=\s*\d+", "ring_timeout_seconds = 1", text)
    text = re.sub(r"(?m)^voicemail_pin_timeout_seconds\s*=\s*\d+", "voicemail_pin_timeout_seconds = 1", text)
    text = re.sub(r"(?m)^smtp_port\s*=\s*\d+", "smtp_port = 0", text)
    path = folder / "plugins.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


async def test_ins3_a_ring_time_out_scheduled_by_a_killed_instance_fires_from_another_once(database_url, tmp_path):
    env = {"BACKLINE_PLUGINS_FILE": short_ring(tmp_path)}
    with server_process(database_url, extra_env=env, keep_handle=True) as (a, process_a), \
            server_process(database_url, extra_env=env) as b:
        async with httpx.AsyncClient(base_url=a, timeout=30) as http_a, httpx.AsyncClient(base_url=b) as http_b:
            agent = await GraphQLClient(http_a).login("agent")
            await agent.execute(LOG_IN, {"c": "voice"})
            admin_a = await GraphQLClient(http_a).login("admin")
            call = await do(admin_a, CREATE, to="agent:agent", **{"from": "+33600000001"}, channel="voice",
                            context=[], contact=[])
            assert open_offer(call)["state"] == "RINGING"
            process_a.kill()  # SIGKILL: nothing of A's memory survives
            process_a.wait()
            admin_b = await GraphQLClient(http_b).login("admin")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while True:
                seen = (await admin_b.execute(GET, {"id": call["id"]}))["interaction"]
                offer = seen["offers"][0]
                if offer["state"] != "RINGING":
                    break
                assert loop.time() < deadline, "the ring time-out never fired"
                await asyncio.sleep(0.05)
            assert offer["state"] == "NO_ANSWER"
            history = (await admin_b.execute(HISTORY, {"id": call["id"]}))["interaction"]["history"]["edges"]
            closed = [e["node"] for e in history if e["node"]["kind"] == "OfferClosed"]
            assert len(closed) == 1  # fired once


OPEN_VOICEMAIL = "mutation($m: ID!) { openVoicemail(mailboxId: $m) { ... on VoicemailSession { id interactionId } } }"
SESSION = "query($id: ID!) { voicemailSession(id: $id) { state } }"


async def test_ins3_a_pin_time_out_scheduled_by_a_killed_instance_hangs_up_from_another_once(database_url, tmp_path):
    env = {"BACKLINE_PLUGINS_FILE": short_ring(tmp_path)}
    with server_process(database_url, extra_env=env, keep_handle=True) as (a, process_a), \
            server_process(database_url, extra_env=env) as b:
        async with httpx.AsyncClient(base_url=a, timeout=30) as http_a, httpx.AsyncClient(base_url=b) as http_b:
            agent = await GraphQLClient(http_a).login("agent")
            await agent.execute(LOG_IN, {"c": "voice"})
            session = (await agent.execute(OPEN_VOICEMAIL, {"m": f"user:{agent.me['id']}"}))["openVoicemail"]
            process_a.kill()  # before any PIN: nothing of A's memory survives
            process_a.wait()
            agent_b = GraphQLClient(http_b)
            agent_b.token = agent.token
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while (await agent_b.execute(SESSION, {"id": session["id"]}))["voicemailSession"]["state"] != "CLOSED":
                assert loop.time() < deadline, "the PIN time-out never fired"
                await asyncio.sleep(0.05)
            call = (await agent_b.execute(GET, {"id": session["interactionId"]}))["interaction"]
            assert (call["state"], call["endReason"]) == ("ENDED", "voicemail_pin_timeout")
            history = (await agent_b.execute(HISTORY, {"id": session["interactionId"]}))["interaction"]["history"]["edges"]
            assert [e["node"]["kind"] for e in history].count("InteractionEnded") == 1  # fired once


async def test_ins4_the_queue_of_a_killed_instance_is_served_in_order_by_another(database_url):
    with server_process(database_url, keep_handle=True) as (a, process_a), server_process(database_url) as b:
        async with httpx.AsyncClient(base_url=a, timeout=30) as http_a, httpx.AsyncClient(base_url=b, timeout=30) as http_b:
            admin_a = await GraphQLClient(http_a).login("admin")
            calls = []
            for caller in ("+33100000001", "+33100000002", "+33100000003"):  # nobody is ready: they wait
                calls.append(await do(admin_a, CREATE, to="queue:Support", **{"from": caller}, channel="voice",
                                      context=[], contact=[]))
            assert [open_offer(c)["position"] for c in calls] == [1, 2, 3]
            process_a.kill()  # the instance that took the calls is gone
            process_a.wait()
            admin_b = await GraphQLClient(http_b).login("admin")
            agent = await GraphQLClient(http_b).login("agent")
            served = []
            for _ in calls:  # the agent takes one call at a time, through B
                await agent.execute(LOG_IN, {"c": "voice"})
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 10
                while True:
                    ringing = [c["id"] for c in calls if open_offer_or_none(
                        (await admin_b.execute(GET, {"id": c["id"]}))["interaction"], "RINGING")]
                    if ringing:
                        break
                    assert loop.time() < deadline, "no waiting call was offered to the ready agent"
                    await asyncio.sleep(0.05)
                [call_id] = ringing
                served.append(call_id)
                seen = (await admin_b.execute(GET, {"id": call_id}))["interaction"]
                await do(agent, BY_ID["acceptOffer"], id=open_offer(seen)["id"])
                await do(admin_b, BY_ID["customerHangUp"], id=call_id)
    assert served == [c["id"] for c in calls]  # first come, first served


def open_offer_or_none(interaction: dict, state: str) -> dict | None:
    return next((o for o in interaction["offers"] if o["state"] == state), None)
