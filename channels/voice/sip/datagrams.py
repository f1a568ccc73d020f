"""The switch's UDP socket, read in bursts.

asyncio's datagram transport reads one datagram each time the loop finds the socket
readable, that is one per turn of the loop. When the loop is busy (50 calls arriving at
once, each turn running the engine's work for the calls before), INVITEs that are already in
the socket wait one turn each: the last of a burst was read hundreds of milliseconds after
it came. This endpoint drains what the socket holds (up to `BURST` datagrams) on each
readiness, so a burst of calls is parsed and queued for the engine in one turn, before the
later steps of the calls ahead of it. It uses the loop's public `add_reader` / `add_writer`
(selector loops and uvloop on Unix); a datagram the kernel cannot take at once waits in a
queue until the socket is writable, as asyncio's transport does."""

from __future__ import annotations

import asyncio
import collections
import logging
import socket
from typing import Callable

log = logging.getLogger("backline.voice.sip")

BURST = 256  # datagrams read per readiness, so that a flood cannot starve the loop either
MAX_DATAGRAM = 65535
MAX_QUEUED = 4096  # datagrams waiting for the socket to be writable; beyond, dropped (UDP may lose them)


class DatagramEndpoint:
    def __init__(self, received: Callable[[bytes, tuple[str, int]], None]) -> None:
        self.received = received
        self.sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queued: collections.deque[tuple[bytes, tuple[str, int]]] = collections.deque()

    def open(self, host: str, port: int, receive_buffer: int) -> int:
        self._loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
            except OSError:  # not allowed here: the default buffer it is
                pass
            sock.bind((host, port))
            self._loop.add_reader(sock.fileno(), self._readable)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        return sock.getsockname()[1]

    def close(self) -> None:
        if self.sock is None:
            return
        self._loop.remove_reader(self.sock.fileno())
        self._loop.remove_writer(self.sock.fileno())
        self.sock.close()
        self.sock = None
        self._queued.clear()

    def sendto(self, data: bytes, address: tuple[str, int]) -> None:
        if self.sock is None:
            return
        if self._queued:  # keep the order: after what waits already
            self._queue(data, address)
            return
        try:
            self.sock.sendto(data, address)
        except (BlockingIOError, InterruptedError):
            self._queue(data, address)
            self._loop.add_writer(self.sock.fileno(), self._writable)
        except OSError as exc:  # an unreachable or invalid address: that phone's loss only
            log.debug("SIP over UDP: cannot send to %s: %s", address, exc)

    def _queue(self, data: bytes, address: tuple[str, int]) -> None:
        if len(self._queued) < MAX_QUEUED:
            self._queued.append((data, address))

    def _writable(self) -> None:
        while self._queued and self.sock is not None:
            data, address = self._queued[0]
            try:
                self.sock.sendto(data, address)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.debug("SIP over UDP: cannot send to %s: %s", address, exc)
            self._queued.popleft()
        if self.sock is not None:
            self._loop.remove_writer(self.sock.fileno())

    def _readable(self) -> None:
        for _ in range(BURST):
            if self.sock is None:
                return
            try:
                data, address = self.sock.recvfrom(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. ICMP port unreachable: a phone went away
                log.debug("SIP over UDP: %s", exc)
                continue
            self.received(data, (address[0], address[1]))
