"""IM4 and CH3: a channel disabled in plugins.toml disappears from the channels and their
capabilities and from directory actions; the fields that belong to it stay in the one schema
and are refused, typed, naming the channel."""

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


async def test_im4_ch3_a_disabled_channels_fields_stay_in_the_schema_and_are_refused_naming_it(backline, api):
    from schema.root import build_schema

    await api.login("agent")
    fields = await field_names(api)
    # One schema whatever is enabled: a client built against docs/schema.graphql validates.
    assert {"sendInstantMessage", "instantMessageRequests", "startChat", "sendCustomerMessage",
            "customerChatUpdates"} <= fields
    assert build_schema().as_str() + "\n" == open("docs/schema.graphql", encoding="utf-8").read()
    body = await api.raw('mutation { sendInstantMessage(targetId: "1", text: "hi") { __typename '
                         '... on UnsupportedOperationError { code channel operation message } } }')
    assert body["data"]["sendInstantMessage"] == {
        "__typename": "UnsupportedOperationError", "code": "UNSUPPORTED_OPERATION", "channel": "im",
        "operation": "sendInstantMessage", "message": "The im channel is not enabled on this server."}
    listed = await api.raw("{ instantMessageRequests { offerId } }")
    assert listed["errors"][0]["extensions"]["code"] == "UNSUPPORTED_OPERATION"
    started = await api.as_user().raw('mutation { startChat(input: {to: "queue:support", name: "Léon", text: "Bonjour"}) '
                                      '{ __typename ... on UnsupportedOperationError { channel } } }')
    assert started["data"]["startChat"] == {"__typename": "UnsupportedOperationError", "channel": "chat"}
    assert {"sendMessage", "markDone", "transfer", "transcript"} <= fields  # e-mail still writes lines


async def test_im4_a_disabled_channels_subscription_is_refused_naming_it(backline, api):
    from gql.transport.exceptions import TransportQueryError

    from schema.app import create_app
    from tests.support.servers import serve_in_loop
    from tests.support.ws import request, ws_session

    agent = await api.login("agent")
    async with serve_in_loop(create_app(backline)) as base, ws_session(base, agent.token) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(request("subscription { instantMessageRequests { offerId } }")):
                pass
    assert refused.value.errors[0]["extensions"]["code"] == "UNSUPPORTED_OPERATION"
    assert "im" in refused.value.errors[0]["message"]
