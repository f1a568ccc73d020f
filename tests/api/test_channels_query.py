"""The `channels` query shows the channels that run and their declared capabilities (CH1)."""

from __future__ import annotations

QUERY = "{ channels { name displayName operations capacity closePolicy audience transferInboundOnly } }"


async def test_ch1_channels_query_shows_each_channels_capabilities(api):
    await api.login("agent")
    channels = {c["name"]: c for c in (await api.execute(QUERY))["channels"]}
    assert list(channels) == ["voice", "chat", "email", "im"]
    assert channels["email"]["operations"] == ["TRANSFER"] and channels["email"]["transferInboundOnly"]
    assert channels["chat"]["closePolicy"] == "WHEN_ALL_AGENTS_DONE"
    assert set(channels["voice"]["operations"]) >= {"HOLD", "CONSULT", "CONFERENCE", "TRANSFER", "VOICEMAIL"}
    assert channels["im"]["audience"] == "INTERNAL"
    assert channels["voice"]["capacity"] == 1
