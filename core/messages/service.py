"""My Messages commands and queries. A message is delivered to each recipient in the
transaction that creates it, as one `MessageReceived` event per recipient (topic "message",
subject "user:<id>"), all sharing one payload built once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import func
from sqlmodel import col, select

from core.channels import Channel
from core.clock import Clock
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.events import Event
from core.identity.actor import Actor
from core.identity.models import Team, TeamSupervisor, User
from core.messages.models import Message, MessageDelivery, MessageKind, Priority
from core.store.unit_of_work import Store, UnitOfWork

TOPIC = "message"
MAX_TEXT = 2000
MAX_TITLE = 160


@dataclass(frozen=True)
class Received:
    """A message as one recipient sees it."""

    message: Message
    read_at: datetime | None

    @property
    def read(self) -> bool:
        return self.read_at is not None


@dataclass(frozen=True)
class Sent:
    message: Message
    recipient_ids: tuple[int, ...]


@dataclass(frozen=True)
class Page:
    items: list[Received]
    has_next_page: bool
    unread_count: int


def message_payload(message: Message) -> dict[str, Any]:
    return {
        "messageId": message.id,
        "kind": message.kind.value,
        "priority": message.priority.value,
        "title": message.title,
        "text": message.text,
        "sentAt": message.sent_at.isoformat(),
        "senderId": message.sender_id,
        "channel": message.channel,
        "resolvedAt": message.resolved_at.isoformat() if message.resolved_at else None,
        "data": dict(message.data),
    }


def message_from_payload(payload: Mapping[str, Any]) -> Message:
    return Message(
        id=payload["messageId"],
        kind=MessageKind(payload["kind"]),
        priority=Priority(payload["priority"]),
        title=payload["title"],
        text=payload["text"],
        sent_at=datetime.fromisoformat(payload["sentAt"]),
        sender_id=payload["senderId"],
        channel=payload["channel"],
        resolved_at=datetime.fromisoformat(payload["resolvedAt"]) if payload["resolvedAt"] else None,
        data=dict(payload["data"]),
    )


def _checked_text(text: str, title: str) -> tuple[str, str]:
    text, title = text.strip(), title.strip()
    if not text:
        raise InvalidInput("A message needs some text.", field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"A message is at most {MAX_TEXT} characters.", field="text")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"A title is at most {MAX_TITLE} characters.", field="title")
    return text, title


class MessagesService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # -- sending -------------------------------------------------------------------------

    async def deliver(self, uow: UnitOfWork, recipients: Iterable[int], *, kind: MessageKind,
                      text: str, title: str = "", priority: Priority = Priority.NORMAL,
                      sender_id: int | None = None, channel: str | None = None,
                      data: Mapping[str, Any] | None = None) -> Sent:
        """Store a message for `recipients` inside the caller's unit of work; it reaches them
        live once that unit of work commits (MSG2)."""
        text, title = _checked_text(text, title)
        message = Message(kind=kind, priority=priority, title=title or text[:MAX_TITLE], text=text,
                          sent_at=self.clock.now(), sender_id=sender_id, channel=channel,
                          data=dict(data or {}))
        uow.session.add(message)
        await uow.session.flush()
        payload = message_payload(message)
        recipient_ids = tuple(sorted(set(recipients)))
        for user_id in recipient_ids:
            uow.session.add(MessageDelivery(message_id=message.id, user_id=user_id))
            uow.record(Event(topic=TOPIC, kind="MessageReceived", at=message.sent_at, actor_id=sender_id,
                             subject=f"user:{user_id}", payload=payload))
        return Sent(message, recipient_ids)

    async def send_system_message(self, recipients: Iterable[int], text: str, *, title: str = "",
                                  priority: Priority = Priority.NORMAL, channel: str | None = None,
                                  data: Mapping[str, Any] | None = None) -> Sent:
        """For the core and plugins: a system message to the given users, in its own
        transaction."""
        async with self.store.write() as uow:
            return await self.deliver(uow, recipients, kind=MessageKind.SYSTEM, text=text, title=title,
                                      priority=priority, channel=channel, data=data)

    async def broadcast(self, actor: Actor, text: str, *, team_id: int | None = None,
                        everyone: bool = False, priority: Priority = Priority.NORMAL,
                        title: str = "") -> Sent:
        """An administrator's message to one team (its agents and supervisors) or to everyone."""
        if not actor.is_administrator:
            raise PermissionDenied("Only an administrator may broadcast a message.")
        if everyone == (team_id is not None):
            raise InvalidInput("Send to a team or to everyone (exactly one of them).", field="teamId")
        async with self.store.write() as uow:
            session = uow.session
            if everyone:
                recipients = (await session.exec(select(User.id))).all()
            else:
                if await session.get(Team, team_id) is None:
                    raise NotFound(f"No team with id {team_id}.")
                members = (await session.exec(select(User.id).where(User.team_id == team_id))).all()
                leads = (await session.exec(
                    select(TeamSupervisor.user_id).where(TeamSupervisor.team_id == team_id))).all()
                recipients = [*members, *leads]
            return await self.deliver(uow, recipients, kind=MessageKind.BROADCAST, text=text, title=title,
                                      priority=priority, sender_id=actor.user_id,
                                      data={"teamId": team_id} if team_id is not None else {})

    async def resolve(self, uow: UnitOfWork, message_id: int) -> None:
        """Mark a system message's condition as over (an outage ended)."""
        message = await uow.session.get(Message, message_id)
        if message is not None and message.resolved_at is None:
            message.resolved_at = self.clock.now()
            uow.session.add(message)

    # -- reading -------------------------------------------------------------------------

    async def my_messages(self, actor: Actor, first: int, after: int | None = None,
                          unread_only: bool = False) -> Page:
        """The actor's messages, newest first (MSG3); `after` is the id of the last message
        of the previous page."""
        if first < 0:
            raise InvalidInput("`first` must not be negative.", field="first")
        async with self.store.read() as session:
            query = (select(Message, MessageDelivery.read_at)
                     .join(MessageDelivery, MessageDelivery.message_id == Message.id)
                     .where(MessageDelivery.user_id == actor.user_id))
            if after is not None:
                query = query.where(Message.id < after)
            if unread_only:
                query = query.where(col(MessageDelivery.read_at).is_(None))
            rows = (await session.exec(query.order_by(col(Message.id).desc()).limit(first + 1))).all()
            unread = await self._unread_count(session, actor.user_id)
        items = [Received(message, read_at) for message, read_at in rows[:first]]
        return Page(items=items, has_next_page=len(rows) > first, unread_count=unread)

    async def outages(self, channels: Iterable[Channel]) -> list[Message]:
        """The out-of-service message of each channel whose backend is down now, so that
        someone who logs in later still learns of it (MSG1)."""
        down = [channel.name for channel in channels if not channel.in_service]
        found = []
        async with self.store.read() as session:
            for name in down:
                message = (await session.exec(
                    select(Message).where(Message.kind == MessageKind.SYSTEM, Message.channel == name)
                    .order_by(col(Message.id).desc()).limit(1))).first()
                if message is not None and message.resolved_at is None:
                    found.append(message)
        return found

    async def _unread_count(self, session, user_id: int) -> int:
        return (await session.exec(
            select(func.count()).select_from(MessageDelivery).where(
                MessageDelivery.user_id == user_id, col(MessageDelivery.read_at).is_(None))
        )).one()

    async def mark_read(self, actor: Actor, message_id: int, read: bool = True) -> Received:
        async with self.store.write() as uow:
            delivery = await uow.session.get(MessageDelivery, (message_id, actor.user_id))
            if delivery is None:
                raise NotFound(f"No message {message_id} in your messages.")
            message = await uow.session.get(Message, message_id)
            if read and delivery.read_at is None:
                delivery.read_at = self.clock.now()
            elif not read:
                delivery.read_at = None
            uow.session.add(delivery)
            uow.record(Event(topic=TOPIC, kind="MessageRead" if read else "MessageUnread",
                             at=self.clock.now(), actor_id=actor.user_id, subject=f"user:{actor.user_id}",
                             payload={"messageId": message_id}))
            return Received(message, delivery.read_at)
