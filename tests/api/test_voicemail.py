"""Voicemail through the API: mailboxes with the message-waiting indicator and counts, live
(VM1); deposits raise the count and notify (VM3); opening a mailbox is an internal voice
session authenticated by DTMF PIN digits, with bounded tries and a lockout (VM2)."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from core.config import parse_config
from core.directory.models import Target, TargetKind
from core.identity.models import User
from schema.app import create_app
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, ws_session

MAILBOXES = "{ mailboxes { id kind name newCount totalCount messageWaiting lockedUntil } }"
SESSION = """
fragment S on VoicemailSessionResult {
  __typename
  ... on VoicemailSession { id mailboxId channel state triesLeft pinRejected lockedUntil }
  ... on Error { code message }
}
"""
OPEN = SESSION + "mutation($m: ID!) { openVoicemail(mailboxId: $m) { ...S } }"
DTMF = SESSION + "mutation($s: ID!, $d: String!) { sendVoicemailDtmf(sessionId: $s, digits: $d) { ...S } }"
CLOSE = SESSION + "mutation($s: ID!) { closeVoicemail(sessionId: $s) { ...S } }"
CHANGE_PIN = SESSION + "mutation($s: ID!, $p: String!) { changeVoicemailPin(sessionId: $s, pin: $p) { ...S } }"
LIST = """
query($s: ID!) { voicemails(sessionId: $s) {
  edges { node { id caller durationSeconds heard heardAt } } pageInfo { hasNextPage } } }
"""
HEARD = """
mutation($s: ID!, $v: ID!, $h: Boolean! = true) { markVoicemailHeard(sessionId: $s, voicemailId: $v, heard: $h) {
  __typename ... on Voicemail { id heard } ... on Error { code message } } }
"""
DELETE = """
mutation($s: ID!, $v: ID!) { deleteVoicemail(sessionId: $s, voicemailId: $v) {
  __typename ... on VoicemailDeleted { id } ... on Error { code message } } }
"""
CHANGED = "subscription { mailboxChanged { id newCount totalCount messageWaiting } }"
RECEIVED = "subscription { messageReceived { kind title mailboxId voicemailId newVoicemailCount } }"


async def ids(backline, username: str | None = None, group: str | None = None) -> int:
    async with backline.store.read() as session:
        if username:
            return (await session.exec(select(User.id).where(User.username == username))).one()
        return (await session.exec(select(Target.id).where(
            Target.name == group, Target.kind == TargetKind.AGENT_GROUP))).one()


async def deposit(backline, caller: str = "+33 6 00 00 00 01", seconds: int = 30, **mailbox) -> int:
    async with backline.store.write() as uow:
        return await backline.voicemail.deposit(uow, caller=caller, interaction_id=None,
                                                duration_seconds=seconds, **mailbox)


async def mailboxes(client) -> dict[str, dict]:
    return {m["id"]: m for m in (await client.execute(MAILBOXES))["mailboxes"]}


async def open_session(client, mailbox: str, pin: str | None = "1234") -> str:
    opened = (await client.execute(OPEN, {"m": mailbox}))["openVoicemail"]
    assert opened["__typename"] == "VoicemailSession", opened
    if pin is not None:
        done = (await client.execute(DTMF, {"s": opened["id"], "d": pin}))["sendVoicemailDtmf"]
        assert done["state"] == "OPEN", done
    return opened["id"]


# -- VM1 ------------------------------------------------------------------------------------

async def test_vm1_an_agent_sees_its_own_mailbox_and_its_groups_with_mwi_and_counts(backline, api):
    agent = await api.login("agent")
    me = int(agent.me["id"])
    english = await ids(backline, group="English")
    await deposit(backline, mailbox_user_id=me)
    await deposit(backline, mailbox_user_id=me)
    await deposit(backline, mailbox_target_id=english)
    boxes = await mailboxes(agent)
    assert list(boxes)[0] == f"user:{me}"
    assert {b["name"] for b in boxes.values()} == {"Camille Martin", "English", "Español", "Français"}
    mine = boxes[f"user:{me}"]
    assert (mine["kind"], mine["newCount"], mine["totalCount"], mine["messageWaiting"]) == ("AGENT", 2, 2, True)
    group = boxes[f"group:{english}"]
    assert (group["kind"], group["newCount"], group["messageWaiting"]) == ("GROUP", 1, True)
    assert boxes[f"group:{await ids(backline, group='Français')}"]["messageWaiting"] is False


async def test_vm1_others_mailboxes_are_not_listed_but_an_administrator_sees_their_counts(
        backline, api, client_for):
    agent = await api.login("agent")
    colleague = await client_for("jose.munoz")
    admin = await client_for("admin")
    await deposit(backline, mailbox_user_id=int(agent.me["id"]))
    assert f"user:{agent.me['id']}" not in await mailboxes(colleague)
    assert (await mailboxes(admin))[f"user:{agent.me['id']}"]["newCount"] == 1


async def test_vm1_counts_change_live_over_a_websocket(backline, api):
    agent = await api.login("agent")
    me = int(agent.me["id"])
    async with serve_in_loop(create_app(backline)) as base, ws_session(base, agent.token) as ws:
        stream = Collector(ws, CHANGED)
        try:
            snapshot = await stream.wait_for(4)  # own mailbox and three groups, now
            assert {s["mailboxChanged"]["id"] for s in snapshot} >= {f"user:{me}"}
            await deposit(backline, mailbox_target_id=await ids(backline, group="Deutsch"))  # not mine
            await deposit(backline, mailbox_user_id=me)
            change = (await stream.wait_for(5))[4]["mailboxChanged"]
            assert change == {"id": f"user:{me}", "newCount": 1, "totalCount": 1, "messageWaiting": True}
        finally:
            await stream.close()


@pytest.mark.parametrize("config", [parse_config("[plugins.voice]\nvoicemail = false\n[plugins.im]\n")])
async def test_vm1_where_voicemail_is_not_enabled_there_are_no_mailboxes(backline, api, config):
    agent = await api.login("agent")
    assert (await agent.execute(MAILBOXES))["mailboxes"] == []
    assert (await agent.execute(OPEN, {"m": f"user:{agent.me['id']}"}))["openVoicemail"]["code"] == "INVALID_STATE"


# -- VM3 ------------------------------------------------------------------------------------

async def test_vm3_a_voicemail_raises_the_count_and_notifies_the_agent_live(backline, api):
    agent = await api.login("agent")
    me = int(agent.me["id"])
    async with serve_in_loop(create_app(backline)) as base, ws_session(base, agent.token) as ws:
        stream = Collector(ws, RECEIVED)
        try:
            async def listening() -> None:
                while backline.bus.subscriber_count("message") < 1:
                    await asyncio.sleep(0.005)
            await asyncio.wait_for(listening(), 10)
            voicemail_id = await deposit(backline, caller="Jean Client", mailbox_user_id=me)
            [note] = await stream.wait_for(1)
            assert note["messageReceived"] == {
                "kind": "VOICEMAIL", "title": "New voicemail from Jean Client", "mailboxId": f"user:{me}",
                "voicemailId": str(voicemail_id), "newVoicemailCount": 1}
        finally:
            await stream.close()
    assert (await mailboxes(agent))[f"user:{me}"]["newCount"] == 1


# -- VM2 ------------------------------------------------------------------------------------

async def test_vm2_opening_voicemail_starts_a_voice_session_that_waits_for_the_pin(api):
    agent = await api.login("agent")
    opened = (await agent.execute(OPEN, {"m": f"user:{agent.me['id']}"}))["openVoicemail"]
    assert (opened["state"], opened["channel"], opened["triesLeft"]) == ("AUTHENTICATING", "voice", 3)
    early = await agent.raw(LIST, {"s": opened["id"]})
    assert early["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_vm2_pin_digits_one_by_one_open_the_mailbox(backline, api):
    agent = await api.login("agent")
    me = int(agent.me["id"])
    await deposit(backline, caller="first", mailbox_user_id=me)
    await deposit(backline, caller="second", mailbox_user_id=me)
    session = await open_session(agent, f"user:{me}", pin=None)
    for digit in "123":
        step = (await agent.execute(DTMF, {"s": session, "d": digit}))["sendVoicemailDtmf"]
        assert step["state"] == "AUTHENTICATING" and step["pinRejected"] is False
    assert (await agent.execute(DTMF, {"s": session, "d": "4"}))["sendVoicemailDtmf"]["state"] == "OPEN"
    listed = (await agent.execute(LIST, {"s": session}))["voicemails"]["edges"]
    assert [e["node"]["caller"] for e in listed] == ["second", "first"]


async def test_vm2_wrong_pin_is_refused_with_tries_left_and_star_starts_again(api):
    agent = await api.login("agent")
    session = await open_session(agent, f"user:{agent.me['id']}", pin=None)
    wrong = (await agent.execute(DTMF, {"s": session, "d": "9999"}))["sendVoicemailDtmf"]
    assert (wrong["state"], wrong["pinRejected"], wrong["triesLeft"]) == ("AUTHENTICATING", True, 2)
    retyped = (await agent.execute(DTMF, {"s": session, "d": "12*1234"}))["sendVoicemailDtmf"]
    assert (retyped["state"], retyped["pinRejected"], retyped["triesLeft"]) == ("OPEN", False, 3)


async def test_vm2_too_many_wrong_pins_lock_the_mailbox_for_the_configured_time(api, clock):
    agent = await api.login("agent")
    mailbox = f"user:{agent.me['id']}"
    session = await open_session(agent, mailbox, pin=None)
    await agent.execute(DTMF, {"s": session, "d": "0000"})
    await agent.execute(DTMF, {"s": session, "d": "1111#"})
    locked = (await agent.execute(DTMF, {"s": session, "d": "22#"}))["sendVoicemailDtmf"]
    assert (locked["state"], locked["triesLeft"]) == ("LOCKED", 0)
    assert locked["lockedUntil"].startswith("2026-01-05T09:05:00")  # 300 s by default
    refused = (await agent.execute(OPEN, {"m": mailbox}))["openVoicemail"]
    assert refused["__typename"] == "InvalidStateError" and "locked" in refused["message"]
    assert (await mailboxes(agent))[mailbox]["lockedUntil"] is not None
    await clock.advance(299)
    assert (await agent.execute(OPEN, {"m": mailbox}))["openVoicemail"]["__typename"] == "InvalidStateError"
    await clock.advance(1)
    await open_session(agent, mailbox)  # the right PIN works again once the lock is over


@pytest.mark.parametrize("config", [parse_config(
    "[plugins.voice]\n[plugins.im]\n[contact_centre]\nvoicemail_pin_tries = 1\nvoicemail_lockout_seconds = 60\n")])
async def test_vm2_tries_and_lockout_come_from_plugins_toml(api, clock, config):
    agent = await api.login("agent")
    mailbox = f"user:{agent.me['id']}"
    session = await open_session(agent, mailbox, pin=None)
    locked = (await agent.execute(DTMF, {"s": session, "d": "0000"}))["sendVoicemailDtmf"]
    assert locked["state"] == "LOCKED" and locked["lockedUntil"].startswith("2026-01-05T09:01:00")
    await clock.advance(60)
    await open_session(agent, mailbox)


async def test_vm2_only_the_owner_or_a_group_member_may_open_a_mailbox(backline, api, client_for):
    agent = await api.login("agent")
    admin = await client_for("admin")
    colleague = await client_for("jose.munoz")  # a member of Español, like agent
    assert (await colleague.execute(OPEN, {"m": f"user:{agent.me['id']}"}))["openVoicemail"]["code"] \
        == "PERMISSION_DENIED"
    assert (await admin.execute(OPEN, {"m": f"user:{agent.me['id']}"}))["openVoicemail"]["code"] \
        == "PERMISSION_DENIED"
    espanol = await ids(backline, group="Español")
    await open_session(colleague, f"group:{espanol}")
    deutsch = await ids(backline, group="Deutsch")
    assert (await agent.execute(OPEN, {"m": f"group:{deutsch}"}))["openVoicemail"]["code"] == "PERMISSION_DENIED"
    assert (await agent.execute(OPEN, {"m": "fax:1"}))["openVoicemail"]["code"] == "INVALID_INPUT"
    session = await open_session(agent, f"user:{agent.me['id']}", pin=None)
    # Someone else's session is not theirs to type into.
    assert (await colleague.execute(DTMF, {"s": session, "d": "1234"}))["sendVoicemailDtmf"]["code"] == "NOT_FOUND"
    assert (await agent.execute(DTMF, {"s": session, "d": "12a4"}))["sendVoicemailDtmf"]["code"] == "INVALID_INPUT"


async def test_vm2_list_mark_heard_and_delete_update_the_counts(backline, api):
    agent = await api.login("agent")
    me = int(agent.me["id"])
    first = await deposit(backline, caller="first", mailbox_user_id=me)
    second = await deposit(backline, caller="second", mailbox_user_id=me)
    session = await open_session(agent, f"user:{me}")
    heard = (await agent.execute(HEARD, {"s": session, "v": str(first)}))["markVoicemailHeard"]
    assert heard["heard"] is True
    box = (await mailboxes(agent))[f"user:{me}"]
    assert (box["newCount"], box["totalCount"], box["messageWaiting"]) == (1, 2, True)
    deleted = (await agent.execute(DELETE, {"s": session, "v": str(second)}))["deleteVoicemail"]
    assert deleted == {"__typename": "VoicemailDeleted", "id": str(second)}
    box = (await mailboxes(agent))[f"user:{me}"]
    assert (box["newCount"], box["totalCount"], box["messageWaiting"]) == (0, 1, False)
    listed = (await agent.execute(LIST, {"s": session}))["voicemails"]["edges"]
    assert [(e["node"]["caller"], e["node"]["heard"]) for e in listed] == [("first", True)]
    gone = (await agent.execute(DELETE, {"s": session, "v": str(second)}))["deleteVoicemail"]
    assert gone["__typename"] == "NotFoundError"
    closed = (await agent.execute(CLOSE, {"s": session}))["closeVoicemail"]
    assert closed["state"] == "CLOSED"
    after = (await agent.execute(HEARD, {"s": session, "v": str(first), "h": False}))["markVoicemailHeard"]
    assert after["code"] == "PERMISSION_DENIED"


async def test_vm2_a_voicemail_of_another_mailbox_is_not_found_in_this_session(backline, api):
    agent = await api.login("agent")
    other = await deposit(backline, mailbox_user_id=await ids(backline, username="marie.dupont"))
    session = await open_session(agent, f"user:{agent.me['id']}")
    assert (await agent.execute(HEARD, {"s": session, "v": str(other)}))["markVoicemailHeard"]["code"] == "NOT_FOUND"


async def test_vm2_the_owner_changes_the_pin_from_an_open_session(api):
    agent = await api.login("agent")
    mailbox = f"user:{agent.me['id']}"
    session = await open_session(agent, mailbox)
    bad = (await agent.execute(CHANGE_PIN, {"s": session, "p": "12"}))["changeVoicemailPin"]
    assert bad["__typename"] == "InvalidInputError"
    assert (await agent.execute(CHANGE_PIN, {"s": session, "p": "8642"}))["changeVoicemailPin"]["state"] == "OPEN"
    fresh = await open_session(agent, mailbox, pin=None)
    assert (await agent.execute(DTMF, {"s": fresh, "d": "1234"}))["sendVoicemailDtmf"]["pinRejected"] is True
    assert (await agent.execute(DTMF, {"s": fresh, "d": "8642"}))["sendVoicemailDtmf"]["state"] == "OPEN"


async def test_vm2_voicemails_are_listed_newest_first_in_bounded_pages(backline, api):
    agent = await api.login("agent")
    me = int(agent.me["id"])
    for n in range(3):
        await deposit(backline, caller=f"caller {n}", mailbox_user_id=me)
    session = await open_session(agent, f"user:{me}")
    page = """query($s: ID!, $after: String) { voicemails(sessionId: $s, first: 2, after: $after) {
      edges { node { caller } } pageInfo { hasNextPage endCursor } } }"""
    first = (await agent.execute(page, {"s": session}))["voicemails"]
    assert [e["node"]["caller"] for e in first["edges"]] == ["caller 2", "caller 1"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await agent.execute(page, {"s": session, "after": first["pageInfo"]["endCursor"]}))["voicemails"]
    assert [e["node"]["caller"] for e in rest["edges"]] == ["caller 0"]
    assert rest["pageInfo"]["hasNextPage"] is False
