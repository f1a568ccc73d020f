"""My Messages (MSG1-MSG3): the caller's messages newest first, read state, administrator
broadcasts, and the `messageReceived` preview stream."""

from __future__ import annotations

from datetime import datetime
from typing import AsyncGenerator

import strawberry
from strawberry.relay import PageInfo, to_base64
from strawberry.types.info import Info

from core.messages.models import MessageKind as CoreMessageKind
from core.messages.models import Priority as CorePriority
from core.messages.service import TOPIC, Received, Sent, message_from_payload
from schema.arguments import cursor_id, int_id, page_size
from schema.errors import attempt, result_union
from schema.streams import CURSOR_HELP, After, at, filtered, following

MessageKind = strawberry.enum(CoreMessageKind, name="MessageKind",
                              description="System message, administrator broadcast or voicemail notification.")
MessagePriority = strawberry.enum(CorePriority, name="MessagePriority")

CURSOR_PREFIX = "message"


@strawberry.type(description="A message in the caller's My Messages, with its read state.")
class MyMessage:
    id: strawberry.ID
    kind: MessageKind
    priority: MessagePriority
    title: str
    text: str
    sent_at: datetime
    sender_id: strawberry.ID | None = strawberry.field(description="The administrator who broadcast it.")
    channel: str | None = strawberry.field(description="The channel a system message is about.")
    resolved_at: datetime | None = strawberry.field(
        description="For an out-of-service message: when the channel's backend came back.")
    read: bool
    read_at: datetime | None
    mailbox_id: strawberry.ID | None = strawberry.field(
        description="For a voicemail notification: the mailbox (user:<id> or group:<id>).")
    voicemail_id: strawberry.ID | None
    new_voicemail_count: int | None = strawberry.field(
        description="For a voicemail notification: the mailbox's new messages once it arrived.")
    cursor: str | None = strawberry.field(default=None, description=CURSOR_HELP)

    @classmethod
    def of(cls, received: Received) -> "MyMessage":
        m = received.message
        data = m.data or {}
        return cls(
            id=strawberry.ID(str(m.id)), kind=m.kind, priority=m.priority, title=m.title, text=m.text,
            sent_at=m.sent_at, sender_id=strawberry.ID(str(m.sender_id)) if m.sender_id else None,
            channel=m.channel, resolved_at=m.resolved_at, read=received.read, read_at=received.read_at,
            mailbox_id=strawberry.ID(data["mailbox"]) if "mailbox" in data else None,
            voicemail_id=strawberry.ID(str(data["voicemailId"])) if "voicemailId" in data else None,
            new_voicemail_count=data.get("newCount"),
        )


@strawberry.type
class MyMessageEdge:
    cursor: str
    node: MyMessage


@strawberry.type(description="The caller's messages, newest first.")
class MyMessageConnection:
    edges: list[MyMessageEdge]
    page_info: PageInfo
    unread_count: int = strawberry.field(description="Unread messages in all of My Messages.")


@strawberry.type(description="A channel whose backend is out of service now (MSG1).")
class ChannelOutage:
    channel: str
    since: datetime
    title: str
    text: str
    message_id: strawberry.ID


@strawberry.type
class BroadcastSent:
    message_id: strawberry.ID
    recipient_count: int


MarkMessageReadResult = result_union("MarkMessageReadResult", MyMessage)
BroadcastMessageResult = result_union("BroadcastMessageResult", BroadcastSent)


@strawberry.type
class Query:
    @strawberry.field(description="My Messages: system messages, broadcasts and voicemail "
                                  "notifications, newest first (MSG3).")
    async def my_messages(self, info: Info, first: int | None = None, after: str | None = None,
                          unread_only: bool = False) -> MyMessageConnection:
        ctx = info.context
        page = await ctx.backline.messages.my_messages(ctx.actor, page_size(info, first), cursor_id(after, CURSOR_PREFIX),
                                                       unread_only=unread_only)
        edges = [MyMessageEdge(cursor=to_base64(CURSOR_PREFIX, item.message.id), node=MyMessage.of(item))
                 for item in page.items]
        return MyMessageConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, has_previous_page=after is not None,
                               start_cursor=edges[0].cursor if edges else None,
                               end_cursor=edges[-1].cursor if edges else None),
            unread_count=page.unread_count,
        )


    @strawberry.field(description="Channels out of service now, with their outage message: for whoever "
                                  "logs in after the message went out.")
    async def channel_outages(self, info: Info) -> list[ChannelOutage]:
        backline = info.context.backline
        return [ChannelOutage(channel=m.channel, since=m.sent_at, title=m.title, text=m.text,
                              message_id=strawberry.ID(str(m.id)))
                for m in await backline.messages.outages(backline.channels)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Mark one of my messages read (or unread again with read: false).")
    async def mark_message_read(self, info: Info, id: strawberry.ID, read: bool = True) -> MarkMessageReadResult:
        ctx = info.context
        return await attempt(lambda: ctx.backline.messages.mark_read(ctx.actor, int_id(id, "id"), read),
                             MyMessage.of)

    @strawberry.mutation(description="Administrators: send a message to one team (its agents and "
                                     "supervisors) or to everyone.")
    async def broadcast_message(self, info: Info, text: str, team_id: strawberry.ID | None = None,
                                everyone: bool = False, priority: MessagePriority = CorePriority.NORMAL,
                                title: str = "") -> BroadcastMessageResult:
        ctx = info.context

        async def run() -> Sent:
            team = int_id(team_id, "teamId") if team_id is not None else None
            return await ctx.backline.messages.broadcast(ctx.actor, text, team_id=team, everyone=everyone,
                                                         priority=priority, title=title)

        return await attempt(run(), lambda sent: BroadcastSent(
            message_id=strawberry.ID(str(sent.message.id)), recipient_count=len(sent.recipient_ids)))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Each new message of mine, at once (MSG2's preview).")
    async def message_received(self, info: Info, after: After = None) -> AsyncGenerator[MyMessage, None]:
        actor = info.context.actor
        mine = f"user:{actor.user_id}"
        async with following(info.context.backline, {TOPIC}, after) as stream:
            async for event in filtered(stream, lambda e: e.kind == "MessageReceived" and e.subject == mine):
                yield at(MyMessage.of(Received(message_from_payload(event.payload), None)), event.id)
