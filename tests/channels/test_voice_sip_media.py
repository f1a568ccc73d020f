"""VOX3 with the media through the server (`media = "relay"`): real SIP and RTP over
loopback. The phones' session descriptions point at the relay, audio packets go between
bridged phones only, hold and a transfer's re-bridging are followed, and DTMF travels as
RFC 4733 telephone events both ways (heard by the switch on the way)."""

from __future__ import annotations

import asyncio
import random
import re
from contextlib import asynccontextmanager
from typing import NamedTuple

import pytest

from channels.voice.switch import LegKey
from tests.channels.sip_desk import customer_phone, eventually, softphone, with_sip
from tests.channels.test_voice_sip import COMPLETE, CONSULT, DTMF, READY, offered, routed_call
from tests.e2e.desk import BY_ID, ok, target_id
from tests.support.servers import free_port
from tests.support.sip_phone import Media, direction, media_port

PORTS = [31000, 31999]


@pytest.fixture
def config(settings):
    return with_sip(settings, media="relay", media_ports=PORTS)


def connection(sdp: str) -> str:
    return re.search(r"^c=IN IP4 (\S+)", sdp, re.M).group(1)


def relay_of(sdp: str) -> tuple[str, int]:
    """Where the phone is told to send its media."""
    return connection(sdp), media_port(sdp)


async def with_media(phone, host: str = "127.0.0.1") -> Media:
    return await Media().open(host, phone.rtp_port)


async def answered_with_media(backline, admin, client_for):
    """A customer call answered on the agent's phone; both phones with RTP sockets."""
    agent, agent_phone = await softphone(backline, admin, client_for, "agent", rtp_port=free_port())
    # The customer's phone numbers telephone events 96, the agent's 101: the relay translates.
    customer = await customer_phone(backline, rtp_port=free_port(), event_type=96)
    agent_media, customer_media = await with_media(agent_phone), await with_media(customer, "127.0.0.2")
    call, iid = await routed_call(backline, customer)
    agent_leg = await asyncio.wait_for(agent_phone.incoming.get(), 5)
    customer_leg, status = await asyncio.wait_for(call, 5)
    assert status == 200
    return agent, agent_phone, agent_media, agent_leg, customer, customer_media, customer_leg, iid


class ThreeParties(NamedTuple):
    agent: object
    agent_media: Media
    agent_leg: object
    customer_media: Media
    customer_leg: object
    iid: int
    marie_phone: object
    marie_media: Media
    switch: object


@asynccontextmanager
async def three_parties(backline, client_for):
    """A customer call answered with media (answered_with_media), and Marie's phone with an
    RTP socket, ready to be brought in; every socket and phone closed afterwards."""
    admin = await client_for("admin")
    agent, agent_phone, agent_media, agent_leg, customer, customer_media, customer_leg, iid = \
        await answered_with_media(backline, admin, client_for)
    _, marie_phone = await softphone(backline, admin, client_for, "marie.dupont", rtp_port=free_port())
    marie_media = await with_media(marie_phone)
    try:
        yield ThreeParties(agent, agent_media, agent_leg, customer_media, customer_leg, iid, marie_phone,
                           marie_media, backline.channels.get("voice").switch)
    finally:
        for media in (agent_media, customer_media, marie_media):
            media.close()
        for phone in (agent_phone, marie_phone, customer):
            phone.stop()


def labels(media: Media) -> set[bytes]:
    return {payload.rstrip(b"\xff") for payload in media.payloads(0)}


async def until_received(sender: Media, to, label: bytes, receiver: Media, what: str) -> None:
    """Sends `label` until it arrives (the bridge is set once the phones answered the
    re-INVITEs; a packet before it is dropped, as media before a bridge is)."""
    async def arrived():
        if label in labels(receiver):
            return True
        sender.send_audio(to, label)
        receiver.arrived.clear()
        try:
            await asyncio.wait_for(receiver.arrived.wait(), 0.2)
        except asyncio.TimeoutError:
            pass
        return label in labels(receiver)
    await eventually(arrived, what)


async def test_vox3_relayed_media_goes_between_the_bridged_phones_and_rfc4733_dtmf_both_ways(
        backline, api, client_for):
    admin = await client_for("admin")
    agent, agent_phone, agent_media, agent_leg, customer, customer_media, customer_leg, iid = \
        await answered_with_media(backline, admin, client_for)
    switch = backline.channels.get("voice").switch
    try:
        # Each phone is told to send to the relay, on a port of its own leg, not to the other phone.
        to_agent_relay, to_customer_relay = relay_of(agent_leg.offers[0]), relay_of(customer_leg.offers[0])
        assert to_agent_relay[0] == to_customer_relay[0] == "127.0.0.1"
        assert to_agent_relay[1] != to_customer_relay[1]
        assert all(PORTS[0] <= port <= PORTS[1] and port % 2 == 0 for _, port in (to_agent_relay, to_customer_relay))
        assert customer.rtp_port not in (to_agent_relay[1], to_customer_relay[1])
        # Audio goes through, both ways, from the relay's port of the other leg.
        await until_received(customer_media, to_customer_relay, b"from the customer", agent_media, "customer audio")
        await until_received(agent_media, to_agent_relay, b"from the agent", customer_media, "agent audio")
        assert {addr for addr, _ in agent_media.received} == {to_agent_relay}
        # The customer presses 5 (RFC 4733): the switch hears it and the agent's phone gets the
        # events, under its own payload type.
        customer_media.send_key(to_customer_relay, "5", payload_type=96)
        await eventually(lambda: agent_media.keys() == "5", "the key press on the agent's phone")
        assert switch.legs[LegKey("customer", iid)].media.heard == "5"
        assert customer_leg.digits == agent_leg.digits == ""  # no SIP INFO was needed
        # sendDtmf from the API: telephone events to the customer's phone, one press per digit.
        assert (await agent.execute(DTMF, {"id": str(iid), "d": "12#"}))["r"]["__typename"] == "Interaction"
        await eventually(lambda: customer_media.keys(96) == "12#", "the digits on the customer's phone", timeout=10)
        # A phone that sends SIP INFO is relayed as telephone events too.
        assert await agent_phone.send_digit(agent_leg, "9") == 200
        await eventually(lambda: customer_media.keys(96) == "12#9", "the agent's INFO as events")
        # What is not RTP is dropped, a truncated telephone event is no digit; the relay goes on.
        leg_media = switch.legs[LegKey("customer", iid)].media
        dropped, heard = leg_media.dropped, leg_media.heard
        fuzz = random.Random(4733)
        junk = [bytes(fuzz.randrange(256) for _ in range(fuzz.randrange(1, 40))) for _ in range(150)]
        junk = [b for b in junk if len(b) < 12 or b[0] >> 6 != 2] + [b"\x80\x60\x00\x01" + b"\x00" * 8 + b"\x05"]
        for datagram in junk:
            customer_media.transport.sendto(datagram, to_customer_relay)
        await eventually(lambda: leg_media.dropped == dropped + len(junk) - 1, "the junk read")
        assert leg_media.heard == heard
        await until_received(customer_media, to_customer_relay, b"still talking", agent_media, "audio after junk")
        # The customer hangs up: both legs' relay ports are closed.
        assert len(switch.relay.open_legs) == 2
        assert await customer.hang_up(customer_leg) == 200
        await eventually(lambda: not switch.relay.open_legs, "the relay ports closed")
    finally:
        for media in (agent_media, customer_media):
            media.close()
        for phone in (agent_phone, customer):
            phone.stop()


async def test_vox3_relayed_media_follows_hold_and_the_transfer_re_bridging(backline, api, client_for):
    admin = await client_for("admin")
    agent, agent_phone, agent_media, agent_leg, customer, customer_media, customer_leg, iid = \
        await answered_with_media(backline, admin, client_for)
    marie, marie_phone = await softphone(backline, admin, client_for, "marie.dupont", ready=False,
                                         rtp_port=free_port())
    marie_media = await with_media(marie_phone)
    switch = backline.channels.get("voice").switch
    try:
        to_customer_relay = relay_of(customer_leg.offers[0])
        customer_media_leg = switch.legs[LegKey("customer", iid)].media
        # Held: the customer's audio goes nowhere; retrieved: it reaches the agent again.
        await ok(agent, BY_ID["hold"], id=str(iid))
        assert direction(await offered(customer_leg, 2, "the customer's hold")) == "sendonly"
        await eventually(lambda: switch.leg_state(LegKey("customer", iid)).value == "held", "the hold applied")
        dropped = customer_media_leg.dropped
        customer_media.send_audio(to_customer_relay, b"on hold")
        await eventually(lambda: customer_media_leg.dropped == dropped + 1, "the held customer's packet")
        await ok(agent, BY_ID["retrieve"], id=str(iid))
        assert direction(await offered(customer_leg, 3, "the customer retrieved")) == "sendrecv"
        await until_received(customer_media, to_customer_relay, b"retrieved", agent_media, "audio after retrieve")
        await marie.execute('mutation { logIn(channel: "voice") { __typename } }')
        await marie.execute(READY, {"c": "voice"})
        consult = (await agent.execute(CONSULT, {"id": str(iid), "t": await target_id(backline, "Marie Dupont")}))["r"]
        assert direction(await offered(customer_leg, 4, "the customer's hold")) == "sendonly"
        marie_leg = await asyncio.wait_for(marie_phone.incoming.get(), 5)
        to_marie = await offered(agent_leg, 5, "the agent bridged to Marie")
        # The customer, held again, is not heard by either; the agent talks with Marie through the relay.
        await eventually(lambda: switch.leg_state(LegKey("customer", iid)).value == "held", "the hold applied")
        dropped = customer_media_leg.dropped
        customer_media.send_audio(to_customer_relay, b"on hold")
        await eventually(lambda: customer_media_leg.dropped == dropped + 1, "the held customer's packet")
        await until_received(agent_media, relay_of(to_marie), b"agent to marie", marie_media,
                             "the consultation's audio")
        # Completed as a transfer: the customer's packets now reach Marie's phone, and hers the customer's.
        assert (await agent.execute(COMPLETE, {"id": consult["id"]}))["r"]["__typename"] == "Interaction"
        await asyncio.wait_for(agent_leg.ended.wait(), 5)
        assert direction(await offered(customer_leg, 5, "the customer re-bridged")) == "sendrecv"
        assert relay_of(customer_leg.offers[4]) == to_customer_relay  # the customer's phone keeps its relay port
        await until_received(customer_media, to_customer_relay, b"customer to marie", marie_media, "transferred audio")
        marie_relay = relay_of(marie_leg.offers[-1])
        await until_received(marie_media, marie_relay, b"marie to customer", customer_media, "Marie's audio")
        assert b"on hold" not in labels(marie_media) | labels(agent_media)
    finally:
        for media in (agent_media, customer_media, marie_media):
            media.close()
        for phone in (agent_phone, marie_phone, customer):
            phone.stop()


ADD = """mutation($id: ID!, $t: ID!) { r: addToConference(interactionId: $id, targetId: $t) {
  __typename ... on Error { code message } } }"""


def near(levels: list[int], level: int) -> bool:
    """A packet at about `level` (G.711 keeps ~3 significant bits: a few percent off)."""
    return any(abs(heard - level) <= level * 0.06 + 16 for heard in levels)


async def test_vox3_with_the_relay_a_conference_mixes_everyone_for_everyone(backline, api, client_for):
    async with three_parties(backline, client_for) as (agent, agent_media, agent_leg, customer_media, customer_leg,
                                                       iid, marie_phone, marie_media, switch):
        added = (await agent.execute(ADD, {"id": str(iid), "t": await target_id(backline, "Marie Dupont")}))["r"]
        assert added["__typename"] == "Interaction", added
        marie_leg = await asyncio.wait_for(marie_phone.incoming.get(), 5)
        # Marie answered: each of the three phones is re-INVITEd to the mixer, on its own relay port.
        legs = {"customer": customer_leg, "agent": agent_leg, "marie": marie_leg}
        for name, dialog in legs.items():
            await eventually(lambda: "RTP/AVP 0 8 101" in dialog.offers[-1], f"{name} in the mixer")
        ports = {name: relay_of(dialog.offers[-1]) for name, dialog in legs.items()}
        assert len(set(ports.values())) == 3
        await eventually(lambda: len(switch.relay.rooms.get(iid).members) == 3 if iid in switch.relay.rooms else False,
                         "the three legs mixed")
        # The customer speaks at 1000, the agent at 2000, Marie is silent: each hears the others' sum.
        async def mixed():
            customer_media.send_tone(ports["customer"], 1000)
            agent_media.send_tone(ports["agent"], 2000)
            await asyncio.sleep(0.01)  # paced like audio (20 ms for the two of them)
            return near(marie_media.levels(), 3000) and near(customer_media.levels(), 2000) and \
                near(agent_media.levels(), 1000)
        await eventually(mixed, "the mix on every phone")
        assert not near(customer_media.levels(), 3000) and not near(agent_media.levels(), 3000)  # never oneself
        # Marie leaves (hangs up): the two others are bridged again, out of the mixer.
        assert await marie_phone.hang_up(marie_leg) == 200
        await eventually(lambda: iid not in switch.relay.rooms, "the conference over")
        await eventually(lambda: relay_of(customer_leg.offers[-1]) == ports["customer"]
                         and "RTP/AVP 0 8 101" not in customer_leg.offers[-1], "the customer bridged again")
        await until_received(customer_media, ports["customer"], b"two again", agent_media, "the two-party audio")


def test_vox3_the_mixers_g711_is_the_standard_one_on_every_sample():
    """The pure-Python tables against the standard library's `audioop` where it still
    exists (Python < 3.13; the mixer does not depend on it)."""
    import struct
    import warnings

    from channels.voice.sip import g711
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    samples = list(range(-32768, 32768))
    linear = struct.pack(f"<{len(samples)}h", *samples)
    assert g711.encode(g711.PCMU, samples) == audioop.lin2ulaw(linear, 2)
    assert g711.encode(g711.PCMA, samples) == audioop.lin2alaw(linear, 2)
    assert struct.pack("<256h", *g711.DECODE[g711.PCMU]) == audioop.ulaw2lin(bytes(range(256)), 2)
    assert struct.pack("<256h", *g711.DECODE[g711.PCMA]) == audioop.alaw2lin(bytes(range(256)), 2)


def test_vox3_media_is_direct_by_default_and_a_bad_media_option_is_refused_at_start():
    from channels.voice.sip.options import SipOptions
    from channels.voice.sip.switch import SipSwitch
    from core.channels import Operation
    from core.errors import ConfigurationError

    assert SipOptions.parse({}).media == "direct"
    direct, relayed = SipSwitch(), SipSwitch()
    direct.configure({})
    relayed.configure({"media": "relay"})
    assert Operation.CONFERENCE not in direct.operations and Operation.CONFERENCE in relayed.operations
    assert Operation.VOICEMAIL not in relayed.operations  # no recorder
    for bad in ({"media": "mixed"}, {"media_ports": [30000]}, {"media_ports": [30000, 30001]}, {"media_host": 1}):
        with pytest.raises(ConfigurationError):
            SipOptions.parse(bad)


COMPLETE_AS_CONFERENCE = """mutation($id: ID!) { r: completeConsultation(consultationId: $id, as: CONFERENCE) {
  __typename ... on Error { code message } } }"""


async def test_vox3_with_the_relay_a_consultation_completed_as_a_conference_is_mixed(backline, api, client_for):
    async with three_parties(backline, client_for) as (agent, agent_media, agent_leg, customer_media, customer_leg,
                                                       iid, marie_phone, marie_media, switch):
        consult = (await agent.execute(CONSULT, {"id": str(iid), "t": await target_id(backline, "Marie Dupont")}))["r"]
        marie_leg = await asyncio.wait_for(marie_phone.incoming.get(), 5)
        await offered(agent_leg, 3, "the agent bridged to Marie")
        done = (await agent.execute(COMPLETE_AS_CONFERENCE, {"id": consult["id"]}))["r"]
        assert done["__typename"] == "Interaction", done
        await eventually(lambda: iid in switch.relay.rooms and len(switch.relay.rooms[iid].members) == 3,
                         "the three legs mixed")
        ports = {name: relay_of(dialog.offers[-1]) for name, dialog in
                 (("customer", customer_leg), ("agent", agent_leg), ("marie", marie_leg))}

        async def mixed():
            marie_media.send_tone(ports["marie"], 1500)
            customer_media.send_tone(ports["customer"], 500)
            await asyncio.sleep(0.01)  # paced like audio
            return near(agent_media.levels(), 2000) and near(customer_media.levels(), 1500)
        await eventually(mixed, "the mix")


async def test_vox3_with_the_relay_a_phone_without_telephone_events_gets_its_digits_as_sip_info(
        backline, api, client_for):
    admin = await client_for("admin")
    agent, agent_phone = await softphone(backline, admin, client_for, "agent", rtp_port=free_port())
    customer = await customer_phone(backline, rtp_port=free_port(), event_type=None)
    agent_media = await with_media(agent_phone)
    try:
        call, iid = await routed_call(backline, customer)
        agent_leg = await asyncio.wait_for(agent_phone.incoming.get(), 5)
        customer_leg, status = await asyncio.wait_for(call, 5)
        assert status == 200 and "telephone-event" not in agent_leg.offers[0]
        await eventually(lambda: backline.channels.get("voice").switch.leg_state(LegKey("agent", int(agent.me["id"])))
                         .value == "up" and customer_leg.answered.is_set(), "the call up")
        # The agent's phone presses 7 in its media: the customer's phone gets SIP INFO.
        async def pressed():
            agent_media.send_key(relay_of(agent_leg.offers[0]), "7")
            await asyncio.sleep(0.05)  # a key press takes its time
            return "7" in customer_leg.digits
        await eventually(pressed, "the agent's key as INFO")
        # sendDtmf to it: SIP INFO too.
        assert (await agent.execute(DTMF, {"id": str(iid), "d": "12"}))["r"]["__typename"] == "Interaction"
        await eventually(lambda: customer_leg.digits.endswith("12"), "the API's digits as INFO")
    finally:
        agent_media.close()
        for phone in (agent_phone, customer):
            phone.stop()


def test_vox3_a_relayed_sdp_leaves_no_way_around_the_relay():
    from channels.voice.sip.sdp import relayed
    phone = ("v=0\r\no=x 1 1 IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\n"
             "a=rtpmap:101 telephone-event/8000\r\na=rtcp:4001\r\na=ice-ufrag:abcd\r\n"
             "a=candidate:1 1 UDP 2130706431 10.0.0.1 4000 typ host\r\na=sendrecv\r\nm=video 0 RTP/AVP 96\r\n")
    sdp = relayed(phone, "192.0.2.5", 20000)
    assert "10.0.0.1" not in sdp.replace("o=x 1 1 IN IP4 10.0.0.1", "") and "a=ice" not in sdp
    assert "m=audio 20000 RTP/AVP 0 101" in sdp and "a=rtpmap:101 telephone-event/8000" in sdp
    assert "m=video 0 " in sdp  # a refused stream stays refused
