"""RTP packets (RFC 3550) as far as a relay needs them, and RFC 4733 telephone events
(DTMF digits carried in the media stream instead of SIP INFO).

A relay does not decode audio: it reads the header (payload type, sequence number,
timestamp, SSRC) to find telephone events, changes the payload type when the two phones
numbered telephone-event differently, and builds the events it sends for `sendDtmf`."""

from __future__ import annotations

import struct
from dataclasses import dataclass

EVENTS = "0123456789*#ABCD"  # RFC 4733 §3.2: events 0-15 are the DTMF keys in this order
HEADER = struct.Struct("!BBHII")


class NotRtp(ValueError):
    pass


@dataclass(frozen=True)
class Packet:
    marker: bool
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes

    def encode(self) -> bytes:
        return HEADER.pack(0x80, (0x80 if self.marker else 0) | self.payload_type, self.sequence & 0xFFFF,
                           self.timestamp & 0xFFFFFFFF, self.ssrc & 0xFFFFFFFF) + self.payload


def payload_type_of(data: bytes) -> int | None:
    """The payload type of an RTP version 2 packet, without parsing the rest (the relay's
    every packet goes through this)."""
    if len(data) < HEADER.size or data[0] >> 6 != 2:
        return None
    return data[1] & 0x7F


def with_payload_type(data: bytes, payload_type: int) -> bytes:
    """The same packet under another payload type (the marker bit kept)."""
    return data[:1] + bytes([(data[1] & 0x80) | payload_type]) + data[2:]


def parse(data: bytes) -> Packet:
    if len(data) < HEADER.size:
        raise NotRtp("shorter than an RTP header")
    first, second, sequence, timestamp, ssrc = HEADER.unpack_from(data)
    if first >> 6 != 2:
        raise NotRtp("not RTP version 2")
    offset = HEADER.size + 4 * (first & 0x0F)  # CSRC list
    if first & 0x10:  # a header extension: 16-bit profile, 16-bit length in words
        if len(data) < offset + 4:
            raise NotRtp("truncated extension")
        offset += 4 + 4 * struct.unpack_from("!H", data, offset + 2)[0]
    end = len(data)
    if first & 0x20:  # padding: its length is the last byte
        end -= data[-1] if data else 0
    if offset > end:
        raise NotRtp("truncated")
    return Packet(bool(second & 0x80), second & 0x7F, sequence, timestamp, ssrc, data[offset:end])


@dataclass(frozen=True)
class Event:
    """An RFC 4733 §2.3 payload: event, end bit, volume, duration (timestamp units)."""

    digit: str
    end: bool
    volume: int
    duration: int

    def encode(self) -> bytes:
        return struct.pack("!BBH", EVENTS.index(self.digit), (0x80 if self.end else 0) | (self.volume & 0x3F),
                           self.duration & 0xFFFF)


def event_of(payload: bytes) -> Event | None:
    """The DTMF event in a telephone-event payload; None for another event (a tone, a fax
    signal) or a payload too short."""
    if len(payload) < 4:
        return None
    code, flags, duration = struct.unpack_from("!BBH", payload)
    if code >= len(EVENTS):
        return None
    return Event(EVENTS[code], bool(flags & 0x80), flags & 0x3F, duration)


def digit_packets(digit: str, payload_type: int, ssrc: int, sequence: int, timestamp: int,
                  steps: int = 3, step: int = 160) -> list[Packet]:
    """One key press as RFC 4733 §2.5 sends it: packets of a growing duration on one
    timestamp (the first marked), then the end packet three times."""
    packets = [Packet(i == 0, payload_type, sequence + i, timestamp, ssrc,
                      Event(digit, False, 10, step * (i + 1)).encode()) for i in range(steps)]
    end = Event(digit, True, 10, step * (steps + 1)).encode()
    packets += [Packet(False, payload_type, sequence + steps + i, timestamp, ssrc, end) for i in range(3)]
    return packets
