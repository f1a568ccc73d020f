"""Chat: a customer with no account starts a chat and writes with agents live; what the
customer reads (CON2, SEC1); transfer (TRF1), conference (CNF1, CNF6), consultation as a
private thread (CON6) and the close rule (CH2)."""

from __future__ import annotations

from tests.channels.conversation_desk import (
    CUSTOMER_CHAT, CUSTOMER_LINES, CUSTOMER_SEND, DONE, LEAVE_CHAT, SEND, START_CHAT, send, texts, transcript,
)
from tests.e2e.desk import (
    ADD, BY_ID, COMPLETE, CONSULT, GET, MUTE, REMOVE, TRANSFER, customer, do, ok, open_offer, party_of, ready_agent,
    target_id,
)


def party_of_state(interaction: dict, user_id: str) -> str:
    return next(p["state"] for p in interaction["parties"] if p["userId"] == user_id)


async def start_chat(api, to="queue:support", name="Léon Blum", text="Bonjour, ma carte est bloquée"):
    data = await api.as_user().execute(START_CHAT, {"to": to, "n": name, "t": text})
    session = data["r"]
    assert session["__typename"] == "ChatSession", session
    guest = api.as_user()
    guest.token = session["token"]
    return guest, session["chat"]


async def taken_chat(backline, api, client_for):
    agent = await ready_agent(client_for, "agent", channel="chat")
    guest, chat = await start_chat(api)
    offer = open_offer((await agent.execute(GET, {"id": chat["id"]}))["interaction"])
    assert offer["ringingUserId"] == agent.me["id"]
    await ok(agent, BY_ID["acceptOffer"], id=offer["id"])
    return agent, guest, chat


async def customer_texts(guest) -> list[str]:
    return [edge["node"]["text"] for edge in (await guest.execute(CUSTOMER_LINES))["customerChatLines"]["edges"]]


async def customer_says(guest, text: str) -> None:
    assert (await guest.execute(CUSTOMER_SEND, {"t": text}))["r"]["__typename"] == "ChatLine"


async def test_ch1_a_customer_starts_a_chat_without_an_account_and_writes_with_the_agent_in_order(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    await send(agent, chat["id"], "Bonjour, je regarde")
    await customer_says(guest, "Merci")
    await send(agent, chat["id"], "C'est débloqué")
    expected = ["Bonjour, ma carte est bloquée", "Bonjour, je regarde", "Merci", "C'est débloqué"]
    assert await customer_texts(guest) == expected
    lines = await transcript(agent, chat["id"])
    assert texts(lines) == expected and [line["fromCustomer"] for line in lines] == [True, False, True, False]
    view = (await guest.execute(CUSTOMER_CHAT))["customerChat"]
    assert view["state"] == "ACTIVE" and {p["displayName"] for p in view["participants"]} == {"Léon Blum", "Camille Martin"}


async def test_sec1_a_chat_token_opens_that_chat_only(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    other, _ = await start_chat(api, name="Autre client", text="Allô ?")
    assert "Bonjour, ma carte est bloquée" not in await customer_texts(other)
    denied = await guest.raw(GET, {"id": chat["id"]})
    assert denied["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    refused = await guest.raw(SEND, {"id": chat["id"], "t": "x", "n": False})
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    nobody = api.as_user()
    assert (await nobody.raw(CUSTOMER_LINES))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_con2_the_customer_never_reads_an_internal_note_nor_a_consultation(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    marie = await ready_agent(client_for, "marie.dupont", channel="chat")
    assert (await send(agent, chat["id"], "Client agacé, 3e appel", internal=True))["audience"] == "INTERNAL"
    consult = await ok(agent, CONSULT, id=chat["id"], t=await target_id(backline, "Marie Dupont"))
    assert consult["channel"] == "chat" and consult["kind"] == "CONSULTATION"
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    await send(agent, consult["id"], "Je peux rembourser ?")
    await send(marie, consult["id"], "Oui")
    await send(agent, chat["id"], "Je vous rembourse")
    assert await customer_texts(guest) == ["Bonjour, ma carte est bloquée", "Je vous rembourse"]
    assert texts(await transcript(agent, chat["id"]))[1] == "Client agacé, 3e appel"
    # CON3: the consulted member reads the chat it is consulted about.
    assert "Bonjour, ma carte est bloquée" in texts(await transcript(marie, chat["id"]))
    assert {p["displayName"] for p in (await guest.execute(CUSTOMER_CHAT))["customerChat"]["participants"]} \
        == {"Léon Blum", "Camille Martin"}


async def test_con6_a_chat_consultation_is_a_private_thread_of_its_own(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    marie = await ready_agent(client_for, "marie.dupont", channel="chat")
    consult = await ok(agent, CONSULT, id=chat["id"], t=await target_id(backline, "Marie Dupont"))
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    await send(marie, consult["id"], "Private")
    assert texts(await transcript(agent, consult["id"])) == ["Private"]
    assert "Private" not in texts(await transcript(agent, chat["id"]))
    assert all(p["role"] != "CUSTOMER" for p in (await agent.execute(GET, {"id": consult["id"]}))["interaction"]["parties"])


async def test_trf1_a_chat_is_transferred_at_once_with_its_transcript(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    marie = await ready_agent(client_for, "marie.dupont", channel="chat")
    pending = await ok(agent, TRANSFER, id=chat["id"], t=await target_id(backline, "Marie Dupont"))
    done = await ok(marie, BY_ID["acceptOffer"], id=open_offer(pending)["id"])
    assert party_of(done, role="OWNER")["userId"] == marie.me["id"]
    assert not any(p["userId"] == agent.me["id"] and p["state"] != "LEFT" for p in done["parties"])
    assert texts(await transcript(marie, chat["id"])) == ["Bonjour, ma carte est bloquée"]
    await send(marie, chat["id"], "Marie, je reprends")
    assert (await customer_texts(guest))[-1] == "Marie, je reprends"


async def conference(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    marie = await ready_agent(client_for, "marie.dupont", channel="chat")
    invited = await ok(agent, ADD, id=chat["id"], t=await target_id(backline, "Marie Dupont"))
    joined = await ok(marie, BY_ID["acceptOffer"], id=open_offer(invited)["id"])
    return agent, marie, guest, chat, joined


async def test_cnf1_a_three_way_chat_everyone_reads_everyone(backline, api, client_for):
    agent, marie, guest, chat, joined = await conference(backline, api, client_for)
    assert party_of(joined, marie.me["id"])["role"] == "PARTICIPANT" and customer(joined)["state"] == "CONNECTED"
    await send(marie, chat["id"], "Bonjour, Marie du service cartes")
    await customer_says(guest, "Bonjour Marie")
    assert texts(await transcript(agent, chat["id"]))[-2:] == ["Bonjour, Marie du service cartes", "Bonjour Marie"]
    assert texts(await transcript(marie, chat["id"]))[-2:] == ["Bonjour, Marie du service cartes", "Bonjour Marie"]
    assert (await customer_texts(guest))[-2:] == ["Bonjour, Marie du service cartes", "Bonjour Marie"]


async def test_cnf6_a_muted_participant_is_read_by_nobody_and_selectively_muted_by_one(backline, api, client_for):
    agent, marie, guest, chat, joined = await conference(backline, api, client_for)
    marie_party = party_of(joined, marie.me["id"])["id"]
    await ok(agent, MUTE, id=chat["id"], p=marie_party, to=customer(joined)["id"])
    await send(marie, chat["id"], "Not for the customer")
    assert "Not for the customer" not in await customer_texts(guest)
    assert "Not for the customer" in texts(await transcript(agent, chat["id"]))
    await ok(agent, MUTE, id=chat["id"], p=marie_party, to=None)
    await send(marie, chat["id"], "Read by nobody")
    assert "Read by nobody" not in await customer_texts(guest)
    assert "Read by nobody" not in texts(await transcript(agent, chat["id"]))


async def test_cnf6_a_removed_participant_no_longer_reads_the_chat(backline, api, client_for):
    agent, marie, guest, chat, joined = await conference(backline, api, client_for)
    lead = await client_for("lead")  # may remove participants (CNF7), supervises the team
    await ok(lead, REMOVE, id=chat["id"], p=party_of(joined, marie.me["id"])["id"])
    await send(agent, chat["id"], "After Marie left")
    assert "After Marie left" not in texts(await transcript(marie, chat["id"]))
    assert "After Marie left" in await customer_texts(guest)


async def test_ch2_the_customer_leaving_ends_its_side_only(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    left = (await guest.execute(LEAVE_CHAT))["r"]
    assert left["iAmPresent"] is False and left["state"] == "ACTIVE"
    assert (await guest.execute(CUSTOMER_SEND, {"t": "encore"}))["r"]["code"] == "INVALID_STATE"
    still = (await agent.execute(GET, {"id": chat["id"]}))["interaction"]
    assert still["state"] == "ACTIVE" and party_of(still, agent.me["id"])["state"] == "CONNECTED"
    await send(agent, chat["id"], "Wrap-up note", internal=True)
    assert (await ok(agent, DONE, id=chat["id"]))["state"] == "ENDED"


async def test_ch2_the_chat_closes_only_when_every_agent_party_marked_it_done_once_each(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    marie = await ready_agent(client_for, "marie.dupont", channel="chat")
    consult = await ok(agent, CONSULT, id=chat["id"], t=await target_id(backline, "Marie Dupont"))
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    assert (await ok(agent, DONE, id=chat["id"]))["state"] == "ACTIVE"  # Marie is still on the thread
    thread = (await agent.execute(GET, {"id": consult["id"]}))["interaction"]
    assert party_of_state(thread, agent.me["id"]) == "LEFT"  # the owner's one mark closed its side of it
    assert (await agent.execute(GET, {"id": chat["id"]}))["interaction"]["state"] == "ACTIVE"
    closed = await ok(marie, DONE, id=consult["id"])
    assert closed["state"] == "ENDED"
    assert (await agent.execute(GET, {"id": chat["id"]}))["interaction"]["state"] == "ENDED"
    assert (await guest.execute(CUSTOMER_CHAT))["customerChat"]["state"] == "ENDED"


async def test_ch2_voice_has_no_done_step(backline, api, client_for):
    from tests.e2e.desk import answered_call
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, agent)
    refused = await do(agent, DONE, id=call["id"])
    assert (refused["channel"], refused["operation"]) == ("voice", "mark done")


async def test_sec2_an_oversize_chat_message_or_an_unknown_queue_is_refused_typed(backline, api, client_for):
    data = await api.as_user().execute(START_CHAT, {"to": "queue:nowhere", "n": "X", "t": "hi"})
    assert data["r"]["code"] == "NOT_FOUND"
    data = await api.as_user().execute(START_CHAT, {"to": "queue:support", "n": "X", "t": "x" * 3000})
    assert data["r"]["code"] == "INVALID_INPUT"
    data = await api.as_user().execute(START_CHAT, {"to": "agent:marie.dupont", "n": "X", "t": "hi"})
    assert data["r"]["code"] == "INVALID_INPUT"


async def test_trf1_a_chat_is_transferred_after_a_consultation_in_one_step(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    marie = await ready_agent(client_for, "marie.dupont", channel="chat")
    consult = await ok(agent, CONSULT, id=chat["id"], t=await target_id(backline, "Marie Dupont"))
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    done = await ok(agent, COMPLETE, id=consult["id"], **{"as": "TRANSFER"})
    assert party_of(done, role="OWNER")["userId"] == marie.me["id"]
    await send(marie, chat["id"], "Marie prend la suite")
    assert (await customer_texts(guest))[-1] == "Marie prend la suite"
    names = {p["displayName"] for p in (await guest.execute(CUSTOMER_CHAT))["customerChat"]["participants"]
             if p["present"]}
    assert names == {"Léon Blum", "Marie Dupont"}


async def test_cnf1_a_queue_is_added_to_a_chat_and_one_available_member_joins(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    helene = await ready_agent(client_for, "helene.durand", channel="chat")
    invited = await ok(agent, ADD, id=chat["id"], t=await target_id(backline, "Support"))
    assert open_offer(invited)["ringingUserId"] == helene.me["id"]
    joined = await ok(helene, BY_ID["acceptOffer"], id=open_offer(invited)["id"])
    assert party_of(joined, helene.me["id"])["role"] == "PARTICIPANT"
    assert customer(joined)["state"] == "CONNECTED"


async def test_im1_nobody_writes_on_a_chat_or_im_before_accepting_it(backline, api, client_for):
    from tests.channels.conversation_desk import IM, SEND

    agent = await ready_agent(client_for, "agent", channel="chat")
    guest, chat = await start_chat(api)
    ringing = (await agent.execute(GET, {"id": chat["id"]}))["interaction"]
    assert open_offer(ringing)["state"] == "RINGING"
    early = (await agent.execute(SEND, {"id": chat["id"], "t": "Bonjour !", "n": False}))["r"]
    assert early["__typename"] != "TranscriptLine" and early["code"] in ("INVALID_STATE", "PERMISSION_DENIED"), early
    assert "Bonjour !" not in await customer_texts(guest)
    # IM: a member writes on a request only once accepted.
    await ready_agent(client_for, "agent", channel="im")
    marie = await ready_agent(client_for, "marie.dupont", channel="im")
    im = await ok(agent, IM, t=await target_id(backline, "Marie Dupont"), x="Tu as 2 minutes ?")
    early = (await marie.execute(SEND, {"id": im["id"], "t": "Oui", "n": False}))["r"]
    assert early["__typename"] != "TranscriptLine", early


async def test_con2_consultation_lines_carry_their_own_audience(backline, api, client_for):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    marie = await ready_agent(client_for, "marie.dupont", channel="chat")
    consult = await ok(agent, CONSULT, id=chat["id"], t=await target_id(backline, "Marie Dupont"))
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
    await send(marie, consult["id"], "Private")
    [line] = await transcript(agent, consult["id"])
    assert line["audience"] == "INTERNAL"
