"""An attachment's file, read back by whoever reads its line (EML1). An id the caller may not
read answers exactly as an id that does not exist (SEC5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import select

from core.errors import NotFound
from core.identity.actor import Actor
from core.transcripts import rules
from core.transcripts.models import TranscriptAttachment, TranscriptEntry

if TYPE_CHECKING:
    from core.store.unit_of_work import Store
    from core.transcripts.lines import Lines


@dataclass(frozen=True)
class AttachmentFile:
    id: int
    filename: str
    content_type: str
    data: bytes


def unknown_attachment(attachment_id: int) -> NotFound:
    return NotFound(f"No attachment with id {attachment_id}.")


class Attachments:
    def __init__(self, store: "Store", lines: "Lines") -> None:
        self.store, self.lines = store, lines

    async def download(self, actor: Actor, attachment_id: int) -> AttachmentFile:
        """The file, for whoever reads its line: a party of the interaction the line is not
        hidden from, a member consulted about it (CON3), a supervisor of its team, an
        administrator (SEC1). Anyone else is told it does not exist (SEC5)."""
        async with self.store.read() as session:
            found = (await session.exec(
                select(TranscriptAttachment.id, TranscriptAttachment.filename, TranscriptAttachment.content_type,
                       TranscriptEntry.interaction_id, TranscriptEntry.hidden_from)
                .join(TranscriptEntry, TranscriptEntry.id == TranscriptAttachment.entry_id)
                .where(TranscriptAttachment.id == attachment_id))).first()
            if found is None:
                raise unknown_attachment(attachment_id)
            _, filename, content_type, interaction_id, hidden = found
            parties = await self.lines.reader_parties(session, actor, interaction_id)
            if parties is None or not rules.agent_reads(hidden, [p.id for p in parties if p.user_id == actor.user_id]):
                raise unknown_attachment(attachment_id)
            # The bytes only once the caller may have them.
            data = (await session.exec(select(TranscriptAttachment.data)
                                       .where(TranscriptAttachment.id == attachment_id))).one()
        return AttachmentFile(attachment_id, filename, content_type, data)
