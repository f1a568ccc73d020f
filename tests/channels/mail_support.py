"""E-mail test helpers: a local SMTP sink standing for the relay, and a real smtplib sender
run in a thread (the listener runs in the test's event loop)."""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
from email.message import EmailMessage
from email.parser import BytesParser
from email import policy

from aiosmtpd.smtp import SMTP


class Sink:
    """Collects what the relay is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = asyncio.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content))
        self.arrived.set()
        return "250 OK"


@contextlib.asynccontextmanager
async def smtp_sink(port: int):
    sink = Sink()
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(sink), "127.0.0.1", port)
    try:
        yield sink
    finally:
        server.close()
        await server.wait_closed()


def customer_mail(subject="Facture 2026-11 incorrecte", text="Bonjour, ma facture est fausse.",
                  sender="Léon Blum <leon.blum@example.org>", attachments=(("facture.pdf", b"%PDF-1.4 " * 100),),
                  message_id="<first@example.org>", in_reply_to=None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@backline.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(text)
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message


async def send_mail(port: int, message: EmailMessage | bytes, sender="leon.blum@example.org") -> None:
    def go() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            if isinstance(message, bytes):
                client.sendmail(sender, ["support@backline.example"], message)
            else:
                client.send_message(message)

    await asyncio.to_thread(go)
