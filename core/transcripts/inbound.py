"""Written contacts arriving from outside (an e-mail through the SMTP listener): a new inbound
interaction routed like any other (GRP3, GRP4), or, when it answers an earlier message
(In-Reply-To / References), a new line on that message's interaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from sqlmodel import col, select

from core.channels import Audience
from core.errors import InvalidInput, UnsupportedOperation
from core.interactions import targets
from core.interactions.models import (
    Interaction, InteractionKind, InteractionState, OfferPurpose, Party, PartyRole, PartyState,
)
from core.interactions.work import Work
from core.transcripts.attachments import NewAttachment
from core.transcripts.lines import validate_text
from core.transcripts.models import TranscriptEntry

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine
    from core.transcripts.lines import Lines


@dataclass(frozen=True)
class WrittenContact:
    sender: str  # the customer's address
    sender_name: str
    destination: str  # where to route a new contact: `queue:email`
    text: str
    meta: dict[str, Any] = field(default_factory=dict)  # subject, to, attachments …
    external_id: str | None = None  # its Message-ID
    answers: Sequence[str] = ()  # the ids it replies to (In-Reply-To, References)
    html: str | None = None  # its HTML, already sanitised by the channel (EML1)
    attachments: Sequence[NewAttachment] = ()  # stored with its line, downloadable (EML1)


@dataclass(frozen=True)
class Received:
    interaction_id: int
    entry_id: int
    joined: bool  # a reply that joined an earlier interaction


class InboundWritten:
    def __init__(self, engine: "InteractionEngine", lines: "Lines") -> None:
        self.engine, self.lines = engine, lines

    async def receive(self, channel_name: str, contact: WrittenContact) -> Received:
        channel = self.engine.channels.get(channel_name)
        if channel.capabilities.audience is not Audience.CUSTOMER:
            raise UnsupportedOperation(channel.name, "inbound contact")
        if not contact.sender or len(contact.sender) > 160:
            raise InvalidInput("The sender's address is 1 to 160 characters.", field="from")
        text = validate_text(channel, contact.text or "(no text)")
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, None)
            earlier = await self._answered(work, channel.name, contact.answers)
            if earlier is not None:
                customer = next((p for p in await work.parties(earlier) if p.role is PartyRole.CUSTOMER), None)
                entry = await self._write(work, earlier, customer, text, contact)
                work.record(earlier, "CustomerReplied", entryId=entry.id)
                work.finish()
                return Received(earlier.id, entry.id, True)
            target = await targets.target_by_destination(work.rows, contact.destination)
            interaction = await work.create(channel=channel.name, kind=InteractionKind.CUSTOMER,
                                            state=InteractionState.ROUTING, inbound=True,
                                            destination=contact.destination[:160],
                                            contact={"name": contact.sender_name[:160], "address": contact.sender},
                                            context={k: str(v)[:200] for k, v in contact.meta.items()
                                                     if k == "subject"},
                                            created_at=work.now)
            await work.parties(interaction)
            work.record(interaction, "InteractionCreated", caller=contact.sender, destination=contact.destination,
                        targetName=target.name)
            customer = await work.add_party(interaction, PartyRole.CUSTOMER, PartyState.HELD,
                                            address=contact.sender, display_name=contact.sender_name)
            entry = await self._write(work, interaction, customer, text, contact)
            await self.engine.routing.open(work, interaction, OfferPurpose.ROUTE, target, requester_id=None)
            work.finish()
            return Received(interaction.id, entry.id, False)

    async def _write(self, work: Work, interaction: Interaction, customer: Party | None, text: str,
                     contact: WrittenContact) -> TranscriptEntry:
        """The contact's text as the customer's line, with what came with it."""
        return await self.lines.write(work, interaction, customer, text, meta=contact.meta,
                                      external_id=contact.external_id, author_name=contact.sender_name,
                                      validated=True, html=contact.html, attachments=contact.attachments)

    async def _answered(self, work: Work, channel: str, ids: Sequence[str]) -> Interaction | None:
        """The live interaction on `channel` that wrote one of `ids`, latest first."""
        ids = [i for i in ids if i][:50]
        if not ids:
            return None
        row = (await work.rows.execute(
            select(Interaction.id).join(TranscriptEntry, col(TranscriptEntry.interaction_id) == col(Interaction.id))
            .where(col(TranscriptEntry.external_id).in_(ids), Interaction.channel == channel,
                   Interaction.state != InteractionState.ENDED)
            .order_by(col(TranscriptEntry.id).desc()).limit(1)
        )).first()
        return None if row is None else await work.interaction(row[0])
