"""Voice over SIP (VOX1-VOX4): real SIP over loopback between the server's SIP switch and
scripted user agents (tests/support/sip_phone.py) playing the agents' softphones and the
customer's phone behind the trunk."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from tests.channels.sip_desk import SET_CREDENTIALS, customer_phone, eventually, server_of, softphone, with_sip
from tests.support.servers import free_port
from tests.e2e.desk import BY_ID, GET, PRESENCE, ok, open_offer, party_of
from tests.support.sip_phone import Phone, direction, media_port


READY = "mutation($c: String!) { setReady(channel: $c) { __typename ... on Error { message } } }"


@pytest.fixture
def config(settings):
    return with_sip(settings)


def voice_state(presence: dict) -> str:
    return next(p["state"] for p in presence["myPresence"] if p["channel"] == "voice")


async def interaction_of(admin, phone_dialog_interaction: int) -> dict:
    return (await admin.execute(GET, {"id": str(phone_dialog_interaction)}))["interaction"]


async def routed_call(backline, customer: Phone, number: str = "5100"):
    """The customer dials; returns the call task and the interaction id once it rings."""
    call = customer.start_call(number)
    switch = backline.channels.get("voice").switch
    key = await eventually(lambda: next((k for k in switch.legs if k.kind == "customer"), None), "the customer leg")
    return call, key.id


async def test_vox1_a_softphone_registers_with_its_credentials_and_voice_needs_it(backline, api, client_for, clock):
    admin = await client_for("admin")
    marie = await client_for("marie.dupont")
    await marie.execute("mutation { logIn(channel: \"voice\") { __typename } }")
    refused = (await marie.execute(READY, {"c": "voice"}))["setReady"]
    assert refused["__typename"] == "InvalidStateError" and "softphone" in refused["message"]
    # Wrong credentials: 403; an agent cannot set credentials (only administrators).
    stranger = await Phone("marie.dupont", 41000).start(server_of(backline))
    try:
        assert await stranger.register("marie.dupont", "guessed-password") == 403
        denied = (await marie.execute(
            'mutation($u: ID!) { r: setChannelCredentials(channel: "voice", userId: $u, password: "12345678") '
            '{ __typename ... on Error { code } } }', {"u": marie.me["id"]}))["r"]
        assert denied["code"] == "PERMISSION_DENIED"
    finally:
        stranger.stop()
    # The administrator sets them; the phone registers; the agent can be ready.
    marie, phone = await softphone(backline, admin, client_for, "marie.dupont", ready=False)
    try:
        assert (await marie.execute(READY, {"c": "voice"}))["setReady"]["__typename"] != "InvalidStateError"
        assert voice_state(await marie.execute(PRESENCE)) == "READY"
        async with backline.store.read() as session:
            from channels.voice.sip.credentials import SipCredential
            stored = await session.get(SipCredential, int(marie.me["id"]))
        assert stored.ha1 != "s3cret-phone" and len(stored.ha1) == 32  # kept hashed
        # The registration expires (120 s asked): voice becomes unavailable.
        await clock.advance(121)
        await eventually(lambda: marie.execute(PRESENCE), "presence")
        assert voice_state(await marie.execute(PRESENCE)) == "NOT_READY"
        again = (await marie.execute(READY, {"c": "voice"}))["setReady"]
        assert again["__typename"] == "InvalidStateError"
    finally:
        phone.stop()


async def test_vox2_a_trunk_call_rings_the_softphone_and_is_answered_and_hung_up_on_it(backline, api, client_for):
    admin = await client_for("admin")
    agent, phone = await softphone(backline, admin, client_for, "agent")
    customer = await customer_phone(backline)
    try:
        call, interaction_id = await routed_call(backline, customer)
        ringing = await asyncio.wait_for(phone.incoming.get(), 5)
        assert media_port(ringing.offers[0]) == customer.rtp_port  # the agent's phone gets the customer's media
        dialog, status = await asyncio.wait_for(call, 5)  # the phone answered (200 OK): the customer is connected
        assert status == 200 and media_port(dialog.offers[0]) == phone.rtp_port
        view = await interaction_of(admin, interaction_id)
        assert view["state"] == "ACTIVE" and party_of(view, agent.me["id"])["state"] == "CONNECTED"
        # The customer hangs up: the call ends and the agent's phone is released.
        assert await customer.hang_up(dialog) == 200
        await asyncio.wait_for(ringing.ended.wait(), 5)
        await eventually(lambda: interaction_of(admin, interaction_id), "the call")
        assert (await interaction_of(admin, interaction_id))["state"] == "ENDED"
    finally:
        customer.stop()
        phone.stop()


async def test_vox2_accepting_through_the_api_answers_and_releasing_hangs_up_the_customer(backline, api, client_for):
    admin = await client_for("admin")
    agent, phone = await softphone(backline, admin, client_for, "agent", answer=False)
    customer = await customer_phone(backline)
    try:
        call, interaction_id = await routed_call(backline, customer)
        await asyncio.wait_for(phone.incoming.get(), 5)
        view = await interaction_of(admin, interaction_id)
        await ok(agent, BY_ID["acceptOffer"], id=open_offer(view)["id"])
        dialog, status = await asyncio.wait_for(call, 5)  # the phone was asked to answer at once
        assert status == 200 and media_port(dialog.offers[0]) == phone.rtp_port
        await ok(agent, BY_ID["release"], id=str(interaction_id))
        await asyncio.wait_for(dialog.ended.wait(), 5)  # the customer got a BYE
    finally:
        customer.stop()
        phone.stop()


async def test_vox4_an_unknown_source_gets_403_and_an_unknown_number_404(backline, api, client_for):
    stranger = await Phone("stranger", 41100).start(server_of(backline))  # 127.0.0.1: not the trunk
    customer = await customer_phone(backline)
    try:
        assert (await stranger.call("5100"))[1] == 403
        assert (await customer.call("0000"))[1] == 404
    finally:
        stranger.stop()
        customer.stop()


async def answered_on_phones(backline, admin, client_for):
    """A customer call answered on the agent's phone, Marie registered and ready beside."""
    agent, agent_phone = await softphone(backline, admin, client_for, "agent")
    marie, marie_phone = await softphone(backline, admin, client_for, "marie.dupont", ready=False)
    await marie.execute('mutation { logIn(channel: "voice") { __typename } }')
    customer = await customer_phone(backline)
    call, interaction_id = await routed_call(backline, customer)
    agent_leg = await asyncio.wait_for(agent_phone.incoming.get(), 5)
    customer_leg, status = await asyncio.wait_for(call, 5)
    assert status == 200
    await marie.execute(READY, {"c": "voice"})
    return agent, agent_phone, agent_leg, marie, marie_phone, customer, customer_leg, interaction_id


async def offered(dialog, count: int, what: str) -> str:
    """The `count`-th session description the switch sent in this dialog."""
    await eventually(lambda: len(dialog.offers) >= count, what)
    return dialog.offers[count - 1]


CONSULT = """mutation($id: ID!, $t: ID!) { r: startConsultation(interactionId: $id, targetId: $t) {
  __typename ... on Interaction { id offers { id state } } ... on Error { code message } } }"""
COMPLETE = """mutation($id: ID!) { r: completeConsultation(consultationId: $id, as: TRANSFER) {
  __typename ... on Error { code message } } }"""
TRANSFER = """mutation($id: ID!, $t: ID!) { r: transfer(interactionId: $id, targetId: $t) {
  __typename ... on Error { code message } } }"""
DTMF = """mutation($id: ID!, $d: String!) { r: sendDtmf(interactionId: $id, digits: $d) {
  __typename ... on Error { code message } } }"""
ADD = """mutation($id: ID!, $t: ID!) { r: addToConference(interactionId: $id, targetId: $t) {
  __typename ... on UnsupportedOperationError { channel operation } } }"""


async def test_vox3_consultation_holds_the_customer_and_retrieve_bridges_back_on_the_phones(backline, api, client_for):
    from tests.e2e.desk import target_id
    admin = await client_for("admin")
    agent, agent_phone, agent_leg, marie, marie_phone, customer, customer_leg, iid = \
        await answered_on_phones(backline, admin, client_for)
    try:
        consult = (await agent.execute(CONSULT, {"id": str(iid), "t": await target_id(backline, "Marie Dupont")}))["r"]
        assert consult["__typename"] == "Interaction", consult
        # The customer is held (sendonly: the switch would play music), the agent's phone inactive.
        assert direction(await offered(customer_leg, 2, "the customer's hold")) == "sendonly"
        assert direction(await offered(agent_leg, 2, "the agent's hold")) == "inactive"
        # Marie's phone rings with the agent's media, answers: the agent's phone now talks to hers.
        marie_leg = await asyncio.wait_for(marie_phone.incoming.get(), 5)
        assert media_port(marie_leg.offers[0]) == agent_phone.rtp_port
        talking = await offered(agent_leg, 3, "the agent bridged to Marie")
        assert direction(talking) == "sendrecv" and media_port(talking) == marie_phone.rtp_port
        # End the consultation and retrieve: Marie hangs up, agent and customer talk again.
        done = (await agent.execute(BY_ID["endConsultationAndRetrieve"], {"id": consult["id"]}))["r"]
        assert done["__typename"] == "Interaction", done
        await asyncio.wait_for(marie_leg.ended.wait(), 5)
        back = await offered(agent_leg, 4, "the agent back with the customer")
        assert direction(back) == "sendrecv" and media_port(back) == customer.rtp_port
        retrieved = await offered(customer_leg, 3, "the customer retrieved")
        assert direction(retrieved) == "sendrecv" and media_port(retrieved) == agent_phone.rtp_port
    finally:
        for phone in (agent_phone, marie_phone, customer):
            phone.stop()


async def test_vox3_completing_the_consultation_re_invites_the_customer_to_the_consulted_phone(backline, api, client_for):
    from tests.e2e.desk import target_id
    admin = await client_for("admin")
    agent, agent_phone, agent_leg, marie, marie_phone, customer, customer_leg, iid = \
        await answered_on_phones(backline, admin, client_for)
    try:
        consult = (await agent.execute(CONSULT, {"id": str(iid), "t": await target_id(backline, "Marie Dupont")}))["r"]
        marie_leg = await asyncio.wait_for(marie_phone.incoming.get(), 5)
        await offered(agent_leg, 3, "the agent bridged to Marie")
        assert (await agent.execute(COMPLETE, {"id": consult["id"]}))["r"]["__typename"] == "Interaction"
        # The agent's phone is released; the customer's phone and Marie's now point at each other.
        await asyncio.wait_for(agent_leg.ended.wait(), 5)
        to_marie = await offered(customer_leg, 3, "the customer re-bridged")
        assert direction(to_marie) == "sendrecv" and media_port(to_marie) == marie_phone.rtp_port
        to_customer = await offered(marie_leg, 2, "Marie re-bridged")
        assert direction(to_customer) == "sendrecv" and media_port(to_customer) == customer.rtp_port
        view = await interaction_of(admin, iid)
        assert party_of(view, marie.me["id"])["state"] == "CONNECTED"
    finally:
        for phone in (agent_phone, marie_phone, customer):
            phone.stop()


async def test_vox3_single_step_transfer_and_dtmf_both_ways_on_the_real_legs(backline, api, client_for):
    from tests.e2e.desk import target_id
    admin = await client_for("admin")
    agent, agent_phone, agent_leg, marie, marie_phone, customer, customer_leg, iid = \
        await answered_on_phones(backline, admin, client_for)
    try:
        # DTMF from the API goes to the customer's phone (SIP INFO); the customer's keys reach the agent's phone.
        assert (await agent.execute(DTMF, {"id": str(iid), "d": "12#"}))["r"]["__typename"] == "Interaction"
        await eventually(lambda: customer_leg.digits == "12#", "the digits on the customer's phone")
        assert await customer.send_digit(customer_leg, "5") == 200
        await eventually(lambda: agent_leg.digits == "5", "the customer's digit on the agent's phone")
        # Single-step transfer: Marie's phone rings with the customer's media and answers.
        assert (await agent.execute(TRANSFER, {"id": str(iid), "t": await target_id(backline, "Marie Dupont")}))[
            "r"]["__typename"] == "Interaction"
        marie_leg = await asyncio.wait_for(marie_phone.incoming.get(), 5)
        assert media_port(marie_leg.offers[0]) == customer.rtp_port
        await asyncio.wait_for(agent_leg.ended.wait(), 5)
        # Held while the transfer rang, then re-INVITEd to Marie's phone.
        assert "sendonly" in [direction(o) for o in customer_leg.offers[1:]]
        await eventually(lambda: (direction(customer_leg.offers[-1]), media_port(customer_leg.offers[-1]))
                         == ("sendrecv", marie_phone.rtp_port), "the customer bridged to Marie")
    finally:
        for phone in (agent_phone, marie_phone, customer):
            phone.stop()


async def test_vox3_the_sip_switch_does_not_declare_conference_and_it_is_refused(backline, api, client_for):
    from tests.e2e.desk import target_id
    admin = await client_for("admin")
    agent, agent_phone, agent_leg, marie, marie_phone, customer, customer_leg, iid = \
        await answered_on_phones(backline, admin, client_for)
    try:
        refused = (await agent.execute(ADD, {"id": str(iid), "t": await target_id(backline, "Marie Dupont")}))["r"]
        assert refused == {"__typename": "UnsupportedOperationError", "channel": "voice", "operation": "conference"}
    finally:
        for phone in (agent_phone, marie_phone, customer):
            phone.stop()


@pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip is not installed (an optional extra check)")
async def test_vox1_baresip_registers_with_the_documented_configuration(backline, api, client_for, tmp_path):
    """docs/voice-sip.md's baresip account registers (only where Debian's baresip is installed)."""
    admin = await client_for("admin")
    agent = await client_for("agent")
    assert (await admin.execute(SET_CREDENTIALS, {"u": agent.me["id"], "p": "a-long-secret"}))["r"][
        "__typename"] == "ChannelCredentialsSet"
    host, port = server_of(backline)
    (tmp_path / "accounts").write_text(f"<sip:agent@{host}:{port}>;auth_pass=a-long-secret;regint=300;answermode=manual\n")
    (tmp_path / "config").write_text(f"sip_listen 127.0.0.1:{free_port()}\naudio_player nil\naudio_source nil\n"
                                     "module_path /usr/lib/baresip/modules\nmodule g711.so\nmodule account.so\n")
    phone = await asyncio.create_subprocess_exec("baresip", "-f", str(tmp_path), stdin=asyncio.subprocess.DEVNULL,
                                                 stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        switch = backline.channels.get("voice").switch
        await eventually(lambda: switch.registrar.binding_of(int(agent.me["id"])), "baresip's registration")
        assert (await agent.execute('mutation { logIn(channel: "voice", ready: true) { __typename } }'))[
            "logIn"]["__typename"] != "InvalidStateError"
    finally:
        phone.terminate()
        await phone.wait()
