"""Voicemail: mailboxes with their message-waiting indicator and counts, live (VM1); opening
a mailbox as an internal voice session authenticated by DTMF PIN digits (VM2); listing,
marking heard and deleting its voicemails."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import AsyncGenerator

import strawberry
from strawberry.relay import PageInfo, to_base64
from strawberry.types.info import Info

from core.voicemail.models import AccessState
from core.voicemail.models import Voicemail as CoreVoicemail
from core.voicemail.service import TOPIC, AccessView, MailboxRef, MailboxStatus
from schema.arguments import cursor_id, int_id, page_size
from schema.errors import attempt, result_union
from schema.streams import CURSOR_HELP, After, at, filtered, following

VoicemailSessionState = strawberry.enum(AccessState, name="VoicemailSessionState")
CURSOR_PREFIX = "voicemail"


@strawberry.enum(description="Whose mailbox: an agent's own, or an agent group's (shared by its members).")
class MailboxKind(enum.Enum):
    AGENT = "user"
    GROUP = "group"


@strawberry.type(description="A mailbox the caller may open (or, for administrators, see counts of).")
class Mailbox:
    id: strawberry.ID = strawberry.field(description="`user:<user id>` or `group:<agent group target id>`.")
    kind: MailboxKind
    name: str
    new_count: int = strawberry.field(description="Voicemails not heard yet.")
    total_count: int
    message_waiting: bool = strawberry.field(description="The message-waiting indicator: new voicemail.")
    locked_until: datetime | None = strawberry.field(description="Locked after too many wrong PINs until then.")
    cursor: str | None = strawberry.field(default=None, description=CURSOR_HELP)

    @classmethod
    def of(cls, status: MailboxStatus) -> "Mailbox":
        return cls(id=strawberry.ID(status.ref.key), kind=MailboxKind(status.ref.kind), name=status.name,
                   new_count=status.new_count, total_count=status.total_count,
                   message_waiting=status.message_waiting, locked_until=status.locked_until)


@strawberry.type(description="An internal voice session with a mailbox: PIN first, then its voicemails.")
class VoicemailSession:
    id: strawberry.ID
    mailbox_id: strawberry.ID
    channel: str
    state: VoicemailSessionState
    tries_left: int = strawberry.field(description="Wrong PINs allowed before the mailbox locks.")
    pin_rejected: bool = strawberry.field(description="The digits just sent completed a wrong PIN.")
    locked_until: datetime | None
    opened_at: datetime
    ended_at: datetime | None
    interaction_id: strawberry.ID | None = strawberry.field(
        description="The internal voice interaction of this session (VM2): sendDtmf on it enters the PIN.")

    @classmethod
    def of(cls, view: AccessView) -> "VoicemailSession":
        a = view.access
        return cls(id=strawberry.ID(str(a.id)), mailbox_id=strawberry.ID(view.mailbox.key), channel=a.channel,
                   state=a.state, tries_left=view.tries_left, pin_rejected=view.pin_rejected,
                   locked_until=view.locked_until, opened_at=a.opened_at, ended_at=a.ended_at,
                   interaction_id=strawberry.ID(str(a.interaction_id)) if a.interaction_id is not None else None)


@strawberry.type
class Voicemail:
    id: strawberry.ID
    caller: str
    duration_seconds: int
    left_at: datetime
    heard: bool
    heard_at: datetime | None
    interaction_id: strawberry.ID | None

    @classmethod
    def of(cls, v: CoreVoicemail) -> "Voicemail":
        return cls(id=strawberry.ID(str(v.id)), caller=v.caller, duration_seconds=v.duration_seconds,
                   left_at=v.left_at, heard=v.heard_at is not None, heard_at=v.heard_at,
                   interaction_id=strawberry.ID(str(v.interaction_id)) if v.interaction_id is not None else None)


@strawberry.type
class VoicemailEdge:
    cursor: str
    node: Voicemail


@strawberry.type(description="A mailbox's voicemails, newest first.")
class VoicemailConnection:
    edges: list[VoicemailEdge]
    page_info: PageInfo


@strawberry.type
class VoicemailDeleted:
    id: strawberry.ID


VoicemailSessionResult = result_union("VoicemailSessionResult", VoicemailSession)
VoicemailResult = result_union("VoicemailResult", Voicemail)
DeleteVoicemailResult = result_union("DeleteVoicemailResult", VoicemailDeleted)


def mailbox_ref(value: str) -> MailboxRef:
    return MailboxRef.parse(str(value))


@strawberry.type
class Query:
    @strawberry.field(description="My mailbox and my agent groups' (administrators: every mailbox in "
                                  "use), each with its message-waiting indicator and counts (VM1). "
                                  "Empty where voicemail is not enabled.")
    async def mailboxes(self, info: Info) -> list[Mailbox]:
        ctx = info.context
        return [Mailbox.of(s) for s in await ctx.backline.voicemail.mailboxes(ctx.actor)]

    @strawberry.field(description="One of my voicemail sessions.")
    async def voicemail_session(self, info: Info, id: strawberry.ID) -> VoicemailSession:
        ctx = info.context
        return VoicemailSession.of(await ctx.backline.voicemail.access(ctx.actor, int_id(id, "id")))

    @strawberry.field(description="The voicemails of an open session's mailbox, newest first.")
    async def voicemails(self, info: Info, session_id: strawberry.ID, first: int | None = None,
                         after: str | None = None) -> VoicemailConnection:
        ctx = info.context
        rows, has_next = await ctx.backline.voicemail.voicemails(
            ctx.actor, int_id(session_id, "sessionId"), page_size(info, first), cursor_id(after, CURSOR_PREFIX))
        edges = [VoicemailEdge(cursor=to_base64(CURSOR_PREFIX, v.id), node=Voicemail.of(v)) for v in rows]
        return VoicemailConnection(edges=edges, page_info=PageInfo(
            has_next_page=has_next, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Call my mailbox (or my group's): an internal voice session that "
                                     "waits for the PIN (VM2).")
    async def open_voicemail(self, info: Info, mailbox_id: strawberry.ID) -> VoicemailSessionResult:
        ctx = info.context
        return await attempt(lambda: ctx.backline.voicemail.open(ctx.actor, mailbox_ref(mailbox_id)),
                             VoicemailSession.of)

    @strawberry.mutation(description="Keypad digits for a voicemail session, one or several: the PIN "
                                     "completes at its length or with #; * starts it again.")
    async def send_voicemail_dtmf(self, info: Info, session_id: strawberry.ID,
                                  digits: str) -> VoicemailSessionResult:
        ctx = info.context
        return await attempt(lambda: ctx.backline.voicemail.send_dtmf(
            ctx.actor, int_id(session_id, "sessionId"), digits), VoicemailSession.of)

    @strawberry.mutation(description="Hang up a voicemail session.")
    async def close_voicemail(self, info: Info, session_id: strawberry.ID) -> VoicemailSessionResult:
        ctx = info.context
        return await attempt(lambda: ctx.backline.voicemail.close(
            ctx.actor, int_id(session_id, "sessionId")), VoicemailSession.of)

    @strawberry.mutation(description="Change the mailbox's PIN from an open session.")
    async def change_voicemail_pin(self, info: Info, session_id: strawberry.ID,
                                   pin: str) -> VoicemailSessionResult:
        ctx = info.context
        return await attempt(lambda: ctx.backline.voicemail.change_pin(
            ctx.actor, int_id(session_id, "sessionId"), pin), VoicemailSession.of)

    @strawberry.mutation(description="Mark a voicemail heard (or new again with heard: false).")
    async def mark_voicemail_heard(self, info: Info, session_id: strawberry.ID, voicemail_id: strawberry.ID,
                                   heard: bool = True) -> VoicemailResult:
        ctx = info.context
        return await attempt(lambda: ctx.backline.voicemail.mark_heard(
            ctx.actor, int_id(session_id, "sessionId"), int_id(voicemail_id, "voicemailId"), heard), Voicemail.of)

    @strawberry.mutation(description="Delete a voicemail from the mailbox.")
    async def delete_voicemail(self, info: Info, session_id: strawberry.ID,
                               voicemail_id: strawberry.ID) -> DeleteVoicemailResult:
        ctx = info.context
        return await attempt(lambda: ctx.backline.voicemail.delete(
            ctx.actor, int_id(session_id, "sessionId"), int_id(voicemail_id, "voicemailId")),
            lambda vid: VoicemailDeleted(id=strawberry.ID(str(vid))))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="My mailboxes now, then each change of their counts (VM1).")
    async def mailbox_changed(self, info: Info, after: After = None) -> AsyncGenerator[Mailbox, None]:
        actor = info.context.actor
        backline = info.context.backline
        async with following(backline, {TOPIC}, after) as stream:
            async with backline.store.read() as session:
                refs = await backline.voicemail.visible_refs(session, actor)
            if not stream.resumed:
                for status in await backline.voicemail.mailboxes(actor):
                    yield at(Mailbox.of(status), stream.head)
            keys = {ref.key for ref in refs}
            async for event in filtered(stream, lambda e: e.kind == "MailboxChanged"
                                        and e.payload["mailbox"] in keys):
                ref = MailboxRef.parse(event.payload["mailbox"])
                yield at(Mailbox.of(MailboxStatus(ref, event.payload["name"], event.payload["newCount"],
                                                  event.payload["totalCount"])), event.id)
