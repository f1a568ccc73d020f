"""An HTTP/1.1 client light enough to drive a server from the benchmark's own process.

The command benchmarks run their clients on the same two cores as the server (and, on
PostgreSQL, the database's processes). httpx spends on each request about as much CPU as a
simple query costs the server: on this machine the load generator then takes a core's share
from the system it measures, more so the faster the server answers. Here a request is one
write of a prepared header and body on a kept-alive connection, and its answer is read by
`Content-Length`: the client's share stays small, and the figures are the server's.

Enough of HTTP/1.1 for our own server: POST and GET with a JSON body, answers with a
Content-Length or chunked, keep-alive. Not for anything else.
"""

from __future__ import annotations

import asyncio
import json as json_module
from typing import Any
from urllib.parse import urlsplit


class Response:
    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    def json(self) -> Any:
        return json_module.loads(self.content)


class LightClient:
    """`await client.post(path, json=..., headers=...)` over a pool of kept-alive
    connections (one per request in flight)."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.timeout = timeout
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._open: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> "LightClient":
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for writer in tuple(self._open):
            writer.close()
        self._open.clear()
        self._idle.clear()

    async def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Response:
        body = json_module.dumps(json, separators=(",", ":")).encode() if json is not None else b""
        return await self.request("POST", path, body, headers)

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, b"", headers)

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str] | None) -> Response:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        if body:
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        while True:
            reused = bool(self._idle)
            reader, writer = self._idle.pop() if reused else await self._connect()
            try:
                writer.write(head + body)
                response, keep = await asyncio.wait_for(self._read(reader), self.timeout)
            except (asyncio.IncompleteReadError, ConnectionError) as error:
                self._discard(writer)
                # A kept-alive connection the server closed while idle (its keep-alive
                # time-out) answers nothing: the request never reached it; send it again.
                if reused and not getattr(error, "partial", b""):
                    continue
                raise
            except BaseException:
                self._discard(writer)
                raise
            break
        if keep:
            self._idle.append((reader, writer))
        else:
            self._discard(writer)
        return response

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self._open.add(writer)
        return reader, writer

    def _discard(self, writer: asyncio.StreamWriter) -> None:
        self._open.discard(writer)
        writer.close()

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> tuple[Response, bool]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {}
        for line in head[1:]:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
        if fields.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            content = b"".join(chunks)
        else:
            content = await reader.readexactly(int(fields.get("content-length", "0")))
        return Response(status, content), fields.get("connection", "").lower() != "close"
