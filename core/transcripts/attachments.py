"""Files that come with a line (an e-mail's attachments, EML1): stored with the line, in its
unit of work (read back by core.transcripts.downloads)."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Sequence

from core.transcripts.models import TranscriptAttachment, TranscriptEntry

MAX_FILENAME_CHARS = 200
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# RFC 6838's restricted names: a type the sender wrote that is not one is not passed on.
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")


@dataclass(frozen=True)
class NewAttachment:
    """What a channel hands over: the name and type the sender gave, and the bytes."""

    filename: str
    content_type: str
    data: bytes


def safe_content_type(value: str) -> str:
    value = (value or "").strip().lower()
    return value if _CONTENT_TYPE.match(value) else DEFAULT_CONTENT_TYPE


def safe_filename(name: str | None, content_type: str) -> str:
    """A name to save the file under: no folders, no control characters, not hidden, at most
    200 characters (its extension kept); a nameless part is `attachment` plus the extension
    its type usually has."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".").strip()
    if not name:
        name = "attachment" + (mimetypes.guess_extension(content_type) or "")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:20] if dot and stem else ""
        keep = MAX_FILENAME_CHARS - (len(extension) + 1 if extension else 0)
        name = (stem if extension else name)[:keep] + (f".{extension}" if extension else "")
    return name


async def store(session, entry: TranscriptEntry, attachments: Sequence[NewAttachment]) -> list[dict[str, Any]]:
    """Adds the rows (the entry is flushed: it has its id); returns what the line's details
    say of each: id (a string, as GraphQL IDs are), name, content type and size."""
    rows = []
    for attachment in attachments:
        content_type = safe_content_type(attachment.content_type)
        rows.append(TranscriptAttachment(entry_id=entry.id, interaction_id=entry.interaction_id,
                                         filename=safe_filename(attachment.filename, content_type),
                                         content_type=content_type, size=len(attachment.data),
                                         data=attachment.data))
    session.add_all(rows)
    await session.flush()
    return [{"id": str(row.id), "name": row.filename, "contentType": row.content_type, "size": row.size}
            for row in rows]
