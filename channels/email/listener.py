"""The SMTP listener (aiosmtpd) on the server's own event loop: each accepted message becomes
an e-mail interaction (or joins the one it answers). Oversize mail is refused by aiosmtpd
(552), unreadable mail with 550, and an error of ours with 451: the listener never crashes."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from aiosmtpd.smtp import SMTP

from channels.email.parsing import Malformed, parse
from core.errors import BacklineError
from core.transcripts.inbound import Received, WrittenContact

log = logging.getLogger("backline.email")


class InboundHandler:
    def __init__(self, destination: str, receive: Callable[[WrittenContact], Awaitable[Received]],
                 max_text_chars: int) -> None:
        self.destination = destination
        self.receive = receive
        self.max_text_chars = max_text_chars

    async def handle_DATA(self, server, session, envelope) -> str:
        try:
            # Parsing, sanitising and decoding a mail of up to max_message_bytes is CPU work
            # on a pure function: a worker thread does it, the event loop goes on serving.
            contact = await asyncio.to_thread(parse, envelope.original_content or envelope.content,
                                              self.destination, envelope.mail_from or "", self.max_text_chars)
        except Malformed as exc:
            return f"550 5.6.0 Malformed message: {exc}"
        try:
            received = await self.receive(contact)
        except BacklineError as exc:
            return f"550 5.7.1 Not accepted: {exc.message}"[:500]
        except Exception:  # a bug or the store down: the sender retries later
            log.exception("Inbound e-mail failed")
            return "451 4.3.0 Temporary failure, try again later"
        return f"250 2.0.0 OK interaction {received.interaction_id}"


class Listener:
    def __init__(self, host: str, port: int, max_bytes: int, handler: InboundHandler) -> None:
        self.host, self.port, self.max_bytes, self.handler = host, port, max_bytes, handler
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> int:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            lambda: SMTP(self.handler, data_size_limit=self.max_bytes, enable_SMTPUTF8=True,
                         decode_data=False, hostname="backline", ident="Backline"),
            host=self.host, port=self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
