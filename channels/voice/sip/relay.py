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

from channels.voice.sip import g711, rtp
from channels.voice.sip import sdp as sdp_text
from channels.voice.sip.datagrams import DatagramEndpoint
from channels.voice.switch import LegKey

log = logging.getLogger("backline.voice.sip")

RECEIVE_BUFFER = 256 * 1024
PACKET_INTERVAL = 0.02  # seconds between the events of a digit we send, and between mixes (20 ms)
SAMPLES = 160  # 20 ms of 8 kHz audio
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
    codec: int = g711.PCMU  # what the mixer sends it: the first G.711 law its SDP lists
    room: "Room | None" = None  # the conference it is mixed in
    frame: list[int] | None = None  # its latest audio, decoded, for the next mix

    def close(self) -> None:
        self.rtp.close()
        self.rtcp.close()


class Room:
    """A conference: every 20 ms each member gets the sum of the others' latest frames
    (G.711 decoded, added, clipped, encoded in the member's own law), from its own relay
    port with the relay's SSRC. A member that sent nothing since the last mix adds silence."""

    def __init__(self, relay: "MediaRelay", name: object) -> None:
        self.relay, self.name = relay, name
        self.members: set[LegMedia] = set()
        self.mixes = 0
        self._task: asyncio.Task | None = None

    def add(self, media: LegMedia) -> None:
        self.members.add(media)
        media.room, media.frame = self, None
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def remove(self, media: LegMedia) -> None:
        self.members.discard(media)
        media.room = media.frame = None
        if not self.members and self._task is not None:
            self._task.cancel()
            self._task = None
            self.relay.rooms.pop(self.name, None)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while self.members:
            self.mix()
            next_at += PACKET_INTERVAL
            await asyncio.sleep(max(0.0, next_at - loop.time()))  # media timing, not a time-out

    def mix(self) -> None:
        frames = {member: member.frame for member in self.members}
        total = [0] * SAMPLES
        for frame in frames.values():
            if frame is not None:
                total = [a + b for a, b in zip(total, frame)]
        for member, own in frames.items():
            member.frame = None
            if member.phone is None or member.rtp.sock is None:
                continue
            heard = total if own is None else [a - b for a, b in zip(total, own)]
            packet = rtp.Packet(False, member.codec, member.sequence, member.timestamp, member.ssrc,
                                g711.encode(member.codec, heard))
            member.sequence += 1
            member.timestamp += SAMPLES
            member.rtp.sendto(packet.encode(), member.phone)
        self.mixes += 1


# What the switch answers for a packet from a leg: the leg's media it goes to, or None.
Route = Callable[[LegMedia], "LegMedia | None"]
# A digit heard on a leg, and whether its peer took the packets (False: send it as INFO).
Heard = Callable[[LegMedia, "LegMedia | None", str], None]


class MediaRelay:
    def __init__(self, host: str, ports: tuple[int, int], route: Route, heard: Heard) -> None:
        self.host, self.ports, self.route, self.heard = host, ports, route, heard
        self.open_legs: set[LegMedia] = set()
        self.rooms: dict[object, Room] = {}

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

    def join(self, media: LegMedia, name: object) -> None:
        """Mixes the leg in the conference `name` (created with its first member)."""
        room = self.rooms.get(name)
        if media.room is not None and media.room is not room:
            media.room.remove(media)
        if room is None:
            room = self.rooms[name] = Room(self, name)
        room.add(media)

    def leave(self, media: LegMedia | None) -> None:
        if media is not None and media.room is not None:
            media.room.remove(media)

    def close(self, media: LegMedia | None) -> None:
        if media is not None:
            self.leave(media)
            media.close()
            self.open_legs.discard(media)

    def close_all(self) -> None:
        for media in list(self.open_legs):
            self.close(media)
        for room in list(self.rooms.values()):  # emptied by the closing
            for member in list(room.members):
                room.remove(member)

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
        laws = [pt for pt in sdp_text.payload_types(phone_sdp) if pt in g711.DECODE]
        media.codec = laws[0] if laws else g711.PCMU

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
        if media.room is not None:  # in a conference: to the mixer
            self._to_mixer(media, payload_type, data)
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

    def _to_mixer(self, media: LegMedia, payload_type: int, data: bytes) -> None:
        if payload_type == media.event_type:
            self._event_in(media, None, data)  # heard; not mixed
            return
        if payload_type not in g711.DECODE:
            media.dropped += 1  # a codec the mixer cannot decode
            return
        try:
            packet = rtp.parse(data)
        except rtp.NotRtp:
            media.dropped += 1
            return
        media.forwarded += 1
        media.frame = g711.decode(payload_type, packet.payload[:SAMPLES])

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
