"""WEB2: the wallboard's charts over the last hour start from a history the server rebuilds from
its event log (agents by state, requests waiting), counted over whom the caller watches live
(SUP3). Time moves on the manual clock, so every change is at a known second."""

from __future__ import annotations

from datetime import datetime

from core.supervision.board_history import BACK_PAGE
from tests.e2e.desk import BY_ID, LOG_IN, NOT_READY, READY, ok, place_call

HISTORY = """query($m: Int!, $c: String) { wallboardHistory(minutes: $m, channel: $c) { __typename
  ... on Error { code message } ... on InvalidInputError { field }
  ... on WallboardHistory { since until channel points { at ready notReady busy wrapUp waiting } } } }"""
LOG_IN_NOT_READY = 'mutation($c: String!) { logIn(channel: $c) { __typename } }'
LOG_OUT = 'mutation($c: String!) { logOut(channel: $c) { __typename } }'


async def history(client, minutes: int = 60, channel: str | None = None) -> dict:
    return (await client.execute(HISTORY, {"m": minutes, "c": channel}))["wallboardHistory"]


def timeline(result: dict, start: datetime) -> list[tuple]:
    """(seconds after `start`, ready, not ready, busy, wrap-up, waiting) of each point."""
    assert result["__typename"] == "WallboardHistory", result
    return [(int((datetime.fromisoformat(p["at"]) - start).total_seconds()),
             p["ready"], p["notReady"], p["busy"], p["wrapUp"], p["waiting"]) for p in result["points"]]


async def a_busy_quarter(client_for, clock) -> datetime:
    """Camille (Support Paris) ready at 0 s, busy on a customer call from 60 s; a customer waits
    in the Support queue from 120 s until the queue's 300 s time-out ends it at 420 s; 480 s now."""
    admin = await client_for("admin")
    start = clock.now()
    camille = await client_for("agent")
    await camille.execute(LOG_IN, {"c": "voice"})
    await clock.advance(60)
    call = await place_call(admin, "agent:agent")
    await ok(camille, BY_ID["acceptOffer"], id=call["offers"][0]["id"])
    await clock.advance(60)
    waiting = await place_call(admin, "queue:support", caller="+33611111111")
    assert waiting["offers"][0]["state"] == "WAITING"
    await clock.advance(360)
    return start


async def test_web2_wallboard_history_rebuilds_the_last_hour_of_agents_by_state_and_waiting_requests(
        api, client_for, clock):
    start = await a_busy_quarter(client_for, clock)
    lead = await client_for("lead")
    result = await history(lead)
    hour_ago = 480 - 3600
    assert timeline(result, start) == [
        (hour_ago, 0, 0, 0, 0, 0), (0, 1, 0, 0, 0, 0), (60, 0, 0, 1, 0, 0), (120, 0, 0, 1, 0, 1),
        (420, 0, 0, 1, 0, 0), (480, 0, 0, 1, 0, 0)]
    assert datetime.fromisoformat(result["until"]) == clock.now()  # where the live streams take over
    assert result["channel"] is None
    # On one channel: the voice call counts on voice, not on chat.
    assert timeline(await history(lead, channel="voice"), start)[1:] == timeline(result, start)[1:]
    assert [p[1:] for p in timeline(await history(lead, channel="chat"), start)] == [(0, 0, 0, 0, 0)] * 2
    # A shorter window opens with the states then, changes before it applied.
    assert timeline(await history(lead, minutes=5), start) == [
        (180, 0, 0, 1, 0, 1), (420, 0, 0, 1, 0, 0), (480, 0, 0, 1, 0, 0)]


async def test_web2_wallboard_history_opens_with_the_states_left_by_changes_before_the_window(
        api, client_for, clock):
    admin, lead, camille = await client_for("admin"), await client_for("lead"), await client_for("agent")
    start = clock.now()
    await camille.execute(LOG_IN, {"c": "chat"})  # ready on chat
    await camille.execute(LOG_IN_NOT_READY, {"c": "voice"})  # not ready on voice: the call waits
    await place_call(admin, "queue:support", caller="+33611111111")
    await clock.advance(120)
    # An agent with several channels counts once in each state one of them is in.
    assert timeline(await history(lead, minutes=1), start) == [(60, 1, 1, 0, 0, 1), (120, 1, 1, 0, 0, 1)]
    await clock.advance(300)  # the queue's time-out ended the wait at 300 s
    await camille.execute(READY, {"c": "voice"})  # at 420 s
    await clock.advance(60)
    # Voice changed in the window: it opens as the last change before it left it (not ready);
    # chat did not: as it is now (ready). (Each minute on the manual clock runs the timers due:
    # an hour would cost seconds on PostgreSQL.)
    assert timeline(await history(lead, minutes=2), start) == [
        (360, 1, 1, 0, 0, 0), (420, 1, 0, 0, 0, 0), (480, 1, 0, 0, 0, 0)]


async def test_web2_wallboard_history_finds_a_state_set_long_before_behind_many_later_changes(api, client_for, clock):
    lead, camille = await client_for("lead"), await client_for("agent")
    start = clock.now()
    await camille.execute(LOG_IN, {"c": "chat"})  # ready on chat: her last chat change before the window
    await camille.execute(LOG_IN_NOT_READY, {"c": "voice"})
    for _ in range(BACK_PAGE):  # then twice a page of voice changes, read back before it
        await camille.execute(READY, {"c": "voice"})
        await camille.execute(NOT_READY, {"c": "voice"})
    await clock.advance(120)
    await camille.execute(LOG_OUT, {"c": "chat"})
    await clock.advance(60)
    assert timeline(await history(lead, minutes=2), start) == [(60, 1, 1, 0, 0, 0), (120, 0, 1, 0, 0, 0),
                                                                (180, 0, 1, 0, 0, 0)]


async def test_sup3_wallboard_history_counts_only_the_agents_and_queues_the_caller_watches(
        api, client_for, clock):
    start = await a_busy_quarter(client_for, clock)
    seen_by_lead = timeline(await history(await client_for("lead")), start)
    assert len(seen_by_lead) == 6
    # The administrator, and a member of Camille's team and of the Support queue, see the same.
    assert timeline(await history(await client_for("admin")), start) == seen_by_lead
    assert timeline(await history(await client_for("marie.dupont")), start) == seen_by_lead
    # The lead of Ventes Lyon and an agent of it see neither Camille nor the Support queue.
    for outsider in ("lead.lyon", "jose.munoz"):
        points = timeline(await history(await client_for(outsider)), start)
        assert [p[1:] for p in points] == [(0, 0, 0, 0, 0)] * 2, outsider


async def test_web2_wallboard_history_refuses_bad_arguments_with_typed_errors(api, client_for):
    lead = await client_for("lead")
    for minutes in (0, 24 * 60 + 1):
        refused = await history(lead, minutes=minutes)
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "InvalidInputError", "INVALID_INPUT", "minutes")
    unknown = await history(lead, channel="fax")
    assert (unknown["__typename"], unknown["code"]) == ("NotFoundError", "NOT_FOUND")
