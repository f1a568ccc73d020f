"""The e-mail channel never takes the server down (SEC2, MSG1) and loses no reply (REL1): a
taken SMTP port, garbage on the SMTP socket, a relay outage and its recovery announced live,
a reply waiting while the relay is down sent after a restart."""

from __future__ import annotations

import asyncio
import socket

import pytest

from core.clock import ManualClock
from core.config import PluginEntry, load_config
from core.runtime import Backline
from schema.app import create_app
from tests.api.test_email import my_interactions, received_email
from tests.channels.conversation_desk import send, transcript
from tests.channels.mail_support import customer_mail, send_mail, smtp_sink
from tests.e2e.desk import ready_agent
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, until_subscribed, ws_session


def with_email(settings, **options):
    config = load_config(settings.plugins_file)
    config.plugins["email"] = PluginEntry("email", True, {**config.plugins["email"].options, **options})
    return config


@pytest.fixture
def config(settings, smtp_port, relay_port):
    return with_email(settings, smtp_port=smtp_port, relay_host="127.0.0.1", relay_port=relay_port,
                      relay_retry_seconds=30)


async def test_msg1_a_taken_smtp_port_leaves_the_rest_of_the_server_running(settings):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = Backline(settings, with_email(settings, smtp_port=port), clock=ManualClock())
        await app.start()
        try:
            assert app.channels.get("email").smtp_port is None
            assert "email" in app.channels.names()
        finally:
            await app.stop()


async def test_sec2_garbage_on_the_smtp_socket_gets_an_error_and_the_listener_goes_on(backline, api, client_for, smtp_port):
    agent = await ready_agent(client_for, "francoise.gauthier", channel="email")
    reader, writer = await asyncio.open_connection("127.0.0.1", smtp_port)
    greeting = await reader.readline()
    assert greeting.startswith(b"220")
    writer.write(b"\xff\xfe NONSENSE \x00\r\n")
    await writer.drain()
    assert (await reader.readline())[:1] == b"5"
    writer.write(b"DATA\r\n")  # DATA before MAIL FROM
    await writer.drain()
    assert (await reader.readline())[:1] == b"5"
    writer.close()
    await send_mail(smtp_port, customer_mail())
    assert len(await my_interactions(agent)) == 1


async def test_rel1_a_reply_waiting_for_the_relay_is_sent_after_a_restart(backline, api, client_for, smtp_port,
                                                                         relay_port, settings, config):
    francoise, email = await received_email(backline, client_for, smtp_port)
    await send(francoise, email["id"], "Réponse pendant la panne")
    assert (await transcript(francoise, email["id"]))[1]["details"]["delivery"] == "pending"
    await backline.stop()
    clock = ManualClock()
    again = Backline(settings, config, clock=clock)
    async with smtp_sink(relay_port) as sink:
        await again.start()
        try:
            await clock.advance(0)
            assert [m.get_content().strip() for m in sink.messages] == ["Réponse pendant la panne"]
        finally:
            await again.stop()


async def test_msg1_the_relay_outage_and_its_recovery_reach_the_agent_live(backline, api, client_for, smtp_port,
                                                                           relay_port, clock):
    francoise, email = await received_email(backline, client_for, smtp_port)
    async with serve_in_loop(create_app(backline)) as base, ws_session(base, francoise.token) as session:
        live = Collector(session, "subscription { messageReceived { title channel priority } }")
        try:
            await until_subscribed(backline.bus, "message", 1)  # the outage is announced once, live
            await send(francoise, email["id"], "Réponse")  # nothing listens on the relay port
            [down] = await live.wait_for(1)
            assert down["messageReceived"]["channel"] == "email"
            assert "out of service" in down["messageReceived"]["title"]
            assert down["messageReceived"]["priority"] == "URGENT"
            async with smtp_sink(relay_port):
                await clock.advance(30)
            back = (await live.wait_for(2))[1]["messageReceived"]
            assert back["channel"] == "email" and "back in service" in back["title"]
        finally:
            await live.close()


async def test_ins3_a_relay_retry_scheduled_by_a_stopped_instance_is_fired_by_another(
        backline, api, client_for, smtp_port, relay_port, settings, config, clock):
    from sqlmodel import select

    from core.timeouts.models import DueTimeout

    # A second instance on the same store, on the same time, already running.
    other_clock = ManualClock(start=clock.now())
    other = Backline(settings, with_email(settings, smtp_port=0, relay_host="127.0.0.1", relay_port=relay_port,
                                          relay_retry_seconds=30), clock=other_clock)
    await other.start()
    try:
        francoise, email = await received_email(backline, client_for, smtp_port)
        await send(francoise, email["id"], "Réponse pendant la panne")  # the relay is down: it waits
        async with backline.store.read() as session:
            [retry] = (await session.exec(select(DueTimeout).where(DueTimeout.kind == "email_relay_retry"))).all()
        await backline.stop()  # the instance that scheduled it is gone, its memory with it
        async with smtp_sink(relay_port) as sink:
            await other_clock.advance(31)  # its sweep finds the due row
            assert [m.get_content().strip() for m in sink.messages] == ["Réponse pendant la panne"]
        async with other.store.read() as session:
            assert (await session.exec(select(DueTimeout).where(DueTimeout.id == retry.id))).first() is None
    finally:
        await other.stop()
