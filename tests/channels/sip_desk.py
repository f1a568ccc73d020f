"""Helpers for the voice-over-SIP tests: a server whose voice channel runs the SIP switch on
a free loopback port, softphones registered for agents, and waiting for what travels over
the network (real time, bounded: never for the engine's time-outs, which are on the clock)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, Callable

from core.config import PluginEntry, load_config
from tests.e2e.desk import ready_agent
from tests.support.servers import free_port
from tests.support.sip_phone import Phone

PASSWORD = "s3cret-phone"
SET_CREDENTIALS = """mutation($u: ID!, $p: String!) { r: setChannelCredentials(channel: "voice", userId: $u, password: $p) {
  __typename ... on ChannelCredentialsSet { username } ... on Error { code message } } }"""
_rtp = itertools.count(40000, 2)


def with_sip(settings, **options: Any):
    config = load_config(settings.plugins_file)
    voice = config.plugins["voice"].options
    config.plugins["voice"] = PluginEntry("voice", True, {
        **voice, "switch": "sip", "sip_port": free_port(), "sip_tcp": False, "trunk_sources": ["127.0.0.2"],
        "numbers": {"5100": "routing:5100", "5200": "queue:support"}, "phone_timeout_seconds": 5, **options})
    return config


def server_of(backline) -> tuple[str, int]:
    return ("127.0.0.1", backline.channels.get("voice").switch.port)


async def eventually(check: Callable[[], Any], what: str, timeout: float = 5.0) -> Any:
    """Waits for network traffic to have happened (a check that becomes true)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def softphone(backline, admin, client_for, username: str, ready: bool = True, **phone: Any):
    """The agent's client and a registered phone (credentials set by the administrator)."""
    client = await client_for(username)
    result = (await admin.execute(SET_CREDENTIALS, {"u": client.me["id"], "p": PASSWORD}))["r"]
    assert result == {"__typename": "ChannelCredentialsSet", "username": username}, result
    device = await Phone(username, phone.pop("rtp_port", None) or next(_rtp), **phone).start(server_of(backline))
    assert await device.register(username, PASSWORD) == 200
    if ready:
        await ready_agent(client_for, username)
    return client, device


async def customer_phone(backline, rtp_port: int | None = None, **options: Any) -> Phone:
    """The customer's phone behind the trunk (the trunk's address is 127.0.0.2)."""
    phone = Phone("customer", rtp_port or next(_rtp), host="127.0.0.2", **options)
    return await phone.start(server_of(backline))
