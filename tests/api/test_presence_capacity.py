"""PRS1: busy comes from the capacity the channel plugin declares, overridable in
plugins.toml; nobody sets it by hand."""

from __future__ import annotations

import pytest

from core.config import parse_config

LOG_IN = "mutation($c: String!) { logIn(channel: $c, ready: true) { __typename } }"
MINE = "{ myPresence { channel state load capacity } }"


@pytest.fixture
def config(settings):
    text = settings.plugins_file.read_text(encoding="utf-8").replace(
        "[plugins.voice]\nenabled = true\ncapacity = 1", "[plugins.voice]\nenabled = true\ncapacity = 2")
    assert "capacity = 2" in text
    return parse_config(text)


async def test_prs1_capacity_overridden_in_plugins_toml_decides_busy(api, backline):
    await api.login("agent")
    await api.execute(LOG_IN, {"c": "voice"})
    user_id = int(api.me["id"])
    states = []
    for _ in range(2):
        async with backline.store.write() as uow:
            await backline.presence.adjust_load(uow, user_id, "voice", +1)
        voice = next(p for p in (await api.execute(MINE))["myPresence"] if p["channel"] == "voice")
        states.append((voice["state"], voice["load"], voice["capacity"]))
    assert states == [("READY", 1, 2), ("BUSY", 2, 2)]
