"""An inbound e-mail, parsed into what the core keeps: sender, subject, its text (the plain
part, or else the HTML part read as text), its HTML sanitised, its attachments (names, types
and bytes), its Message-ID and the ids it answers (EML1). Anything it cannot read is
`Malformed`. Size is bounded before this: the listener refuses mail over
`max_message_bytes` (552), and a part's decoded bytes are never more than its encoded ones."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from typing import Iterator

from channels.email.html_sanitise import sanitise_html
from channels.email.html_text import html_to_text
from core.transcripts.attachments import NewAttachment
from core.transcripts.inbound import WrittenContact

MAX_TEXT_CHARS = 100_000  # a line's text; the channel passes its own, smaller, limit
# Kept HTML travels with its line's event: a larger body keeps its text only, and says so.
MAX_HTML_CHARS = 500_000
MAX_ATTACHMENTS = 50
BODY_TYPES = ("text/plain", "text/html")


class Malformed(Exception):
    """Not an e-mail we can route; the SMTP answer says why."""


def _content(part: EmailMessage | None) -> str:
    """A text part's text; an unknown or wrong charset reads with replacement characters
    rather than losing the mail."""
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeError):
        raw = part.get_payload(decode=True) or b""
        text = raw.decode("utf-8", errors="replace")
    # Lines end with CRLF on the wire; the text keeps one new-line convention.
    return text.replace("\r\n", "\n") if isinstance(text, str) else ""


def _attachment_parts(part: EmailMessage, bodies: tuple) -> Iterator[EmailMessage]:
    """Every part that is not one of the chosen bodies nor an alternative text of them: files,
    inline images, a forwarded message (kept whole, as an .eml)."""
    if part.get_content_type() == "message/rfc822":
        yield part
        return
    if part.is_multipart():
        for sub in part.iter_parts():
            yield from _attachment_parts(sub, bodies)
        return
    if any(part is body for body in bodies):
        return
    if part.get_content_type() in BODY_TYPES and part.get_content_disposition() != "attachment":
        return  # another rendering of the body (the HTML beside a plain part, say)
    yield part


def _attachment(part: EmailMessage) -> NewAttachment:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload(0) if isinstance(part.get_payload(), list) else None
        data = inner.as_bytes() if inner is not None else b""
        return NewAttachment(part.get_filename() or "message.eml", content_type, data)
    return NewAttachment(part.get_filename() or "", content_type, part.get_payload(decode=True) or b"")


def parse(raw: bytes, destination: str, envelope_from: str = "",
          max_text_chars: int = MAX_TEXT_CHARS) -> WrittenContact:
    """A longer text than `max_text_chars` is cut there and the line says so
    (`textTruncated`), rather than the customer's mail being refused."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        name, sender = parseaddr(str(message.get("From", "")))
        sender = sender or envelope_from
        if not sender or "@" not in sender:
            raise Malformed("no sender address (From)")
        subject = str(message.get("Subject", "")).strip()[:300]
        plain = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        html_source = _content(html_part)
        meta: dict = {}
        text = _content(plain).strip()
        if not text and html_source:
            # An HTML-only mail reads as text, never as markup.
            text = html_to_text(html_source, max_text_chars + 1)
        if len(text) > max_text_chars:
            text, meta["textTruncated"] = text[:max_text_chars].rstrip(), True
        html = sanitise_html(html_source) if html_source.strip() else None
        if html is not None and len(html) > MAX_HTML_CHARS:
            html, meta["htmlOmitted"] = None, f"larger than {MAX_HTML_CHARS} characters"
        parts = list(_attachment_parts(message, (plain, html_part)))
        attachments = [_attachment(part) for part in parts[:MAX_ATTACHMENTS]]
        if len(parts) > MAX_ATTACHMENTS:
            meta["attachmentsOmitted"] = len(parts) - MAX_ATTACHMENTS
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
        # "attachments" lists the stored files once they have ids (core.transcripts.attachments).
        meta={"subject": subject, "from": sender, "to": to[:20], "attachments": [], "messageId": message_id, **meta},
        external_id=message_id, answers=answers, html=html, attachments=attachments,
    )
