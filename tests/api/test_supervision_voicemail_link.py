"""VM2 on the interaction engine: opening voicemail starts an internal voice interaction with
the mailbox, the agent its only party (busy on voice by the engine's load accounting); digits
sent on it with the engine's sendDtmf reach the PIN entry; closing the session or locking the
mailbox ends it. An agent's "next calls" supervision never joins it."""

from __future__ import annotations

from tests.api.test_supervision import supervise
from tests.e2e.desk import BY_ID, DTMF, GET, PRESENCE, answered_call, do, ok, party_of, ready_agent

SESSION = "fragment S on VoicemailSessionResult { __typename ... on VoicemailSession { id state triesLeft " \
          "pinRejected interactionId } ... on Error { code message } }"
OPEN = SESSION + "mutation($m: ID!) { r: openVoicemail(mailboxId: $m) { ...S } }"
VM_DTMF = SESSION + "mutation($s: ID!, $d: String!) { r: sendVoicemailDtmf(sessionId: $s, digits: $d) { ...S } }"
CLOSE = SESSION + "mutation($s: ID!) { r: closeVoicemail(sessionId: $s) { ...S } }"
GET_SESSION = "query($id: ID!) { voicemailSession(id: $id) { id state triesLeft interactionId } }"


async def opened(client_for, username="agent"):
    agent = await ready_agent(client_for, username)
    session = await do(agent, OPEN, m=f"user:{agent.me['id']}")
    assert session["__typename"] == "VoicemailSession" and session["interactionId"], session
    return agent, session


async def interaction(client, session) -> dict:
    return (await client.execute(GET, {"id": session["interactionId"]}))["interaction"]


async def voice(client) -> dict:
    return next(p for p in (await client.execute(PRESENCE))["myPresence"] if p["channel"] == "voice")


async def test_vm2_opening_voicemail_starts_an_internal_voice_interaction_the_agent_is_busy_on(
        backline, api, client_for):
    agent, session = await opened(client_for)
    call = await interaction(agent, session)
    assert (call["kind"], call["channel"], call["state"]) == ("INTERNAL", "voice", "ACTIVE")
    assert call["destination"] == f"voicemail:user:{agent.me['id']}"
    assert [(p["userId"], p["role"], p["state"]) for p in call["parties"]] == [(agent.me["id"], "OWNER", "CONNECTED")]
    assert await voice(agent) == {"channel": "voice", "state": "BUSY", "load": 1}


async def test_vm2_dtmf_sent_on_the_interaction_reaches_the_pin_entry(backline, api, client_for):
    agent, session = await opened(client_for)
    await ok(agent, DTMF, id=session["interactionId"], d="12")
    await ok(agent, DTMF, id=session["interactionId"], d="34")
    now = (await agent.execute(GET_SESSION, {"id": session["id"]}))["voicemailSession"]
    assert now["state"] == "OPEN"
    assert (await interaction(agent, session))["state"] == "ACTIVE"


async def test_vm2_wrong_pins_on_the_interaction_lock_the_mailbox_and_end_the_interaction(backline, api, client_for):
    agent, session = await opened(client_for)
    await ok(agent, DTMF, id=session["interactionId"], d="0000")
    assert (await agent.execute(GET_SESSION, {"id": session["id"]}))["voicemailSession"]["triesLeft"] == 2
    await ok(agent, DTMF, id=session["interactionId"], d="0000")
    ended = await ok(agent, DTMF, id=session["interactionId"], d="0000")
    assert ended["state"] == "ENDED" and ended["endReason"] == "VOICEMAIL_LOCKED"
    assert (await agent.execute(GET_SESSION, {"id": session["id"]}))["voicemailSession"]["state"] == "LOCKED"
    assert await voice(agent) == {"channel": "voice", "state": "READY", "load": 0}


async def test_vm2_locking_through_the_voicemail_digits_also_ends_the_interaction(backline, api, client_for):
    agent, session = await opened(client_for)
    for _ in range(3):
        await do(agent, VM_DTMF, s=session["id"], d="9999")
    assert (await interaction(agent, session))["state"] == "ENDED"


async def test_vm2_closing_the_session_ends_the_interaction_and_frees_the_agent(backline, api, client_for):
    agent, session = await opened(client_for)
    closed = await do(agent, CLOSE, s=session["id"])
    assert closed["state"] == "CLOSED"
    call = await interaction(agent, session)
    assert call["state"] == "ENDED" and call["endReason"] == "VOICEMAIL_CLOSED"
    assert await voice(agent) == {"channel": "voice", "state": "READY", "load": 0}


async def test_vm2_digits_on_a_customer_call_do_not_touch_a_voicemail_session(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    session = await do(agent, OPEN, m=f"user:{agent.me['id']}")
    await ok(agent, BY_ID["retrieve"], id=call["id"])  # opening voicemail held the call (one call at a time)
    await ok(agent, DTMF, id=call["id"], d="1234")
    assert (await agent.execute(GET_SESSION, {"id": session["id"]}))["voicemailSession"]["state"] == "AUTHENTICATING"


async def test_sup1_an_agents_next_calls_supervision_never_joins_its_voicemail(backline, api, client_for):
    agent = await ready_agent(client_for, "agent")
    lead = await client_for("lead")
    await supervise(lead, agent, "MONITOR")
    session = await do(agent, OPEN, m=f"user:{agent.me['id']}")
    await backline.supervision.settle()
    call = await interaction(agent, session)
    assert [p["userId"] for p in call["parties"]] == [agent.me["id"]]
    assert party_of(call, agent.me["id"])["role"] == "OWNER"


async def test_vm2_hanging_up_the_interaction_closes_the_voicemail_session(backline, api, client_for):
    agent, session = await opened(client_for)
    await ok(agent, DTMF, id=session["interactionId"], d="1234")
    ended = await ok(agent, BY_ID["release"], id=session["interactionId"])
    assert ended["state"] == "ENDED"
    assert (await agent.execute(GET_SESSION, {"id": session["id"]}))["voicemailSession"]["state"] == "CLOSED"
    assert await voice(agent) == {"channel": "voice", "state": "READY", "load": 0}


async def test_vm2_a_session_left_waiting_for_its_pin_is_hung_up_after_the_pin_time_out(
        backline, api, client_for, clock):
    agent, session = await opened(client_for)
    await clock.advance(backline.voicemail.options.pin_timeout_seconds - 1)
    assert (await agent.execute(GET_SESSION, {"id": session["id"]}))["voicemailSession"]["state"] == "AUTHENTICATING"
    await clock.advance(1)
    assert (await agent.execute(GET_SESSION, {"id": session["id"]}))["voicemailSession"]["state"] == "CLOSED"
    call = await interaction(agent, session)
    assert (call["state"], call["endReason"]) == ("ENDED", "VOICEMAIL_PIN_TIMEOUT")
    assert (await voice(agent))["state"] == "READY"


async def test_vm2_a_session_opened_with_its_pin_is_not_hung_up_by_the_time_out(backline, api, client_for, clock):
    agent, session = await opened(client_for)
    await ok(agent, DTMF, id=session["interactionId"], d="1234")
    await clock.advance(backline.voicemail.options.pin_timeout_seconds + 1)
    assert (await agent.execute(GET_SESSION, {"id": session["id"]}))["voicemailSession"]["state"] == "OPEN"
    assert (await interaction(agent, session))["state"] == "ACTIVE"


async def test_rel1_a_pin_time_out_is_armed_again_after_a_restart(backline, api, client_for, clock, settings, config):
    from core.clock import ManualClock
    from core.runtime import Backline
    from core.voicemail.models import VoicemailAccess

    agent, session = await opened(client_for)
    # The restarted server has its own clock: only what it armed itself can fire there.
    later = ManualClock(start=clock.now())
    restarted = Backline(settings, config, clock=later)
    await restarted.start()
    try:
        await later.advance(restarted.voicemail.options.pin_timeout_seconds)
        async with restarted.store.read() as db:
            access = await db.get(VoicemailAccess, int(session["id"]))
        assert access.state.value == "closed"
    finally:
        await restarted.stop()
