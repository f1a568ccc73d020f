"""Lines written on an interaction (chat, e-mail, IM) for agents: read them page by page or
live, write one (or an internal note the customer never reads), and mark the interaction
done (CH2, IM2)."""

from __future__ import annotations

from datetime import datetime
from typing import AsyncGenerator

import strawberry
from strawberry.relay import PageInfo, to_base64
from strawberry.scalars import JSON
from strawberry.types.info import Info

from core.transcripts.lines import TOPIC, Line
from core.transcripts.rules import LineAudience as CoreAudience
from schema.arguments import cursor_id, int_id, page_size, sid
from schema.errors import attempt, result_union
from schema.interactions import InteractionResult, run
from schema.streams import CURSOR_HELP, PAGE, After, at, every_page, following

CURSOR = "TranscriptLine"
LineAudience = strawberry.enum(CoreAudience, name="LineAudience",
                               description="CUSTOMER: read by the customer and the agents; INTERNAL: agents only.")


@strawberry.type(description="A file that came with a line (an e-mail's attachment). GET its `downloadUrl` "
                             "with the same `Authorization: Bearer <token>` header as /graphql: whoever reads "
                             "the line gets the bytes, as an attachment to save (EML1).")
class TranscriptAttachment:
    id: strawberry.ID
    name: str = strawberry.field(description="A safe file name: no folders, no control characters.")
    content_type: str = strawberry.field(description="The MIME type the sender gave (application/octet-stream "
                                                     "when it was not a valid one).")
    size: int = strawberry.field(description="In bytes.")
    download_url: str = strawberry.field(description="Relative to the server's base URL: /attachments/{id}.")

    @classmethod
    def of(cls, attachment: dict) -> "TranscriptAttachment":
        return cls(id=strawberry.ID(str(attachment["id"])), name=str(attachment.get("name", "")),
                   content_type=str(attachment.get("contentType", "application/octet-stream")),
                   size=int(attachment.get("size", 0)), download_url=f"/attachments/{attachment['id']}")


@strawberry.type(description="A line written on an interaction, in order. CUSTOMER lines are read by the "
                             "customer and the agents; INTERNAL ones (internal notes, consultations, IM) by "
                             "agents only.")
class TranscriptLine:
    id: strawberry.ID
    interaction_id: strawberry.ID
    party_id: strawberry.ID | None
    author_user_id: strawberry.ID | None
    author_name: str
    from_customer: bool
    audience: LineAudience
    text: str = strawberry.field(description="What the line says, as plain text. An e-mail: its plain part, or "
                                             "else its HTML part read as text (EML1).")
    html: str | None = strawberry.field(description="An e-mail's HTML part, sanitised when it arrived: no script, "
                                                    "style, form or frame, no event handler, links only to http, "
                                                    "https, mailto and tel, and images without a source, so that "
                                                    "rendering it loads nothing remote (EML1). Null otherwise.")
    attachments: list[TranscriptAttachment] = strawberry.field(description="Files that came with the line, to "
                                                                           "download (EML1).")
    details: JSON = strawberry.field(description="Channel specifics: an e-mail's subject, addresses, "
                                                 "attachments (typed in `attachments`), delivery.")
    written_at: datetime
    cursor: str | None = strawberry.field(default=None, description=CURSOR_HELP)

    @classmethod
    def of(cls, line: Line) -> "TranscriptLine":
        return cls(id=sid(line.id), interaction_id=sid(line.interaction_id), party_id=sid(line.party_id),
                   author_user_id=sid(line.author_user_id), author_name=line.author_name,
                   from_customer=line.from_customer, audience=CoreAudience(line.audience), text=line.text,
                   html=line.html, attachments=[TranscriptAttachment.of(a) for a in line.attachments],
                   details=line.meta, written_at=line.created_at)


@strawberry.type
class TranscriptLineEdge:
    cursor: str
    node: TranscriptLine


@strawberry.type
class TranscriptLineConnection:
    edges: list[TranscriptLineEdge]
    page_info: PageInfo


def connection(lines: list[Line], has_next: bool, after: str | None) -> TranscriptLineConnection:
    edges = [TranscriptLineEdge(cursor=to_base64(CURSOR, line.id), node=TranscriptLine.of(line)) for line in lines]
    return TranscriptLineConnection(edges=edges, page_info=PageInfo(
        has_next_page=has_next, has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None))


SendMessageResult = result_union("SendMessageResult", TranscriptLine)


@strawberry.type
class Query:
    @strawberry.field(description="The lines of an interaction you may read, oldest first. A consulted member "
                                  "reads the transcript it is consulted about (CON3).")
    async def transcript(self, info: Info, interaction_id: strawberry.ID, first: int | None = None,
                         after: str | None = None) -> TranscriptLineConnection:
        ctx = info.context
        lines, more = await ctx.backline.transcripts.lines.for_agent(
            ctx.actor, int_id(interaction_id, "interactionId"), page_size(info, first), cursor_id(after, CURSOR))
        return connection(lines, more, after)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Write on a chat, e-mail or IM you are connected to; `internal: true` "
                                     "writes an internal note that the customer never reads.")
    async def send_message(self, info: Info, interaction_id: strawberry.ID, text: str,
                           internal: bool = False) -> SendMessageResult:
        ctx = info.context

        async def go():
            return await ctx.backline.transcripts.lines.post(
                ctx.actor, int_id(interaction_id, "interactionId"), text, internal)

        return await attempt(go(), TranscriptLine.of)

    @strawberry.mutation(description="Close the interaction for your side (IM2). A chat closes once every "
                                     "agent party, consulted members included, has marked it done (CH2).")
    async def mark_done(self, info: Info, interaction_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.transcripts.closing.mark_done(
            ctx.actor, int_id(interaction_id, "interactionId")))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Lines written on an interaction you may read: the lines so far, then "
                                         "each new one live, in order. Without interactionId, every new line "
                                         "of your interactions.")
    async def transcript_lines(self, info: Info, interaction_id: strawberry.ID | None = None,
                               after: After = None) -> AsyncGenerator[TranscriptLine, None]:
        actor = info.context.actor
        lines = info.context.backline.transcripts.lines
        wanted = int_id(interaction_id, "interactionId") if interaction_id is not None else None
        async with following(info.context.backline, {TOPIC}, after) as stream:
            last = 0
            if wanted is not None and not stream.resumed:
                async for line in every_page(lambda since: lines.for_agent(actor, wanted, PAGE, since)):
                    last = line.id
                    yield at(TranscriptLine.of(line), stream.head)
            async for event in stream:
                entry_id = event.payload.get("entryId", 0)
                if entry_id <= last or (wanted is not None and event.payload.get("interactionId") != wanted):
                    continue
                if lines.agent_sees(actor, event):
                    yield at(TranscriptLine.of(Line.from_event(event)), event.id)
