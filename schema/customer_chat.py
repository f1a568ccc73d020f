"""The customer side of a chat: no account; `startChat` (public) returns a token valid for
that chat only, sent as `Authorization: Bearer <token>` (HTTP) or in `connection_init`
(WebSocket). The customer reads only the customer-visible transcript of its own chat: never
a consultation, an internal note or a supervisor (SEC1, CON2). These fields exist only when
the chat channel is enabled."""

from __future__ import annotations

from datetime import datetime
from typing import AsyncGenerator

import strawberry
from strawberry.relay import PageInfo, to_base64
from strawberry.types.info import Info

from core.errors import NotAuthenticated
from core.identity.guests import Guest
from core.interactions.work import TOPIC as INTERACTION_TOPIC
from core.transcripts.customer_chats import CustomerChat as CoreChat
from core.transcripts.lines import TOPIC as LINE_TOPIC
from core.transcripts.lines import Line
from core.transcripts.rules import CUSTOMER_FACING_ROLES
from schema.arguments import cursor_id, page_size, sid
from schema.errors import attempt, result_union
from schema.interactions import InteractionState
from schema.streams import CURSOR_HELP, PAGE, After, at, every_page, following
from schema.transcripts import CURSOR

CHANNEL = "chat"
# Root fields a customer calls without an account (schema/root.py lists them as public).
PUBLIC = {"start_chat", "customer_chat", "customer_chat_lines", "send_customer_message", "leave_chat"}


async def guest_of(context) -> Guest:
    return await context.backline.guests.authenticate(context.token)


@strawberry.type(description="A line of the chat as the customer reads it.")
class ChatLine:
    id: strawberry.ID
    author_name: str
    from_me: bool
    text: str
    written_at: datetime

    @classmethod
    def of(cls, line: Line) -> "ChatLine":
        return cls(id=sid(line.id), author_name=line.author_name, from_me=line.from_customer, text=line.text,
                   written_at=line.created_at)


@strawberry.type(description="Somebody on the chat, as the customer sees them.")
class ChatParticipant:
    display_name: str
    is_me: bool
    present: bool


@strawberry.type(description="The customer's chat.")
class CustomerChat:
    id: strawberry.ID
    state: InteractionState
    i_am_present: bool
    participants: list[ChatParticipant]

    @classmethod
    def of(cls, chat: CoreChat) -> "CustomerChat":
        return cls(id=sid(chat.interaction_id), state=chat.state, i_am_present=chat.customer_present,
                   participants=[ChatParticipant(display_name=p.display_name, is_me=p.is_customer, present=p.present)
                                 for p in chat.parties])


@strawberry.type
class ChatLineEdge:
    cursor: str
    node: ChatLine


@strawberry.type
class ChatLineConnection:
    edges: list[ChatLineEdge]
    page_info: PageInfo


@strawberry.type(description="A chat just started: keep the token, it is the only way back in.")
class ChatSession:
    token: str
    chat: CustomerChat


@strawberry.type(description="Something new on the customer's chat: a line, or the chat's state.")
class ChatUpdate:
    line: ChatLine | None
    chat: CustomerChat | None
    cursor: str | None = strawberry.field(default=None, description=CURSOR_HELP)


@strawberry.input
class StartChatInput:
    to: str = strawberry.field(description="A queue, group or routing point: `queue:Support`, `routing:5100`.")
    name: str
    text: str = strawberry.field(description="The first message.")
    email: str | None = None


StartChatResult = result_union("StartChatResult", ChatSession)
CustomerMessageResult = result_union("CustomerMessageResult", ChatLine)
CustomerChatResult = result_union("CustomerChatResult", CustomerChat)


@strawberry.type
class Query:
    @strawberry.field(description="Customer: your chat (authenticated by its chat token).")
    async def customer_chat(self, info: Info) -> CustomerChat:
        ctx = info.context
        return CustomerChat.of(await ctx.backline.transcripts.chats.view(await guest_of(ctx)))

    @strawberry.field(description="Customer: the lines of your chat you may read, oldest first.")
    async def customer_chat_lines(self, info: Info, first: int | None = None,
                                  after: str | None = None) -> ChatLineConnection:
        ctx = info.context
        guest = await guest_of(ctx)
        lines, more = await ctx.backline.transcripts.lines.for_customer(
            guest.interaction_id, guest.party_id, page_size(info, first), cursor_id(after, CURSOR))
        edges = [ChatLineEdge(cursor=to_base64(CURSOR, line.id), node=ChatLine.of(line)) for line in lines]
        return ChatLineConnection(edges=edges, page_info=PageInfo(
            has_next_page=more, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Customer (no account): start a chat on a queue, group or routing point "
                                     "with a first message; returns a token for this chat only.")
    async def start_chat(self, info: Info, input: StartChatInput) -> StartChatResult:
        ctx = info.context

        async def go():
            return await ctx.backline.transcripts.chats.start(CHANNEL, input.to, input.name, input.text, input.email)

        return await attempt(go(), lambda started: ChatSession(token=started[0], chat=CustomerChat.of(started[1])))

    @strawberry.mutation(description="Customer: write on your chat.")
    async def send_customer_message(self, info: Info, text: str) -> CustomerMessageResult:
        ctx = info.context

        async def go():
            return await ctx.backline.transcripts.chats.post(await guest_of(ctx), text)

        return await attempt(go(), ChatLine.of)

    @strawberry.mutation(description="Customer: leave the chat. It ends your side only; the agents close it.")
    async def leave_chat(self, info: Info) -> CustomerChatResult:
        ctx = info.context

        async def go():
            return await ctx.backline.transcripts.chats.leave(await guest_of(ctx))

        return await attempt(go(), CustomerChat.of)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Customer: your chat live: its state, the lines so far, then each new "
                                         "line you may read and each change of who is there.")
    async def customer_chat_updates(self, info: Info, after: After = None) -> AsyncGenerator[ChatUpdate, None]:
        ctx = info.context
        guest = await guest_of(ctx)
        chats = ctx.backline.transcripts.chats
        lines = ctx.backline.transcripts.lines
        async with following(ctx.backline, {LINE_TOPIC, INTERACTION_TOPIC}, after) as stream:
            last = 0
            if not stream.resumed:
                yield at(ChatUpdate(line=None, chat=CustomerChat.of(await chats.view(guest))), stream.head)
                # The lines so far, then the new ones.
                async for line in every_page(
                        lambda since: lines.for_customer(guest.interaction_id, guest.party_id, PAGE, since)):
                    last = line.id
                    yield at(ChatUpdate(line=ChatLine.of(line), chat=None), stream.head)
            async for event in stream:
                if event.topic == LINE_TOPIC:
                    if event.payload.get("entryId", 0) > last and lines.customer_sees(
                            guest.interaction_id, guest.party_id, event):
                        yield at(ChatUpdate(line=ChatLine.of(Line.from_event(event)), chat=None), event.id)
                elif event.payload.get("interactionId") == guest.interaction_id and (
                        event.kind in ("InteractionEnded", "InteractionStarted")
                        or (event.kind == "PartyStateChanged" and event.payload.get("role") in CUSTOMER_FACING_ROLES)):
                    yield at(ChatUpdate(line=None, chat=CustomerChat.of(await chats.view(guest))), event.id)



async def guest_or_none(context) -> Guest | None:
    """For the WebSocket handshake: a chat token opens a connection for that chat only."""
    try:
        return await guest_of(context)
    except NotAuthenticated:
        return None
