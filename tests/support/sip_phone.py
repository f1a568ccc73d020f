"""A scripted SIP user agent over UDP on loopback, playing a softphone or the trunk's
customer phone in tests and the benchmark. It answers what the switch sends (180 then 200
to an INVITE, 200 to re-INVITE, BYE, INFO, OPTIONS), remembers every session description it
is offered, and can register, call, hang up and send DTMF. It builds and reads messages by
hand (plain text), not with the switch's own parser."""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import struct
import time
from dataclasses import dataclass, field

from channels.voice.sip.digest import authorization
from channels.voice.sip.transport import with_buffer

_seq = itertools.count(1)


def _header(text: str, name: str) -> str | None:
    for line in text.split("\r\n\r\n")[0].split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def _body(text: str) -> str:
    return text.partition("\r\n\r\n")[2]


def direction(sdp: str) -> str:
    found = re.search(r"^a=(sendrecv|sendonly|recvonly|inactive)\s*$", sdp, re.M)
    return found.group(1) if found else "sendrecv"


def media_port(sdp: str) -> int | None:
    found = re.search(r"^m=audio (\d+)", sdp, re.M)
    return int(found.group(1)) if found else None


EVENT_KEYS = "0123456789*#ABCD"


def ulaw(sample: int) -> int:
    """μ-law of one 16-bit sample (G.711's algorithm, written out here for the tests)."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = 7
    while exponent and not magnitude & (0x4000 >> (7 - exponent)):
        exponent -= 1
    return ~(sign | exponent << 4 | (magnitude >> (exponent + 3)) & 0x0F) & 0xFF


def linear(byte: int) -> int:
    byte = ~byte & 0xFF
    magnitude = ((((byte & 0x0F) << 3) + 0x84) << ((byte >> 4) & 7)) - 0x84
    return -magnitude if byte & 0x80 else magnitude


class Media(asyncio.DatagramProtocol):
    """A phone's RTP socket: it sends numbered audio packets and key presses (RFC 4733,
    packed by hand here, not with the switch's own code) and keeps every packet it gets."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.received: list[tuple[tuple[str, int], bytes]] = []
        self.arrived = asyncio.Event()
        self.ssrc = secrets.randbits(32)
        self.sequence = 0

    async def open(self, host: str, port: int) -> "Media":
        self.transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: self, local_addr=(host, port))
        return self

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    def datagram_received(self, data: bytes, addr) -> None:
        self.received.append((addr, data))
        self.arrived.set()

    def _packet(self, payload_type: int, timestamp: int, payload: bytes, marker: bool = False) -> bytes:
        self.sequence += 1
        return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | payload_type, self.sequence, timestamp,
                           self.ssrc) + payload

    def send_audio(self, to: tuple[str, int], label: bytes) -> None:
        """One PCMU packet (payload type 0) whose payload says who sent it."""
        self.transport.sendto(self._packet(0, 160 * self.sequence, label.ljust(160, b"\xff")), to)

    def send_tone(self, to: tuple[str, int], level: int) -> None:
        """20 ms of a constant level, in PCMU: what a mix of it sums is easy to check."""
        self.transport.sendto(self._packet(0, 160 * self.sequence, bytes([ulaw(level)]) * 160), to)

    def levels(self) -> list[int]:
        """The level of each PCMU packet received (its first sample, decoded)."""
        return [linear(payload[0]) for payload in self.payloads(0) if payload]

    def send_key(self, to: tuple[str, int], key: str, payload_type: int = 101) -> None:
        """A key press: two packets going on, the end three times (one timestamp)."""
        timestamp, code = 8000 * (self.sequence + 1), EVENT_KEYS.index(key)
        for i, end in enumerate((False, False, True, True, True)):
            flags = (0x80 if end else 0) | 10
            self.transport.sendto(self._packet(payload_type, timestamp, struct.pack("!BBH", code, flags, 160 * (i + 1)),
                                               marker=i == 0), to)

    def payloads(self, payload_type: int) -> list[bytes]:
        return [data[12:] for _, data in self.received if len(data) >= 12 and data[1] & 0x7F == payload_type]

    def keys(self, payload_type: int = 101) -> str:
        """The key presses received: one per end (its three copies counted once)."""
        keys, ends = "", set()
        for _, data in self.received:
            if len(data) >= 16 and data[1] & 0x7F == payload_type and data[13] & 0x80:
                stamp = (struct.unpack_from("!I", data, 8)[0], struct.unpack_from("!I", data, 4)[0])
                if stamp not in ends:
                    ends.add(stamp)
                    keys += EVENT_KEYS[data[12]]
        return keys


ANSWER = {"sendonly": "recvonly", "recvonly": "sendonly", "inactive": "inactive", "sendrecv": "sendrecv"}


@dataclass
class Dialog:
    call_id: str
    local: str  # our From/To value with tag
    remote: str
    target: str
    cseq: int = 1
    offers: list[str] = field(default_factory=list)  # every SDP the switch sent in this dialog
    digits: str = ""
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    invite: str = ""
    at: float = field(default_factory=time.perf_counter)  # when it began (the benchmark's set-up time)
    changed: asyncio.Event = field(default_factory=asyncio.Event)  # set on each new offer

    def offered(self, sdp: str) -> None:
        self.offers.append(sdp)
        self.changed.set()

    async def until(self, check) -> None:
        """Until `check(self)` holds, woken by each offer (no polling)."""
        while not check(self):
            self.changed.clear()
            await self.changed.wait()


class Phone(asyncio.DatagramProtocol):
    def __init__(self, name: str, rtp_port: int, answer: bool = True, silent: bool = False,
                 host: str = "127.0.0.1", port: int = 0, event_type: int | None = 101) -> None:
        self.name, self.rtp_port, self.host, self.port = name, rtp_port, host, port
        self.event_type = event_type  # its payload type for RFC 4733 telephone events; None: it takes none
        self.answer_calls, self.silent = answer, silent
        self.transport: asyncio.DatagramTransport | None = None
        self.server: tuple[str, int] | None = None
        self.dialogs: dict[str, Dialog] = {}
        self.incoming: asyncio.Queue[Dialog] = asyncio.Queue()
        self._waiting: dict[str, asyncio.Future] = {}
        self.events: asyncio.Queue[tuple[str, str]] = asyncio.Queue()  # (method, call-id) received

    @property
    def sdp(self) -> str:
        events = (f" {self.event_type}", f"a=rtpmap:{self.event_type} telephone-event/8000\r\n") \
            if self.event_type is not None else ("", "")
        return (f"v=0\r\no={self.name} 1 1 IN IP4 {self.host}\r\ns=-\r\nc=IN IP4 {self.host}\r\nt=0 0\r\n"
                f"m=audio {self.rtp_port} RTP/AVP 0{events[0]}\r\n{events[1]}a=sendrecv\r\n")

    async def start(self, server: tuple[str, int]) -> "Phone":
        self.server = server
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(self.host, self.port))
        self.port = self.transport.get_extra_info("sockname")[1]
        with_buffer(self.transport.get_extra_info("socket"))
        return self

    def stop(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    # -- sending ---------------------------------------------------------------------------

    def _send(self, text: str, to: tuple[str, int] | None = None) -> None:
        if self.transport is not None:
            self.transport.sendto(text.encode(), to or self.server)

    def _request(self, method: str, uri: str, from_: str, to: str, call_id: str, cseq: int,
                 extra: str = "", body: str = "", content_type: str = "application/sdp") -> tuple[str, str]:
        branch = f"z9hG4bK{secrets.token_hex(6)}"
        text = (f"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {self.host}:{self.port};branch={branch}\r\n"
                f"Max-Forwards: 70\r\nFrom: {from_}\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
                f"Contact: <sip:{self.name}@{self.host}:{self.port};transport=UDP>\r\n{extra}"
                + (f"Content-Type: {content_type}\r\n" if body else "")
                + f"Content-Length: {len(body.encode())}\r\n\r\n{body}")
        return text, branch

    async def _ask(self, text: str, branch: str, final_only: bool = True, timeout: float = 5) -> str:
        future = asyncio.get_running_loop().create_future()
        self._waiting[branch] = future
        deadline = asyncio.get_running_loop().time() + timeout
        interval = 0.5
        try:
            while True:  # retransmitted as a UA does over UDP (RFC 3261 §17.1.2, T1 doubling)
                self._send(text)
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    raise asyncio.TimeoutError(f"{self.name}: no answer to {text.split(' ', 1)[0]}")
                try:
                    return await asyncio.wait_for(asyncio.shield(future), min(interval, left))
                except asyncio.TimeoutError:
                    interval = min(interval * 2, 4.0)
        finally:
            self._waiting.pop(branch, None)

    async def register(self, username: str, password: str, expires: int = 120) -> int:
        host, port = self.server
        uri = f"sip:{host}:{port}"
        call_id = f"reg-{secrets.token_hex(4)}"
        aor = f"<sip:{username}@{host}>"
        for attempt in range(2):
            extra = f"Expires: {expires}\r\n"
            if attempt:
                nonce = re.search(r'nonce="([^"]+)"', _header(answer, "WWW-Authenticate")).group(1)
                realm = re.search(r'realm="([^"]+)"', _header(answer, "WWW-Authenticate")).group(1)
                extra += f"Authorization: {authorization(username, realm, password, 'REGISTER', uri, nonce)}\r\n"
            text, branch = self._request("REGISTER", uri, f"{aor};tag=r{attempt}", aor, call_id, attempt + 1, extra)
            answer = await self._ask(text, branch)
            status = int(answer.split()[1])
            if status != 401:
                return status
        return status

    async def call(self, number: str, caller: str = "+33612345678") -> tuple[Dialog, int]:
        """Calls `number` on the switch; returns when the switch answers finally."""
        host, port = self.server
        call_id = f"call-{next(_seq)}-{secrets.token_hex(4)}"
        local = f'"Client" <sip:{caller}@{self.host}:{self.port}>;tag={secrets.token_hex(4)}'
        uri = f"sip:{number}@{host}:{port}"
        dialog = Dialog(call_id, local, f"<{uri}>", uri)
        self.dialogs[call_id] = dialog
        text, branch = self._request("INVITE", uri, local, f"<{uri}>", call_id, 1, body=self.sdp)
        dialog.invite = text
        self._pending_call = (branch, dialog)
        answer = await self._ask(text, branch, timeout=10)
        status = int(answer.split()[1])
        if 200 <= status < 300:
            dialog.remote = _header(answer, "To")
            dialog.target = re.search(r"<([^>]+)>", _header(answer, "Contact")).group(1)
            dialog.offered(_body(answer))
            self._send(self._request("ACK", dialog.target, dialog.local, dialog.remote, call_id, 1)[0])
            dialog.answered.set()
        return dialog, status

    def start_call(self, number: str, caller: str = "+33612345678") -> "asyncio.Task":
        return asyncio.ensure_future(self.call(number, caller))

    async def in_dialog(self, dialog: Dialog, method: str, body: str = "", content_type: str = "") -> int:
        dialog.cseq += 1
        text, branch = self._request(method, dialog.target, dialog.local, dialog.remote, dialog.call_id, dialog.cseq,
                                     body=body, content_type=content_type or "application/sdp")
        answer = await self._ask(text, branch)
        if method == "BYE":
            dialog.ended.set()
        return int(answer.split()[1])

    async def hang_up(self, dialog: Dialog) -> int:
        return await self.in_dialog(dialog, "BYE")

    async def send_digit(self, dialog: Dialog, digit: str) -> int:
        return await self.in_dialog(dialog, "INFO", f"Signal={digit}\r\nDuration=160\r\n", "application/dtmf-relay")

    async def send_raw(self, data: bytes) -> None:
        self.transport.sendto(data, self.server)

    # -- receiving -------------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr) -> None:
        text = data.decode("utf-8", "replace")
        if self.silent:
            return
        start = text.split("\r\n", 1)[0]
        if start.startswith("SIP/2.0"):
            status = int(start.split()[1])
            branch = re.search(r"branch=([^;\s]+)", _header(text, "Via") or "").group(1)
            future = self._waiting.get(branch)
            if future is not None and not future.done() and status >= 200:
                future.set_result(text)
            return
        method = start.split()[0]
        call_id = _header(text, "Call-ID") or ""
        dialog = self.dialogs.get(call_id)
        self.events.put_nowait((method, call_id))
        if method == "INVITE":
            offer = _body(text)
            if dialog is None:  # a new call to this phone
                to = _header(text, "To")
                dialog = Dialog(call_id, f"{to};tag={secrets.token_hex(4)}", _header(text, "From"),
                                re.search(r"<([^>]+)>", _header(text, "Contact")).group(1), invite=text)
                dialog.cseq = 0
                self.dialogs[call_id] = dialog
                dialog.offered(offer)
                self._reply(text, 180, dialog)
                self.incoming.put_nowait(dialog)
                auto = "answer-after=0" in (_header(text, "Call-Info") or "")
                if self.answer_calls or auto:
                    self.pick_up(dialog)
            else:
                dialog.offered(offer)
                self._reply(text, 200, dialog, self.sdp.replace("a=sendrecv", f"a={ANSWER[direction(offer)]}"))
        elif method == "BYE":
            self._reply(text, 200, dialog)
            if dialog is not None:
                dialog.ended.set()
        elif method == "CANCEL":
            self._reply(text, 200, dialog)
            if dialog is not None:
                self._reply(dialog.invite, 487, dialog)
                dialog.ended.set()
        elif method == "INFO":
            found = re.search(r"Signal=(\S)", _body(text))
            if dialog is not None and found:
                dialog.digits += found.group(1)
            self._reply(text, 200, dialog)
        elif method in ("OPTIONS",):
            self._reply(text, 200, dialog)
        # ACK: nothing to do

    def pick_up(self, dialog: Dialog) -> None:
        """Answer a ringing call (200 OK with this phone's SDP)."""
        self._reply(dialog.invite, 200, dialog,
                    self.sdp.replace("a=sendrecv", f"a={ANSWER[direction(dialog.offers[0])]}"))
        dialog.answered.set()

    def refuse(self, dialog: Dialog, status: int = 486) -> None:
        self._reply(dialog.invite, status, dialog)
        dialog.ended.set()

    def _reply(self, request: str, status: int, dialog: Dialog | None, sdp: str = "") -> None:
        lines = [f"SIP/2.0 {status} {'OK' if status == 200 else 'Reason'}"]
        for name in ("Via", "From", "To", "Call-ID", "CSeq"):
            value = _header(request, name) or ""
            if name == "To" and dialog is not None and "tag=" not in value:
                value = dialog.local
            lines.append(f"{name}: {value}")
        lines.append(f"Contact: <sip:{self.name}@{self.host}:{self.port}>")
        if sdp:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(sdp.encode())}")
        self._send("\r\n".join(lines) + "\r\n\r\n" + sdp)
