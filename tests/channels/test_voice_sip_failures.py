"""VOX4 over real SIP on loopback: a softphone that stops answering sends the call to the
next agent; the trunk going down and coming back is a system message (MSG1); a few hundred
malformed messages over UDP and TCP never stop the switch."""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.channels.sip_desk import customer_phone, eventually, server_of, softphone, with_sip
from tests.support.servers import free_port
from tests.support.sip_phone import Phone, media_port

MESSAGES = "{ myMessages { edges { node { title channel } } } }"
READY = 'mutation { setReady(channel: "voice") { __typename } }'


@pytest.fixture
def trunk_port() -> int:
    return free_port()


@pytest.fixture
def config(settings, trunk_port):
    return with_sip(settings, sip_tcp=True, trunk_address=f"127.0.0.2:{trunk_port}", trunk_ping_seconds=10,
                    trunk_timeout_seconds=0.3)


async def test_vox4_a_softphone_that_does_not_answer_sends_the_call_to_the_next_agent(backline, api, client_for, clock):
    admin = await client_for("admin")
    agent, silent = await softphone(backline, admin, client_for, "agent")
    silent.silent = True  # registered, then gone: it answers nothing any more
    marie, phone = await softphone(backline, admin, client_for, "marie.dupont", ready=False)
    await marie.execute('mutation { logIn(channel: "voice") { __typename } }')
    customer = await customer_phone(backline)
    try:
        call = customer.start_call("5100")
        switch = backline.channels.get("voice").switch
        await eventually(lambda: any(k.kind == "agent" for k in switch.legs), "the agent's phone rung")
        await marie.execute(READY)
        await clock.advance(5)  # phone_timeout_seconds: not even ringing
        ringing = await asyncio.wait_for(phone.incoming.get(), 5)
        assert media_port(ringing.offers[0]) == customer.rtp_port
        dialog, status = await asyncio.wait_for(call, 5)
        assert status == 200 and media_port(dialog.offers[0]) == phone.rtp_port
    finally:
        for device in (silent, phone, customer):
            device.stop()


async def test_vox4_the_trunk_going_down_and_back_is_a_system_message(backline, api, client_for, clock, trunk_port):
    admin = await client_for("admin")
    trunk = await Phone("trunk", 41200, host="127.0.0.2", port=trunk_port).start(server_of(backline))
    try:
        trunk.silent = True
        await clock.advance(10)
        titles = lambda body: [e["node"]["title"] for e in body["myMessages"]["edges"]]  # noqa: E731
        await eventually(lambda: admin.execute(MESSAGES), "messages")
        assert "Voice out of service" in titles(await admin.execute(MESSAGES))
        trunk.silent = False
        await clock.advance(10)
        assert "Voice back in service" in titles(await admin.execute(MESSAGES))
    finally:
        trunk.stop()


def malformed(rng: random.Random, port: int) -> bytes:
    good = (f"INVITE sip:5100@127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\n"
            "From: <sip:a@b>;tag=1\r\nTo: <sip:5100@c>\r\nCall-ID: fuzz\r\nCSeq: 1 INVITE\r\n"
            "Content-Length: 4\r\n\r\nv=0\r\n")
    kind = rng.randrange(8)
    if kind == 0:
        return rng.randbytes(rng.randrange(1, 1500))
    if kind == 1:
        return good.encode()[:rng.randrange(len(good))]
    if kind == 2:
        return good.replace("CSeq: 1 INVITE", f"CSeq: {rng.choice(['x', '-1', '99999999999', '1 BYE'])}").encode()
    if kind == 3:
        return good.replace("Content-Length: 4", f"Content-Length: {rng.choice(['999', 'abc', '-5'])}").encode()
    if kind == 4:
        return (good.split("\r\n\r\n")[0] + "\r\n" + "X-Junk: " + "A" * 70000 + "\r\n\r\n").encode()
    if kind == 5:
        return good.replace("INVITE sip", rng.choice(["FOO sip", "invite sip", "INVITE  sip", "BYE sip"])).encode()
    if kind == 6:
        return good.replace("To: <sip:5100@c>", "To: <sip:5100@c>;tag=nope").encode()  # no such dialog
    line = good.split("\r\n")
    rng.shuffle(line)
    return "\r\n".join(line).encode("utf-8", "replace") + rng.randbytes(8)


async def test_vox4_malformed_sip_never_stops_the_switch(backline, api, client_for):
    rng = random.Random(16)
    host, port = server_of(backline)
    fuzzer = await Phone("fuzz", 41300, host="127.0.0.2").start((host, port))
    try:
        for _ in range(300):
            await fuzzer.send_raw(malformed(rng, port))
        for _ in range(5):  # and over TCP: garbage, a header without end, a bad length
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(rng.randbytes(2000) + b"\r\n\r\n" + malformed(rng, port))
            await writer.drain()
            writer.close()
        await asyncio.sleep(0.2)  # let the switch read what it was sent
        switch = backline.channels.get("voice").switch
        assert switch.transport.counters.errors == [] and switch.transport.counters.malformed > 100
        # Still serving: a registration and a real call go through.
        admin = await client_for("admin")
        agent, phone = await softphone(backline, admin, client_for, "agent")
        customer = await customer_phone(backline)
        try:
            dialog, status = await customer.call("5100")
            assert status == 200
        finally:
            phone.stop()
            customer.stop()
    finally:
        fuzzer.stop()
