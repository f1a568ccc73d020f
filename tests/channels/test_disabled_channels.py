"""IM4 and CH3: a channel disabled in plugins.toml disappears: from the channels and their
capabilities, from directory actions, and from the mutations that belong to it."""

from __future__ import annotations

import pytest

from core.config import PluginEntry
from tests.support.config import repository_config

ACTIONS = """query($s: String) { directory(search: $s) { edges { node { name availableChannels
  actions { kind available channels reason } } } } }"""
FIELDS = """{ m: __type(name: "Mutation") { fields { name } } q: __type(name: "Query") { fields { name } }
  s: __type(name: "Subscription") { fields { name } } }"""
LOG_IN = 'mutation($c: String!) { logIn(channel: $c, ready: true) { __typename ... on Error { code message } } }'


@pytest.fixture
def config(settings):
    config = repository_config(settings.plugins_file)
    for name in ("im", "chat"):
        entry = config.plugins[name]
        config.plugins[name] = PluginEntry(name, False, entry.options)
    return config


async def field_names(client) -> set[str]:
    data = await client.execute(FIELDS)
    return {f["name"] for root in data.values() if root for f in root["fields"]}


async def test_im4_ch3_a_disabled_channel_leaves_the_channel_list_and_its_capabilities(backline, api):
    await api.login("agent")
    names = [c["name"] for c in (await api.execute("{ channels { name operations } }"))["channels"]]
    assert names == ["voice", "email"]
    assert (await api.execute(LOG_IN, {"c": "im"}))["logIn"]["__typename"] != "PresenceSuccess"


async def test_im4_a_disabled_im_channel_leaves_the_directory_actions(backline, api, client_for):
    marie = await client_for("marie.dupont")
    await marie.execute(LOG_IN, {"c": "voice"})
    await api.login("agent")
    node = (await api.execute(ACTIONS, {"s": "marie dupont"}))["directory"]["edges"][0]["node"]
    kinds = {a["kind"]: a for a in node["actions"]}
    assert kinds["INSTANT_MESSAGE"] == {"kind": "INSTANT_MESSAGE", "available": False, "channels": [],
                                        "reason": "instant messages are not enabled"}
    assert "im" not in node["availableChannels"]


async def test_im4_ch3_the_mutations_of_a_disabled_channel_do_not_exist(backline, api):
    await api.login("agent")
    fields = await field_names(api)
    assert {"sendInstantMessage", "instantMessageRequests", "startChat", "sendCustomerMessage",
            "customerChatUpdates"}.isdisjoint(fields)
    assert {"sendMessage", "markDone", "transfer", "transcript"} <= fields  # e-mail still writes lines
    body = await api.raw('mutation { sendInstantMessage(targetId: "1", text: "hi") { __typename } }')
    assert "sendInstantMessage" in body["errors"][0]["message"]


async def test_im4_ch3_enabled_channels_have_their_mutations(backline, api, config):
    # The same server with everything enabled (the repository's plugins.toml) has them all.
    from schema.root import build_schema
    sdl = build_schema(channels=["voice", "chat", "email", "im"]).as_str()
    assert "sendInstantMessage" in sdl and "startChat" in sdl and "customerChatUpdates" in sdl
