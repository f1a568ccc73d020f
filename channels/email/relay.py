"""Replies go out through the configured SMTP relay. A relay that cannot be reached is the
channel's backend being down (MSG1): agents and administrators get an out-of-service message,
the reply waits, and it is retried on the clock until the relay is back (and said so)."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid


class RecipientRefused(Exception):
    """The relay works but will not take this message: not an outage."""


class SmtpRelay:
    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send_blocking, message)

    def _send_blocking(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
            try:
                client.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                raise RecipientRefused(str(exc)[:200]) from None


def new_message_id(domain: str) -> str:
    return make_msgid(domain=domain)


def build_reply(thread: dict, text: str, from_address: str, from_name: str, message_id: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((from_name, from_address))
    message["To"] = formataddr((thread.get("name") or "", thread["address"]))
    subject = thread.get("subject") or ""
    message["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()
    if message_id:
        message["Message-ID"] = message_id
    if thread.get("last_from_customer"):
        message["In-Reply-To"] = thread["last_from_customer"]
    references = [i for i in thread.get("ids", []) if i != message_id]
    if references:
        message["References"] = " ".join(references[-20:])
    message.set_content(text)
    return message
