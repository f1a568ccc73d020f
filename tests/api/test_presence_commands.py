"""PRS1 through the API: log in and out per channel, ready, not ready with a reason; busy is
derived from load and capacity."""

from __future__ import annotations

PRESENCE = """
fragment P on PresenceResult {
  __typename
  ... on ChannelPresence { channel state reason since load capacity }
  ... on Error { code message }
}
"""
LOG_IN = PRESENCE + "mutation($c: String!, $r: Boolean!) { logIn(channel: $c, ready: $r) { ...P } }"
LOG_OUT = PRESENCE + "mutation($c: String!) { logOut(channel: $c) { ...P } }"
READY = PRESENCE + "mutation($c: String!) { setReady(channel: $c) { ...P } }"
NOT_READY = PRESENCE + "mutation($c: String!, $r: String) { setNotReady(channel: $c, reason: $r) { ...P } }"
MINE = "{ myPresence { channel state reason load capacity } }"


async def test_prs1_log_in_ready_not_ready_with_reason_and_log_out(api, clock):
    await api.login("agent")
    assert (await api.execute(LOG_IN, {"c": "voice", "r": False}))["logIn"]["state"] == "NOT_READY"
    await clock.advance(5)
    ready = (await api.execute(READY, {"c": "voice"}))["setReady"]
    assert ready["state"] == "READY" and ready["since"].startswith("2026-01-05T09:00:05")
    paused = (await api.execute(NOT_READY, {"c": "voice", "r": "Pause"}))["setNotReady"]
    assert (paused["state"], paused["reason"]) == ("NOT_READY", "Pause")
    assert (await api.execute(LOG_OUT, {"c": "voice"}))["logOut"]["state"] == "LOGGED_OFF"


async def test_prs1_presence_is_per_channel(api):
    await api.login("agent")
    await api.execute(LOG_IN, {"c": "im", "r": True})
    mine = {p["channel"]: p for p in (await api.execute(MINE))["myPresence"]}
    assert mine["im"]["state"] == "READY"
    assert mine["voice"]["state"] == "LOGGED_OFF"
    assert [p["capacity"] for p in (await api.execute(MINE))["myPresence"]] == [1, 3, 5, 10]


async def test_prs1_unknown_reason_is_a_typed_error(api):
    await api.login("agent")
    await api.execute(LOG_IN, {"c": "voice", "r": True})
    result = (await api.execute(NOT_READY, {"c": "voice", "r": "Nap"}))["setNotReady"]
    assert result["__typename"] == "InvalidInputError" and result["code"] == "INVALID_INPUT"
    assert "Pause" in result["message"]


async def test_prs1_ready_on_a_channel_one_is_not_logged_in_to_is_refused(api):
    await api.login("agent")
    result = (await api.execute(READY, {"c": "chat"}))["setReady"]
    assert result["__typename"] == "InvalidStateError"


async def test_prs1_unknown_channel_is_not_found(api):
    await api.login("agent")
    result = (await api.execute(LOG_IN, {"c": "fax", "r": True}))["logIn"]
    assert result["__typename"] == "NotFoundError"


async def test_prs1_busy_is_derived_from_load_and_capacity(backline, api):
    await api.login("agent")
    await api.execute(LOG_IN, {"c": "voice", "r": True})
    user_id = int(api.me["id"])
    async with backline.store.write() as uow:
        busy = await backline.presence.adjust_load(uow, user_id, "voice", +1)
    assert busy.state.value == "busy"
    async with backline.store.write() as uow:
        free = await backline.presence.adjust_load(uow, user_id, "voice", -1)
    assert free.state.value == "ready"


async def test_prs1_busy_cannot_be_set_by_hand(api):
    await api.login("agent")
    body = await api.raw('mutation { setBusy(channel: "voice") { __typename } }')
    assert "setBusy" in body["errors"][0]["message"]
