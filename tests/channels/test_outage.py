"""MSG1: a channel adapter that loses its backend raises a system message; nothing crashes.

A tiny SMS channel plugin stands for any adapter: its backend fails and comes back, and the
adapter reports both through `Channel.report_outage` / `Channel.report_recovery`. Agents
logged in to that channel, and administrators, get "out of service" then "back in service"
live; the outage message is resolved; other agents are not disturbed."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from core import hookimpl
from core.channels import Capabilities, Channel
from core.config import parse_config
from core.demo import load_demo
from core.plugins import installed_plugins
from core.runtime import Backline
from schema.app import create_app
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, ws_session

RECEIVED = "subscription { messageReceived { id kind priority title text channel } }"
MY_MESSAGES = "{ myMessages { edges { node { title channel resolvedAt kind } } } }"
OUTAGES = "{ channelOutages { channel title text since } }"
LOG_IN = 'mutation { logIn(channel: "sms", ready: true) { __typename } }'


class FlakyGateway:
    """The SMS gateway the adapter talks to; the test breaks it and mends it."""

    def __init__(self) -> None:
        self.changes: asyncio.Queue[tuple[bool, str]] = asyncio.Queue()
        self.reported = asyncio.Event()

    def fail(self, why: str) -> None:
        self.reported.clear()
        self.changes.put_nowait((False, why))

    def mend(self) -> None:
        self.reported.clear()
        self.changes.put_nowait((True, ""))


class SmsChannel(Channel):
    name = "sms"
    display_name = "SMS"
    capabilities = Capabilities(operations=frozenset(), capacity=2)

    def __init__(self, gateway: FlakyGateway) -> None:
        super().__init__()
        self.gateway = gateway
        self._watcher: asyncio.Task | None = None

    async def start(self, services) -> None:
        self._watcher = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            up, why = await self.gateway.changes.get()
            if up:
                await self.report_recovery("Messages flow again.")
            else:
                await self.report_outage(why)
            self.gateway.reported.set()

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher


class SmsPlugin:
    def __init__(self, gateway: FlakyGateway) -> None:
        self.gateway = gateway

    @hookimpl
    def register_channels(self, options):
        return [SmsChannel(self.gateway)]


@pytest.fixture
def gateway() -> FlakyGateway:
    return FlakyGateway()


@pytest.fixture
def config():
    return parse_config('[plugins.voice]\n[plugins.im]\n[plugins.sms]\n')


@pytest.fixture
async def backline(settings, config, clock, gateway):
    app = Backline(settings, config, clock=clock, plugins={**installed_plugins(), "sms": SmsPlugin(gateway)})
    await app.start()
    await load_demo(app.store)
    try:
        yield app
    finally:
        await app.stop()


async def until_listening(bus, count: int) -> None:
    async def wait() -> None:
        while bus.subscriber_count("message") < count:
            await asyncio.sleep(0.005)
    await asyncio.wait_for(wait(), 10)


async def test_msg1_failing_backend_raises_a_system_message_live_and_clears_when_back(
        backline, api, client_for, gateway):
    agent = await api.login("agent")
    await agent.execute(LOG_IN)
    admin = await client_for("admin")
    bystander = await client_for("marie.dupont")  # not logged in to SMS
    async with serve_in_loop(create_app(backline)) as base, \
            ws_session(base, agent.token) as agent_ws, ws_session(base, admin.token) as admin_ws:
        agent_stream, admin_stream = Collector(agent_ws, RECEIVED), Collector(admin_ws, RECEIVED)
        try:
            await until_listening(backline.bus, 2)
            gateway.fail("gateway.example.net:2775 refused the connection")
            down = (await agent_stream.wait_for(1))[0]["messageReceived"]
            assert down["kind"] == "SYSTEM" and down["priority"] == "URGENT"
            assert down["channel"] == "sms" and down["title"] == "SMS out of service"
            assert "refused the connection" in down["text"]
            assert (await admin_stream.wait_for(1))[0]["messageReceived"]["title"] == "SMS out of service"

            # Whoever logs in later still sees it; nothing crashed, a second report is not repeated.
            [outage] = (await bystander.execute(OUTAGES))["channelOutages"]
            assert outage["channel"] == "sms" and outage["title"] == "SMS out of service"
            assert (await agent.execute("{ me { username } }"))["me"]["username"] == "agent"
            gateway.fail("still down")
            await asyncio.wait_for(gateway.reported.wait(), 10)

            gateway.mend()
            up = (await agent_stream.wait_for(2))[1]["messageReceived"]
            assert up["title"] == "SMS back in service" and up["priority"] == "NORMAL"
            assert len(agent_stream.items) == 2
            assert (await admin_stream.wait_for(2))[1]["messageReceived"]["title"] == "SMS back in service"
            assert (await bystander.execute(OUTAGES))["channelOutages"] == []
        finally:
            await agent_stream.close()
            await admin_stream.close()
    mine = [e["node"] for e in (await agent.execute(MY_MESSAGES))["myMessages"]["edges"]]
    assert [m["title"] for m in mine] == ["SMS back in service", "SMS out of service"]
    assert mine[1]["resolvedAt"] is not None and mine[0]["resolvedAt"] is None
    assert (await bystander.execute(MY_MESSAGES))["myMessages"]["edges"] == []


async def test_msg1_the_all_clear_reaches_whoever_got_the_outage_even_after_logging_off(
        backline, api, gateway):
    agent = await api.login("agent")
    await agent.execute(LOG_IN)
    gateway.fail("down")
    await asyncio.wait_for(gateway.reported.wait(), 10)
    await agent.execute('mutation { logOut(channel: "sms") { __typename } }')
    gateway.mend()
    await asyncio.wait_for(gateway.reported.wait(), 10)
    titles = [e["node"]["title"] for e in (await agent.execute(MY_MESSAGES))["myMessages"]["edges"]]
    assert titles == ["SMS back in service", "SMS out of service"]


async def test_msg1_a_failing_report_never_crashes_the_adapter(backline, gateway, caplog):
    channel = backline.channels.get("sms")

    async def broken(*_):  # e.g. the database is unreachable too
        raise RuntimeError("database unreachable")

    channel.status_reporter = broken
    await channel.report_outage("gateway down")  # does not raise
    assert channel.in_service is False
    assert "reporting its backend status failed" in caplog.text


async def test_msg1_a_channel_with_no_reporter_only_logs(caplog):
    lonely = SmsChannel(FlakyGateway())
    await lonely.report_outage("down")
    await lonely.report_recovery()
    assert lonely.in_service is True
    assert "no reporter is wired" in caplog.text
