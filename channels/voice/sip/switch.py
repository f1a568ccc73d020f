"""The SIP switch (VOX1-VOX4): a registrar for the agents' softphones and a signalling-only
back-to-back user agent for customer calls from a trunk, on the server's own event loop.

Bridging two legs hands each phone the other's session description (re-INVITE), hold
re-INVITEs a leg `sendonly` (the customer) or `inactive` (an agent). With `media = "direct"`
the media goes phone to phone: there is no mixer, so conference is not declared (VOX3) and
the engine refuses it (CH4). With `media = "relay"` each description points at the leg's
relay ports (channels.voice.sip.relay): RTP goes through the server, DTMF is RFC 4733 too,
and three or more talking legs are mixed (conference declared). There is no recorder in
either mode: voicemail deposit is not declared.

What happens on the phones is told to `events` (channels.voice.legs.CallLegs), which turns
it into the engine's acts: a 200 OK is acceptOffer, a BYE is a hang-up, a refusal or a
phone that stays silent is a decline (the offer goes to the next agent, VOX4)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from channels.voice.sip import sdp as sdp_text
from channels.voice.sip.legs import Leg
from channels.voice.sip.message import (
    Message, host_port, new_branch, new_tag, response_to, uri_of, user_of,
)
from channels.voice.sip.options import DEFAULTS, SipOptions
from channels.voice.sip.registrar import Registrar
from channels.voice.sip.relay import LegMedia, MediaRelay
from channels.voice.sip.transactions import Transactions
from channels.voice.sip.transport import Peer, Transport
from channels.voice.switch import LegKey, LegState, Switch
from core.channels import Operation
from core.errors import BacklineError, NotFound

if TYPE_CHECKING:
    from core.channels import Channel
    from core.channel_services import ChannelServices

log = logging.getLogger("backline.voice.sip")

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER"
_SIGNAL = re.compile(r"^\s*signal\s*=\s*([0-9*#A-Da-d])\s*$", re.I | re.M)


class PhoneEvents(Protocol):
    async def incoming(self, caller: str, caller_name: str, destination: str, number: str) -> int: ...
    async def placed(self, interaction_id: int) -> None: ...
    async def answered(self, user_id: int) -> None: ...
    async def refused(self, user_id: int, why: str) -> None: ...
    async def hung_up(self, leg: LegKey) -> None: ...
    async def unregistered(self, user_id: int) -> None: ...


class SipSwitch(Switch):
    name = "sip"
    operations = frozenset({Operation.CONSULT, Operation.TRANSFER, Operation.HOLD, Operation.DTMF})
    carries_calls = True
    option_names = frozenset(DEFAULTS)

    def __init__(self) -> None:
        self.options = SipOptions()
        self.events: PhoneEvents | None = None
        self.channel: "Channel | None" = None
        self.transport: Transport | None = None
        self.registrar: Registrar | None = None
        self.transactions: Transactions | None = None
        self.legs: dict[LegKey, Leg] = {}
        self._by_call_id: dict[str, Leg] = {}
        self._digits: dict[int, str] = {}
        self._tasks: set[asyncio.Task] = set()
        self._trunk_timer = None
        self.dtmf_relayed = 0
        self.relay: MediaRelay | None = None

    def configure(self, options: Mapping[str, Any]) -> None:
        self.options = SipOptions.parse(options)
        # The relay mixes G.711 (channels.voice.sip.relay.Room): conference is declared with it only.
        self.operations = SipSwitch.operations | ({Operation.CONFERENCE} if self.options.relay else set())

    @property
    def mixes(self) -> bool:
        return self.options.relay

    @property
    def port(self) -> int | None:
        return self.transport.port if self.transport is not None and self.transport.listening else None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, services: "ChannelServices", channel: "Channel | None" = None) -> None:
        self.channel, self.clock = channel, services.clock
        self.registrar = Registrar(services.store, services.clock, self.options.realm,
                                   self.options.registration_max_seconds, self._unregistered)
        transport = Transport(self.options.host, self.options.port, self._receive, tcp=self.options.tcp)
        try:
            port = await transport.start()
        except OSError as exc:  # the port is taken: the rest of the server still runs
            log.error("SIP: cannot listen on %s:%s (%s); voice has no switch", self.options.host,
                      self.options.port, exc)
            return
        self.transport = transport
        self.transactions = Transactions(transport)
        if self.options.relay:
            self.relay = MediaRelay(self.options.media_host, self.options.media_ports, self._route, self._heard)
        log.info("SIP: listening on %s:%s (UDP%s)", self.options.host, port, " and TCP" if transport.has_tcp else "")
        if self.options.trunk_address is not None:
            self._trunk_timer = self.clock.call_later(self.options.trunk_ping_seconds, self._ping_trunk)

    async def stop(self) -> None:
        if self._trunk_timer is not None:
            self._trunk_timer.cancel()
        for leg in list(self.legs.values()):
            if leg.state in (LegState.UP, LegState.HELD) and self.transport is not None:
                self._send_in_dialog(leg, "BYE")  # best effort: the phones stop talking to nobody
            self._forget(leg)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.registrar is not None:
            self.registrar.clear()
        if self.relay is not None:
            self.relay.close_all()
        if self.transport is not None:
            await self.transport.stop()
            self.transport = None

    async def why_not_ready(self, user_id: int) -> str | None:
        if self.registrar is None or self.registrar.binding_of(user_id) is None:
            return "Your softphone is not registered: voice needs it to ring you."
        return None

    # -- the switch's operations (channels.voice.switch) ----------------------------------

    def leg_state(self, leg: LegKey) -> LegState:
        found = self.legs.get(leg)
        return found.state if found is not None else LegState.GONE

    def digits_to_send(self, party_id: int, digits: str) -> None:
        self._digits[party_id] = digits

    def take_digits(self, party_id: int) -> str | None:
        return self._digits.pop(party_id, None)

    def bridged_to(self, leg: LegKey) -> LegKey | None:
        found = self.legs.get(leg)
        return found.bridged_to if found is not None else None

    async def ring(self, leg: LegKey, media_from: LegKey | None, auto_answer: bool = False) -> None:
        existing = self.legs.get(leg)
        if existing is not None:
            if existing.state is LegState.RINGING and auto_answer and not existing.auto_answer:
                # Accepted through the API while the phone rings: ring again, asking it to answer.
                self._cancel(existing)
            else:
                return
        binding = self.registrar.binding_of(leg.id) if self.registrar else None
        if binding is None or self.transport is None:
            self._spawn(self.events.refused(leg.id, "the softphone is not registered"))
            return
        source = self.legs.get(media_from) if media_from else None
        local = f"<sip:backline@{self.options.host}:{self.transport.port}>;tag={new_tag()}"
        new = Leg(key=leg, call_id=f"{new_tag()}{new_tag()}@backline", local=local, remote=f"<{binding.contact}>",
                  target=binding.contact, peer=binding.peer, incoming=False, auto_answer=auto_answer)
        body = self._offer_for(new, source, "sendrecv")
        invite = new.request("INVITE", self._via(binding.peer), self._contact, body=body.encode(),
                             content_type="application/sdp", cseq=1)
        if auto_answer:
            invite.set("call-info", f"<sip:{self.options.host}>;answer-after=0")
        new.invite, new.offered = invite, body
        new.applied = (str(media_from) if source else None, "sendrecv")
        new.bridged_to = media_from if source else None
        self.legs[leg] = new
        self._by_call_id[new.call_id] = new
        new.ringing = self.transactions.start(invite, binding.peer)
        new.timer = self.clock.call_later(self.options.phone_timeout_seconds, lambda: self._phone_silent(new))
        self._spawn(self._await_answer(new))

    async def answer(self, leg: LegKey, media_from: LegKey) -> None:
        await self._apply(leg, media_from, "sendrecv")

    async def connect(self, leg: LegKey, media_from: LegKey) -> None:
        await self._apply(leg, media_from, "sendrecv")

    async def bridge(self, a: LegKey, b: LegKey) -> None:
        await asyncio.gather(self._apply(a, b, "sendrecv"), self._apply(b, a, "sendrecv"))

    async def hold(self, leg: LegKey, direction: str) -> None:
        await self._apply(leg, None, direction)

    async def join(self, key: LegKey, room: object) -> None:
        """Mixes the leg in a conference: re-INVITEd with the mixer's own SDP on its relay port."""
        leg = self.legs.get(key)
        if leg is None or self.relay is None:
            return
        async with leg.lock:
            want = (f"room:{room}", "sendrecv")
            if leg.state not in (LegState.UP, LegState.HELD) or leg.applied == want or self.transport is None:
                return
            media = self._media_for(leg)
            if media is None:
                return
            body = sdp_text.mixer(self.options.media_host, media.port, leg.session_id, leg.next_version())
            request = leg.request("INVITE", self._via(leg.peer), self._contact, body=body.encode(),
                                  content_type="application/sdp")
            response = await self.transactions.request(request, leg.peer)
            self._ack(leg, request, response)
            if 200 <= response.status < 300 and leg.state is not LegState.GONE:
                if response.sdp:
                    self._learn(leg, response.sdp)
                leg.offered, leg.applied, leg.bridged_to, leg.state = body, want, None, LegState.UP
                self.relay.join(media, room)
            else:
                log.warning("SIP: re-INVITE of %s into the conference answered %s", key, response.status)

    async def release(self, leg: LegKey) -> None:
        found = self.legs.get(leg)
        if found is None:
            return
        if found.state is LegState.RINGING:
            if found.incoming:
                self.transactions.answer(found.invite, response_to(found.invite, 480, to_tag=self._tag(found)),
                                         found.peer)
            else:
                self._cancel(found)
        elif found.state is not LegState.GONE and not found.hung_up_by_phone:
            self._send_in_dialog(found, "BYE")
        self._forget(found)

    async def send_dtmf(self, leg: LegKey, digits: str) -> None:
        found = self.legs.get(leg)
        if found is None or found.state is LegState.GONE or found.state is LegState.RINGING:
            return
        if self.relay is not None and found.media is not None and await self.relay.send_digits(found.media, digits):
            return  # RFC 4733 in the media: the phone takes telephone events
        await self._send_info(found, digits)

    async def _send_info(self, found: Leg, digits: str) -> None:
        for digit in digits:  # SIP INFO, one digit each (application/dtmf-relay)
            request = found.request("INFO", self._via(found.peer), self._contact,
                                    body=f"Signal={digit}\r\nDuration=160\r\n".encode(),
                                    content_type="application/dtmf-relay")
            await self.transactions.request(request, found.peer)

    # -- applying a leg's media ------------------------------------------------------------

    def _offer_for(self, leg: Leg | None, source: Leg | None, direction: str) -> str:
        session_id = leg.session_id if leg else 1
        version = leg.next_version() if leg else 1
        if source is not None and source.remote_sdp:
            body = sdp_text.rewrite(source.remote_sdp, direction, session_id, version)
        elif leg is not None and leg.offered:
            body = sdp_text.rewrite(leg.offered, direction, session_id, version)
        else:
            return sdp_text.placeholder(self.options.host, session_id)
        media = self._media_for(leg)
        # Relayed: the phone sends to its leg's relay port; the other phone's codecs stay.
        return sdp_text.relayed(body, self.options.media_host, media.port) if media is not None else body

    # -- the media relay (media = "relay") -------------------------------------------------

    def _media_for(self, leg: Leg | None) -> LegMedia | None:
        if self.relay is None or leg is None:
            return None
        if leg.media is None:
            try:
                leg.media = self.relay.open(leg.key)
            except OSError as exc:  # no ports left: this leg's media goes phone to phone
                log.error("SIP: no relay ports for %s (%s)", leg.key, exc)
                return None
            self.relay.learn(leg.media, leg.remote_sdp)
        return leg.media

    def _learn(self, leg: Leg, phone_sdp: str) -> None:
        leg.remote_sdp = phone_sdp
        if self.relay is not None:
            self.relay.learn(leg.media, phone_sdp)

    def _route(self, media: LegMedia) -> LegMedia | None:
        """Where a packet from this leg's phone goes: the leg it is bridged with, both up."""
        leg = self.legs.get(media.key)
        if leg is None or leg.media is not media or leg.state is not LegState.UP or leg.bridged_to is None:
            return None
        peer = self.legs.get(leg.bridged_to)
        if peer is None or peer.state is not LegState.UP or peer.bridged_to != leg.key:
            return None
        return peer.media

    def _heard(self, media: LegMedia, peer: LegMedia | None, digit: str) -> None:
        """A digit from a phone in its media (RFC 4733); a peer without telephone events gets it as INFO."""
        self.dtmf_relayed += 1
        if peer is not None and peer.event_type is None:
            found = self.legs.get(peer.key)
            if found is not None and found.media is peer:
                self._spawn(self._send_info(found, digit))

    async def _apply(self, key: LegKey, media_from: LegKey | None, direction: str) -> None:
        leg = self.legs.get(key)
        if leg is None:
            return
        async with leg.lock:
            source = self.legs.get(media_from) if media_from else None
            want = (str(media_from) if media_from else (leg.applied[0] if leg.applied else None), direction)
            if leg.state is LegState.GONE or leg.applied == want or self.transport is None:
                return
            if leg.state is LegState.RINGING:
                if leg.incoming and direction == "sendrecv" and source is not None and source.remote_sdp:
                    body = self._offer_for(leg, source, "sendrecv")
                    ok = response_to(leg.invite, 200, to_tag=self._tag(leg), body=body.encode(),
                                     content_type="application/sdp")
                    ok.set("contact", self._contact)
                    self.transactions.answer(leg.invite, ok, leg.peer)
                    leg.offered, leg.applied, leg.bridged_to, leg.state = body, want, media_from, LegState.UP
                    self._spawn(self._until_acknowledged(leg, ok))
                return  # an agent's phone that still rings cannot be re-offered
            if media_from is None and leg.bridged_to is not None:
                source = self.legs.get(leg.bridged_to)
            body = self._offer_for(leg, source, direction)
            request = leg.request("INVITE", self._via(leg.peer), self._contact, body=body.encode(),
                                  content_type="application/sdp")
            response = await self.transactions.request(request, leg.peer)
            self._ack(leg, request, response)
            if 200 <= response.status < 300:
                if response.sdp:
                    self._learn(leg, response.sdp)
                leg.offered, leg.applied = body, want
                if self.relay is not None:
                    self.relay.leave(leg.media)  # bridged or held: out of any conference
                if media_from is not None:
                    leg.bridged_to = media_from
                leg.state = LegState.UP if direction == "sendrecv" else LegState.HELD
            else:
                log.warning("SIP: re-INVITE of %s answered %s", key, response.status)

    # -- our INVITEs to the agents' phones -------------------------------------------------

    async def _await_answer(self, leg: Leg) -> None:
        response = await leg.ringing.final
        leg.ringing = None
        if leg.timer is not None:
            leg.timer.cancel()
        self._ack(leg, leg.invite, response)
        if self.legs.get(leg.key) is not leg:  # cancelled meanwhile (a 487, or a late 200)
            if 200 <= response.status < 300:
                leg.remote = response.get("to") or leg.remote
                leg.target = uri_of(response.get("contact") or "") or leg.target
                self._send_in_dialog(leg, "BYE")
            return
        if 200 <= response.status < 300:
            leg.remote = response.get("to") or leg.remote
            leg.target = uri_of(response.get("contact") or "") or leg.target
            self._learn(leg, response.sdp)
            leg.state = LegState.UP
            await self.events.answered(leg.key.id)
        else:
            self._forget(leg)
            await self.events.refused(leg.key.id, f"the softphone answered {response.status}")

    async def _until_acknowledged(self, leg: Leg, ok: Message) -> None:
        """Our 2xx to an INVITE is sent again until its ACK comes (RFC 3261 §13.3.1.4)."""
        interval, waited = 0.5, 0.0
        while waited < 32 and leg.state is not LegState.GONE and self.transport is not None:
            await asyncio.sleep(interval)
            waited += interval
            if leg.acknowledged:
                return
            if leg.peer.kind == "udp":
                self.transport.send(ok, leg.peer)
            interval = min(interval * 2, 4.0)

    async def _phone_silent(self, leg: Leg) -> None:
        """Not even ringing after `phone_timeout_seconds`: the phone is gone (VOX4)."""
        if leg.ringing is not None and not leg.ringing.provisional:
            log.warning("SIP: the softphone of user %s does not answer", leg.key.id)
            leg.ringing.give_up(408)

    def _cancel(self, leg: Leg) -> None:
        if leg.ringing is not None and leg.invite is not None:
            cancel = Message(method="CANCEL", uri=leg.invite.uri, headers=[
                (k, v) for k, v in leg.invite.headers if k in ("via", "max-forwards", "from", "to", "call-id")])
            cancel.set("cseq", f"{leg.invite.cseq[0]} CANCEL")
            if leg.ringing.provisional:  # a CANCEL only once the phone has answered something (RFC 3261 §9.1)
                self._spawn(self.transactions.request(cancel, leg.peer))
            else:
                leg.ringing.give_up(487)
        self._forget(leg)

    def _ack(self, leg: Leg, invite: Message, response: Message) -> None:
        if response.status < 200 or invite.method != "INVITE" or leg.incoming:
            return
        if response.status >= 300:  # a non-2xx is acknowledged within its transaction
            ack = Message(method="ACK", uri=invite.uri, headers=[
                (k, v) for k, v in invite.headers if k in ("via", "max-forwards", "from", "call-id")])
            ack.set("to", response.get("to") or invite.get("to") or "")
        else:
            remote = response.get("to") or leg.remote
            target = uri_of(response.get("contact") or "") or leg.target
            ack = Message(method="ACK", uri=target, headers=[
                ("via", f"{self._via(leg.peer)};branch={new_branch()};rport"), ("max-forwards", "70"),
                ("from", leg.local), ("to", remote), ("call-id", leg.call_id)])
        ack.set("cseq", f"{invite.cseq[0]} ACK")
        self.transport.send(ack, leg.peer)

    # -- what arrives ----------------------------------------------------------------------

    def _receive(self, message: Message, peer: Peer) -> None:
        if not message.is_request:
            if not self.transactions.response_arrived(message) and 200 <= message.status < 300:
                # A 2xx retransmitted after its transaction: acknowledge it again.
                leg = self._by_call_id.get(message.call_id)
                if leg is not None and leg.invite is not None and not leg.incoming:
                    self._ack(leg, leg.invite, message)
            return
        if self.transactions.retransmission(message, peer):
            return
        self._spawn(self._handle(message, peer))

    async def _handle(self, request: Message, peer: Peer) -> None:
        try:
            await self._dispatch(request, peer)
        except Exception:  # a bug of ours: the phone gets a 500, the switch goes on
            log.exception("SIP: %s from %s failed", request.method, peer.address)
            if request.method != "ACK":
                self.transactions.answer(request, response_to(request, 500), peer)

    async def _dispatch(self, request: Message, peer: Peer) -> None:
        method = request.method
        if method == "ACK":
            leg = self._by_call_id.get(request.call_id)
            if leg is not None:
                leg.acknowledged = True
            return
        if method == "REGISTER":
            self.transactions.answer(request, await self.registrar.register(request, peer), peer)
            return
        if method == "OPTIONS":
            ok = response_to(request, 200, to_tag=new_tag())
            ok.set("allow", ALLOW)
            self.transactions.answer(request, ok, peer)
            return
        leg = self._by_call_id.get(request.call_id)
        if method == "INVITE" and leg is None and not request.to_tag:
            await self._new_call(request, peer)
            return
        if leg is None:
            status = 481 if method in ("BYE", "CANCEL", "INFO", "INVITE") else 405
            self.transactions.answer(request, response_to(request, status), peer)
            return
        if method == "BYE":
            self.transactions.answer(request, response_to(request, 200), peer)
            leg.hung_up_by_phone = True
            self._forget(leg)
            await self.events.hung_up(leg.key)
        elif method == "CANCEL":
            self.transactions.answer(request, response_to(request, 200), peer)
            if leg.incoming and leg.state is LegState.RINGING:
                self.transactions.answer(leg.invite, response_to(leg.invite, 487, to_tag=self._tag(leg)), peer)
                leg.hung_up_by_phone = True
                self._forget(leg)
                await self.events.hung_up(leg.key)
        elif method == "INFO":
            self.transactions.answer(request, response_to(request, 200), peer)
            digits = self._digits_in(request)
            if digits and leg.bridged_to is not None and leg.state is LegState.UP:
                self.dtmf_relayed += 1
                await self.send_dtmf(leg.bridged_to, digits)
        elif method == "INVITE":  # a phone's own re-INVITE: we keep the media as the engine has it
            answer = sdp_text.rewrite(leg.offered, sdp_text.answer_direction(sdp_text.direction(request.sdp)),
                                      leg.session_id, leg.next_version()) if leg.offered else ""
            if request.sdp:
                self._learn(leg, request.sdp)
            ok = response_to(request, 200, body=answer.encode(), content_type="application/sdp" if answer else "")
            ok.set("contact", self._contact)
            self.transactions.answer(request, ok, peer)
        else:
            self.transactions.answer(request, response_to(request, 405), peer)

    async def _new_call(self, invite: Message, peer: Peer) -> None:
        """An INVITE from the trunk to a configured number becomes a customer call (VOX2)."""
        tag = new_tag()
        if peer.address[0] not in self.options.trunk_sources:
            self.transactions.answer(invite, response_to(invite, 403, "Not a trunk", to_tag=tag), peer)
            return
        number = user_of(invite.uri)
        destination = self.options.numbers.get(number)
        if destination is None:
            self.transactions.answer(invite, response_to(invite, 404, to_tag=tag), peer)
            return
        self.transactions.answer(invite, response_to(invite, 100), peer)
        contact = uri_of(invite.get("contact") or "") or uri_of(invite.get("from") or "")
        try:
            target_peer = peer if peer.kind == "tcp" else Peer(host_port(contact))
        except ValueError:
            target_peer = peer
        to = invite.get("to") or ""
        leg = Leg(key=LegKey("customer", 0), call_id=invite.call_id, local=f"{to};tag={tag}",
                  remote=invite.get("from") or "", target=contact, peer=target_peer, incoming=True,
                  invite=invite, remote_sdp=invite.sdp)
        self._by_call_id[leg.call_id] = leg
        caller_uri = uri_of(invite.get("from") or "")
        caller = user_of(caller_uri) or caller_uri
        name = (invite.get("from") or "").split("<")[0].strip().strip('"')
        try:
            interaction_id = await self.events.incoming(caller[:160], name[:160] or caller[:160], destination, number)
        except NotFound:
            self._by_call_id.pop(leg.call_id, None)
            self.transactions.answer(invite, response_to(invite, 404, to_tag=tag), peer)
            return
        except BacklineError as exc:  # nobody can take it, no voicemail …
            self._by_call_id.pop(leg.call_id, None)
            self.transactions.answer(invite, response_to(invite, 480, exc.message[:100], to_tag=tag), peer)
            return
        if leg.hung_up_by_phone:
            return
        leg.key = LegKey("customer", interaction_id)
        self.legs[leg.key] = leg
        self.transactions.answer(invite, response_to(invite, 180, to_tag=tag), peer)
        await self.events.placed(interaction_id)

    @staticmethod
    def _digits_in(request: Message) -> str:
        kind = (request.get("content-type") or "").split(";")[0].strip().lower()
        text = request.body.decode("utf-8", "replace")
        if kind == "application/dtmf-relay":
            return "".join(m.upper() for m in _SIGNAL.findall(text))
        if kind == "application/dtmf":
            return "".join(ch for ch in text.strip().upper() if ch in "0123456789*#ABCD")[:32]
        return ""

    # -- the trunk (VOX4) ------------------------------------------------------------------

    async def _ping_trunk(self) -> None:
        host, port = self.options.trunk_address
        request = Message(method="OPTIONS", uri=f"sip:{host}:{port}", headers=[
            ("via", f"SIP/2.0/UDP {self.options.host}:{self.transport.port};branch={new_branch()};rport"),
            ("max-forwards", "70"), ("from", f"<sip:backline@{self.options.host}>;tag={new_tag()}"),
            ("to", f"<sip:{host}:{port}>"), ("call-id", f"{new_tag()}@backline"), ("cseq", "1 OPTIONS")])
        pending = self.transactions.start(request, Peer((host, port)))
        try:
            response = await asyncio.wait_for(asyncio.shield(pending.final), self.options.trunk_timeout_seconds)
        except asyncio.TimeoutError:
            pending.give_up()
            response = None
        if self.channel is not None:
            if response is None or response.status >= 500:
                await self.channel.report_outage(f"The SIP trunk {host}:{port} does not answer; no customer calls come in.")
            else:
                await self.channel.report_recovery(f"The SIP trunk {host}:{port} answers again.")
        if self.transport is not None:
            self._trunk_timer = self.clock.call_later(self.options.trunk_ping_seconds, self._ping_trunk)

    # -- helpers ---------------------------------------------------------------------------

    async def _unregistered(self, user_id: int) -> None:
        if self.events is not None:
            await self.events.unregistered(user_id)

    @property
    def _contact(self) -> str:
        return f"<sip:backline@{self.options.host}:{self.transport.port if self.transport else 0}>"

    def _via(self, peer: Peer) -> str:
        return f"SIP/2.0/{peer.kind.upper()} {self.options.host}:{self.transport.port}"

    @staticmethod
    def _tag(leg: Leg) -> str:
        return leg.local.rpartition("tag=")[2]

    def _send_in_dialog(self, leg: Leg, method: str) -> None:
        self._spawn(self.transactions.request(
            leg.request(method, self._via(leg.peer), self._contact), leg.peer))

    def _forget(self, leg: Leg) -> None:
        leg.state = LegState.GONE
        if self.relay is not None and leg.media is not None:
            self.relay.close(leg.media)
            leg.media = None
        if leg.timer is not None:
            leg.timer.cancel()
        if self.legs.get(leg.key) is leg:
            del self.legs[leg.key]
        self._by_call_id.pop(leg.call_id, None)

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("SIP: a task failed", exc_info=task.exception())
