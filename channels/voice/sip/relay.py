"""The media relay (`media = "relay"`): RTP through the server, one port pair per leg.

Each leg gets an RTP port (even) and its RTCP port (the next one) on `media_host`; the
session description the switch hands a phone points at its leg's ports instead of at the
other phone. A packet that comes in on a leg's port from its phone goes out of the port of
the leg it is bridged with, to that phone: who is bridged with whom is asked of the switch
for each packet, so hold (nothing forwarded) and the re-bridging of a transfer are followed
at once. Audio is not decoded.

RFC 4733 telephone events are read on the way: a key press that ends (its end packet, sent
three times, counted once) is a digit heard on that leg, and the packet goes on under the
other phone's telephone-event payload type, or as SIP INFO when the other phone has none.
`send_digits` sends a digit's events to a phone (`sendDtmf`), paced as a phone sends them.

Only packets from the address the phone's own session description gives are taken (no
latching onto another source); there is no mixing: conference and recording would need
audio decoded (not done)."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from dataclasses import dataclass, field
from typing import Callable

from channels.voice.sip import rtp
from channels.voice.sip import sdp as sdp_text
from channels.voice.sip.datagrams import DatagramEndpoint
from channels.voice.switch import LegKey

log = logging.getLogger("backline.voice.sip")

RECEIVE_BUFFER = 256 * 1024
PACKET_INTERVAL = 0.02  # seconds between the events of a digit we send (20 ms, the audio's ptime)
BIND_ATTEMPTS = 64


@dataclass(eq=False)
class LegMedia:
    """One leg's port pair, and what its phone's session description says."""

    key: LegKey
    port: int
    rtp: DatagramEndpoint
    rtcp: DatagramEndpoint
    phone: tuple[str, int] | None = None  # where the phone takes its RTP
    event_type: int | None = None  # its telephone-event payload type
    heard: str = ""  # digits heard from this phone (RFC 4733)
    forwarded: int = 0  # packets that came from this phone and went on
    dropped: int = 0  # and those that did not (held, not bridged, not RTP)
    _last_end: tuple[int, int] | None = None  # (ssrc, timestamp) of the last key press ended
    ssrc: int = field(default_factory=lambda: secrets.randbits(32))  # for the events we send
    sequence: int = field(default_factory=lambda: secrets.randbits(15))
    timestamp: int = field(default_factory=lambda: secrets.randbits(31))

    def close(self) -> None:
        self.rtp.close()
        self.rtcp.close()


# What the switch answers for a packet from a leg: the leg's media it goes to, or None.
Route = Callable[[LegMedia], "LegMedia | None"]
# A digit heard on a leg, and whether its peer took the packets (False: send it as INFO).
Heard = Callable[[LegMedia, "LegMedia | None", str], None]


class MediaRelay:
    def __init__(self, host: str, ports: tuple[int, int], route: Route, heard: Heard) -> None:
        self.host, self.ports, self.route, self.heard = host, ports, route, heard
        self.open_legs: set[LegMedia] = set()

    def open(self, key: LegKey) -> LegMedia:
        """A port pair for a leg: an even port of the range and the next one (RFC 3550 §11)."""
        low, high = self.ports
        first = low + (low % 2)
        for _ in range(BIND_ATTEMPTS):
            port = random.randrange(first, high - 1, 2)
            media = self._bind(key, port)
            if media is not None:
                self.open_legs.add(media)
                return media
        raise OSError(f"no free pair of media ports in {low}-{high}")

    def _bind(self, key: LegKey, port: int) -> LegMedia | None:
        holder: list[LegMedia] = []
        rtp_end = DatagramEndpoint(lambda data, source: self._rtp_in(holder[0], data, source))
        rtcp_end = DatagramEndpoint(lambda data, source: self._rtcp_in(holder[0], data, source))
        try:
            rtp_end.open(self.host, port, RECEIVE_BUFFER)
        except OSError:
            return None
        try:
            rtcp_end.open(self.host, port + 1, RECEIVE_BUFFER)
        except OSError:
            rtp_end.close()
            return None
        holder.append(LegMedia(key, port, rtp_end, rtcp_end))
        return holder[0]

    def close(self, media: LegMedia | None) -> None:
        if media is not None:
            media.close()
            self.open_legs.discard(media)

    def close_all(self) -> None:
        for media in list(self.open_legs):
            self.close(media)

    @staticmethod
    def learn(media: LegMedia | None, phone_sdp: str) -> None:
        """The phone's session description (its INVITE, 200 OK or re-INVITE): where its
        media goes, and how it numbers telephone events."""
        if media is None or not phone_sdp:
            return
        where = sdp_text.connection(phone_sdp)
        if where is not None and where[1] != 0:
            media.phone = where
        media.event_type = sdp_text.telephone_event(phone_sdp)

    # -- packets ---------------------------------------------------------------------------

    def _from_phone(self, media: LegMedia, source: tuple[str, int]) -> bool:
        return media.phone is not None and source[0] == media.phone[0]

    def _rtp_in(self, media: LegMedia, data: bytes, source: tuple[str, int]) -> None:
        if not self._from_phone(media, source):
            return
        payload_type = rtp.payload_type_of(data)
        if payload_type is None:
            media.dropped += 1  # not RTP
            return
        peer = self.route(media)
        if payload_type == media.event_type and media.event_type is not None:
            self._event_in(media, peer, data)
            if peer is not None and peer.event_type is None:
                return  # the digit goes as INFO
            if peer is not None and peer.event_type != payload_type:
                data = rtp.with_payload_type(data, peer.event_type)
        if peer is not None and peer.phone is not None:
            media.forwarded += 1
            peer.rtp.sendto(data, peer.phone)
        else:
            media.dropped += 1

    def _event_in(self, media: LegMedia, peer: LegMedia | None, data: bytes) -> None:
        try:
            packet = rtp.parse(data)
        except rtp.NotRtp:
            return
        event = rtp.event_of(packet.payload)
        if event is None or not event.end or media._last_end == (packet.ssrc, packet.timestamp):
            return  # a press going on, or its end sent again (RFC 4733 §2.5.1.4)
        media._last_end = (packet.ssrc, packet.timestamp)
        media.heard += event.digit
        self.heard(media, peer, event.digit)

    def _rtcp_in(self, media: LegMedia, data: bytes, source: tuple[str, int]) -> None:
        if not self._from_phone(media, source) or len(data) < 8 or data[0] >> 6 != 2:
            return
        peer = self.route(media)
        if peer is not None and peer.phone is not None:
            peer.rtcp.sendto(data, (peer.phone[0], peer.phone[1] + 1))

    # -- digits we send --------------------------------------------------------------------

    async def send_digits(self, media: LegMedia, digits: str) -> bool:
        """RFC 4733 events to the leg's phone; False when it takes none (no telephone-event
        in its session description, or no media address): the caller sends SIP INFO."""
        if media.event_type is None or media.phone is None:
            return False
        for digit in digits:
            packets = rtp.digit_packets(digit, media.event_type, media.ssrc, media.sequence, media.timestamp)
            media.sequence += len(packets)
            media.timestamp += 160 * (len(packets) + 2)  # the next press starts after this one
            for packet in packets:
                if media.rtp.sock is None:  # the leg went meanwhile
                    return True
                media.rtp.sendto(packet.encode(), media.phone)
                await asyncio.sleep(PACKET_INTERVAL)  # media timing, not a time-out
        return True
