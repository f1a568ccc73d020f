"""An inbound e-mail, parsed into what the core keeps: sender, subject, text, attachment names
and sizes, its Message-ID and the ids it answers. Anything it cannot read is `Malformed`."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from core.transcripts.inbound import WrittenContact

MAX_TEXT_CHARS = 100_000


class Malformed(Exception):
    """Not an e-mail we can route; the SMTP answer says why."""


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = body.get_content()
    return text if isinstance(text, str) else ""


def parse(raw: bytes, destination: str, envelope_from: str = "") -> WrittenContact:
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        name, sender = parseaddr(str(message.get("From", "")))
        sender = sender or envelope_from
        if not sender or "@" not in sender:
            raise Malformed("no sender address (From)")
        subject = str(message.get("Subject", "")).strip()[:300]
        text = _text_of(message).strip()[:MAX_TEXT_CHARS]
        attachments = [{"name": (part.get_filename() or "unnamed")[:200],
                        "size": len(part.get_payload(decode=True) or b"")}
                       for part in message.iter_attachments()]
        to = [addr for _, addr in getaddresses([str(v) for v in message.get_all("To", [])]) if addr]
        answers = []
        for header in ("In-Reply-To", "References"):
            answers.extend(str(message.get(header, "")).split())
        message_id = str(message.get("Message-ID", "")).strip()[:300] or None
    except Malformed:
        raise
    except Exception as exc:  # the e-mail package raises many kinds on broken input
        raise Malformed(f"unreadable message ({type(exc).__name__})") from None
    if not text and not attachments and not subject:
        raise Malformed("empty message")
    return WrittenContact(
        sender=sender[:160], sender_name=(name or sender)[:160], destination=destination,
        text=text or subject or "(attachments only)",
        meta={"subject": subject, "from": sender, "to": to[:20], "attachments": attachments[:50],
              "messageId": message_id},
        external_id=message_id, answers=answers,
    )
