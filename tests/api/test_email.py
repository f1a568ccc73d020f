"""E-mail: a real SMTP listener (aiosmtpd) turns mail sent with smtplib into interactions
routed like any inbound contact; transfer only (TRF1, TRF6, CNF2, CH4) while a consultation
about an e-mail over IM or voice is allowed (CON1); replies through the relay, customer replies
join their interaction; oversize and malformed mail get an SMTP error; a failing relay raises a
system message and clears it when back (MSG1)."""

from __future__ import annotations

import smtplib

import pytest
from sqlmodel import select

from core.config import PluginEntry, load_config
from core.interactions.models import Interaction
from tests.channels.conversation_desk import DONE, send, transcript
from tests.channels.mail_support import customer_mail, send_mail, smtp_sink
from tests.e2e.desk import (
    ADD, BY_ID, CONSULT, TRANSFER, do, ok, open_offer, party_of, ready_agent, target_id,
)

OUTAGES = "{ channelOutages { channel title text } }"
MY_MESSAGES = "{ myMessages { edges { node { title channel resolvedAt kind priority } } } }"


@pytest.fixture
def config(settings, smtp_port, relay_port):
    config = load_config(settings.plugins_file)
    email = config.plugins["email"]
    config.plugins["email"] = PluginEntry("email", True, {
        **email.options, "smtp_port": smtp_port, "relay_host": "127.0.0.1", "relay_port": relay_port,
        "max_message_bytes": 50_000, "relay_retry_seconds": 30})
    return config


async def my_interactions(client) -> list[dict]:
    data = await client.execute("{ myInteractions { edges { node { id state channel offers { id state } } } } }")
    return [edge["node"] for edge in data["myInteractions"]["edges"]]


async def received_email(backline, client_for, smtp_port, **mail):
    francoise = await ready_agent(client_for, "francoise.gauthier", channel="email")
    await send_mail(smtp_port, customer_mail(**mail))
    [ringing] = await my_interactions(francoise)
    email = await ok(francoise, BY_ID["acceptOffer"], id=open_offer(ringing)["id"])
    return francoise, email


async def test_ch1_an_email_sent_over_smtp_becomes_an_interaction_routed_to_an_agent(backline, api, client_for, smtp_port):
    francoise = await ready_agent(client_for, "francoise.gauthier", channel="email")
    await send_mail(smtp_port, customer_mail())
    [ringing] = await my_interactions(francoise)
    assert ringing["channel"] == "email" and ringing["offers"][0]["state"] == "RINGING"
    email = await ok(francoise, BY_ID["acceptOffer"], id=ringing["offers"][0]["id"])
    assert email["inbound"] and email["state"] == "ACTIVE"
    assert party_of(email, role="CUSTOMER")["address"] == "leon.blum@example.org"
    [line] = await transcript(francoise, email["id"])
    assert line["text"] == "Bonjour, ma facture est fausse." and line["fromCustomer"]
    details = line["details"]
    assert details["subject"] == "Facture 2026-11 incorrecte" and details["from"] == "leon.blum@example.org"
    assert details["to"] == ["support@backline.example"]
    [attached] = details["attachments"]
    assert (attached["name"], attached["size"], attached["contentType"]) == ("facture.pdf", 900, "application/octet-stream")


async def test_trf1_trf6_an_agent_transfers_an_inbound_email(backline, api, client_for, smtp_port):
    francoise, email = await received_email(backline, client_for, smtp_port)
    eloise = await ready_agent(client_for, "eloise.tremblay", channel="email")
    pending = await ok(francoise, TRANSFER, id=email["id"], t=await target_id(backline, "Éloïse Tremblay"))
    done = await ok(eloise, BY_ID["acceptOffer"], id=open_offer(pending)["id"])
    assert party_of(done, role="OWNER")["userId"] == eloise.me["id"]
    assert "Bonjour, ma facture est fausse." in [line["text"] for line in await transcript(eloise, email["id"])]


async def test_trf6_an_email_that_is_not_inbound_cannot_be_transferred(backline, api, client_for, smtp_port):
    francoise, email = await received_email(backline, client_for, smtp_port)
    async with backline.store.write() as uow:
        row = (await uow.session.exec(select(Interaction).where(Interaction.id == int(email["id"])))).one()
        row.inbound = False  # as an agent-initiated e-mail would be
        uow.session.add(row)
    refused = await do(francoise, TRANSFER, id=email["id"], t=await target_id(backline, "Éloïse Tremblay"))
    assert refused["__typename"] == "InvalidStateError" and "inbound" in refused["message"]


async def test_cnf2_a_conference_on_an_email_is_refused_naming_channel_and_operation(backline, api, client_for, smtp_port):
    francoise, email = await received_email(backline, client_for, smtp_port)
    refused = await do(francoise, ADD, id=email["id"], t=await target_id(backline, "Éloïse Tremblay"), a=None)
    assert refused["__typename"] == "UnsupportedOperationError"
    assert (refused["channel"], refused["operation"]) == ("email", "conference")
    assert "email" in refused["message"] and "conference" in refused["message"]


async def test_ch4_an_email_channel_consultation_is_refused_naming_channel_and_operation(backline, api, client_for, smtp_port):
    francoise, email = await received_email(backline, client_for, smtp_port)
    refused = await do(francoise, CONSULT, id=email["id"], t=await target_id(backline, "Éloïse Tremblay"), c=None)
    assert (refused["channel"], refused["operation"]) == ("email", "consult")


async def test_con1_a_consultation_about_an_email_over_im_and_over_voice_is_allowed(backline, api, client_for, smtp_port):
    francoise, email = await received_email(backline, client_for, smtp_port)
    await francoise.execute('mutation { logIn(channel: "im", ready: true) { __typename } }')
    await francoise.execute('mutation { logIn(channel: "voice", ready: true) { __typename } }')
    eloise = await ready_agent(client_for, "eloise.tremblay", channel="im")
    gael = await ready_agent(client_for, "gael.gagnon", channel="voice")
    by_im = await ok(francoise, CONSULT, id=email["id"], t=await target_id(backline, "Éloïse Tremblay"), c="im")
    by_voice = await ok(francoise, CONSULT, id=email["id"], t=await target_id(backline, "Gaël Gagnon"), c="voice")
    assert (by_im["parentId"], by_im["channel"]) == (email["id"], "im")
    assert (by_voice["parentId"], by_voice["channel"]) == (email["id"], "voice")
    await ok(eloise, BY_ID["acceptOffer"], id=open_offer(by_im)["id"])
    # CON3: the consulted member reads the e-mail it is consulted about.
    assert (await transcript(eloise, email["id"]))[0]["details"]["subject"] == "Facture 2026-11 incorrecte"
    await ok(gael, BY_ID["acceptOffer"], id=open_offer(by_voice)["id"])


async def test_ch1_a_reply_goes_out_through_the_relay_and_the_customer_reply_joins_its_interaction(
        backline, api, client_for, smtp_port, relay_port):
    francoise, email = await received_email(backline, client_for, smtp_port)
    async with smtp_sink(relay_port) as sink:
        reply = await send(francoise, email["id"], "Bonjour, nous corrigeons la facture.")
        assert reply["__typename"] == "TranscriptLine"
        [out] = sink.messages
    assert out["To"].addresses[0].addr_spec == "leon.blum@example.org"
    assert out["Subject"] == "Re: Facture 2026-11 incorrecte" and out["In-Reply-To"] == "<first@example.org>"
    assert out.get_content().strip() == "Bonjour, nous corrigeons la facture."
    assert (await transcript(francoise, email["id"]))[1]["details"]["delivery"] == "sent"
    await send_mail(smtp_port, customer_mail(subject="Re: Facture", text="Merci beaucoup !", attachments=(),
                                             message_id="<second@example.org>", in_reply_to=out["Message-ID"]))
    lines = await transcript(francoise, email["id"])
    assert [line["text"] for line in lines][-1] == "Merci beaucoup !" and lines[-1]["fromCustomer"]
    assert len(await my_interactions(francoise)) == 1


async def test_sec2_oversize_and_malformed_mail_get_an_smtp_error_and_the_listener_goes_on(backline, api, client_for, smtp_port):
    francoise = await ready_agent(client_for, "francoise.gauthier", channel="email")
    # smtplib declares the size (ESMTP SIZE), so the listener refuses at MAIL FROM.
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as oversize:
        await send_mail(smtp_port, customer_mail(attachments=(("big.bin", b"x" * 100_000),)))
    assert oversize.value.smtp_code == 552
    with pytest.raises(smtplib.SMTPDataError) as malformed:
        await send_mail(smtp_port, b"Subject: no sender\r\n\r\n", sender="")
    assert malformed.value.smtp_code == 550
    assert await my_interactions(francoise) == []
    await send_mail(smtp_port, customer_mail())
    assert len(await my_interactions(francoise)) == 1


async def test_msg1_a_failing_smtp_relay_raises_a_system_message_and_clears_it_when_back(
        backline, api, client_for, smtp_port, relay_port, clock):
    francoise, email = await received_email(backline, client_for, smtp_port)
    admin = await client_for("admin")
    reply = await send(francoise, email["id"], "Votre facture est corrigée.")  # nothing listens on the relay port
    assert reply["__typename"] == "TranscriptLine"
    assert (await transcript(francoise, email["id"]))[1]["details"]["delivery"] == "pending"
    [outage] = (await francoise.execute(OUTAGES))["channelOutages"]
    assert outage["channel"] == "email" and "out of service" in outage["title"]
    first = (await francoise.execute(MY_MESSAGES))["myMessages"]["edges"][0]["node"]
    assert first["kind"] == "SYSTEM" and first["channel"] == "email" and first["resolvedAt"] is None
    assert (await admin.execute(OUTAGES))["channelOutages"][0]["channel"] == "email"
    async with smtp_sink(relay_port) as sink:
        await clock.advance(30)
        assert [m.get_content().strip() for m in sink.messages] == ["Votre facture est corrigée."]
    assert (await francoise.execute(OUTAGES))["channelOutages"] == []
    titles = [edge["node"]["title"] for edge in (await francoise.execute(MY_MESSAGES))["myMessages"]["edges"]]
    assert "back in service" in titles[0]
    assert (await transcript(francoise, email["id"]))[1]["details"]["delivery"] == "sent"


async def test_ch2_an_email_closes_when_its_agent_marks_it_done(backline, api, client_for, smtp_port):
    francoise, email = await received_email(backline, client_for, smtp_port)
    assert (await ok(francoise, DONE, id=email["id"]))["state"] == "ENDED"


async def test_dir3_on_an_email_consult_names_the_targets_presence_and_works_over_another_channel(
        backline, api, client_for, smtp_port):
    from tests.api.test_directory_actions import LOG_IN as PRESENCE_LOG_IN
    from tests.api.test_directory_actions import actions
    from tests.e2e.desk import CONSULT, target_id

    francoise, email = await received_email(backline, client_for, smtp_port)
    found, _ = await actions(francoise, "marie dupont", email["id"])
    consult = found["CONSULT"]
    assert consult["available"] is False
    assert "Marie Dupont" in consult["reason"] and "does not support" not in consult["reason"]
    marie = await client_for("marie.dupont")
    await marie.execute(PRESENCE_LOG_IN, {"c": "voice", "r": True})
    found, _ = await actions(francoise, "marie dupont", email["id"])
    assert found["CONSULT"]["available"] and found["CONSULT"]["channels"] == ["voice"]
    started = await ok(francoise, CONSULT, id=email["id"], t=await target_id(backline, "Marie Dupont"),
                       c="voice")  # what the menu showed available succeeds
    assert started["kind"] == "CONSULTATION" and started["channel"] == "voice"
