"""A WebSocket client light enough to read a thousand sockets in one benchmark process.

The fan-out benchmarks measure how soon a server's messages reach 1,000 subscribers, and the
subscribers run in the benchmark's own process, on the same two cores as the servers. Read
with the `websockets` library, each message wakes a coroutine and goes through its frame
parser: the client's own work per change (1,000 messages) then grows to tens of
milliseconds and shows in the figures as server latency. Here a socket is an asyncio
`Protocol`: a message is time-stamped in `data_received`, the moment the event loop hands
over its bytes, and stored; nothing else runs per message.

Enough of RFC 6455 for a benchmark against our own servers: the handshake, masked text
frames out, unfragmented text frames in (servers send those for short messages), ping
answered, close. Not for anything else.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from urllib.parse import urlsplit

_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


class LightSocket(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        # Before `live`: messages go to `pending` for the caller to await one by one;
        # then they are kept with their arrival time.
        self.pending: asyncio.Queue[str] = asyncio.Queue()
        self.live = False
        self.received: list[tuple[float, str]] = []

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:end]).split(b"\r\n", 1)[0]
            del self.buffer[:end + 4]
            if b" 101 " not in status + b" ":
                self.upgraded.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.upgraded.set_result(None)
        self._frames(now)

    def connection_lost(self, _error) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError("closed during the handshake"))

    # -- frames ----------------------------------------------------------------------------

    def _frames(self, now: float) -> None:
        buffer = self.buffer
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start:start + length])
            del buffer[:start + length]
            if opcode == _TEXT:
                text = payload.decode()
                if self.live:
                    self.received.append((now, text))
                else:
                    self.pending.put_nowait(text)
            elif opcode == _PING:
                self._send(_PONG, payload)
            elif opcode == _CLOSE:
                self.transport.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = bytes([0x80 | opcode, 0x80 | length])
        elif length < 65536:
            header = bytes([0x80 | opcode, 0x80 | 126]) + length.to_bytes(2, "big")
        else:
            header = bytes([0x80 | opcode, 0x80 | 127]) + length.to_bytes(8, "big")
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(header + mask + masked)

    # -- for the benchmark -----------------------------------------------------------------

    def send_text(self, text: str) -> None:
        self._send(_TEXT, text.encode())

    async def recv(self, timeout: float = 30.0) -> str:
        return await asyncio.wait_for(self.pending.get(), timeout)

    async def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self._send(_CLOSE, (1000).to_bytes(2, "big"))
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), 5)
        except asyncio.TimeoutError:
            self.transport.close()


async def connect(url: str, subprotocol: str | None = None) -> LightSocket:
    """Opens a WebSocket on `url` (ws://host:port/path)."""
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    _, socket = await loop.create_connection(LightSocket, parts.hostname, parts.port)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {parts.path or '/'} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if subprotocol:
        lines.append(f"Sec-WebSocket-Protocol: {subprotocol}")
    socket.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await asyncio.wait_for(socket.upgraded, 30)
    return socket
