"""The SIP listener: UDP and TCP on one address and port, on the server's own event loop
(like the e-mail channel's SMTP listener). Each readable message is handed to `receive`;
anything unreadable is counted and dropped (a datagram we cannot parse has no Via to answer
to), so no input can stop the listener."""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field
from typing import Callable

from channels.voice.sip.datagrams import DatagramEndpoint
from channels.voice.sip.message import Malformed, Message, frame_length, parse

log = logging.getLogger("backline.voice.sip")

MAX_TCP_BUFFER = 256 * 1024
# A burst of calls (the benchmark's 50 at once) overflows the default 208 KiB receive buffer
# while the loop is busy; a bigger one (capped by net.core.rmem_max) keeps datagrams.
RECEIVE_BUFFER = 4 * 1024 * 1024


@dataclass(eq=False)
class Peer:
    """Where a message came from, and so where its answer (and a registered phone's calls)
    go: a UDP address, or an open TCP connection."""

    address: tuple[str, int]
    writer: asyncio.StreamWriter | None = None

    @property
    def kind(self) -> str:
        return "tcp" if self.writer is not None else "udp"

    @property
    def alive(self) -> bool:
        return self.writer is None or not self.writer.is_closing()


@dataclass
class Counters:
    received: int = 0
    malformed: int = 0
    sent: int = 0
    errors: list[str] = field(default_factory=list)


class Transport:
    def __init__(self, host: str, port: int, receive: Callable[[Message, Peer], None], tcp: bool = True) -> None:
        self.host, self.port, self.receive, self.tcp = host, port, receive, tcp
        self.counters = Counters()
        self._udp: DatagramEndpoint | None = None
        self._tcp: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        udp = DatagramEndpoint(lambda data, address: self.arrived(data, Peer(address)))
        self.port = udp.open(self.host, self.port, RECEIVE_BUFFER)
        self._udp = udp
        if self.tcp:
            try:
                self._tcp = await asyncio.start_server(self._stream, self.host, self.port)
            except OSError as exc:  # UDP alone still serves the phones
                log.error("SIP: no TCP listener on %s:%s (%s)", self.host, self.port, exc)
        return self.port

    @property
    def listening(self) -> bool:
        return self._udp is not None

    @property
    def has_tcp(self) -> bool:
        return self._tcp is not None

    async def stop(self) -> None:
        if self._tcp is not None:
            self._tcp.close()
            for writer in list(self._connections):
                writer.close()
            await self._tcp.wait_closed()
            self._tcp = None
        if self._udp is not None:
            self._udp.close()
            self._udp = None

    def send(self, message: Message, peer: Peer) -> None:
        data = message.encode()
        self.counters.sent += 1
        if peer.writer is not None:
            if not peer.writer.is_closing():
                peer.writer.write(data)
        elif self._udp is not None:
            self._udp.sendto(data, peer.address)

    def arrived(self, data: bytes, peer: Peer) -> None:
        self.counters.received += 1
        if data.strip() == b"":  # a keep-alive (RFC 5626 CRLF)
            return
        try:
            message = parse(data)
        except Malformed as exc:
            self.counters.malformed += 1
            log.debug("SIP: dropped a malformed message from %s: %s", peer.address, exc)
            return
        try:
            self.receive(message, peer)
        except Exception:  # a bug of ours must not close the socket
            self.counters.errors.append("receive")
            log.exception("SIP: handling a message from %s failed", peer.address)

    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("peername")[:2]
        peer = Peer((address[0], address[1]), writer)
        self._connections.add(writer)
        buffer = b""
        try:
            while chunk := await reader.read(16384):
                buffer += chunk
                while buffer:
                    try:
                        length = frame_length(buffer.lstrip(b"\r\n"))
                    except Malformed:
                        self.counters.malformed += 1
                        return  # a stream we cannot frame: close it
                    buffer = buffer.lstrip(b"\r\n")
                    if length is None:
                        break
                    self.arrived(buffer[:length], peer)
                    buffer = buffer[length:]
                if len(buffer) > MAX_TCP_BUFFER:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._connections.discard(writer)
            writer.close()


def with_buffer(sock) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    except OSError:  # not allowed here: the default buffer it is
        pass
