"""System messages for channel backends that go out of service and come back (MSG1).

Who is told: the agents logged in to the channel at that moment, and every administrator.
The all-clear also goes to whoever got the outage message (they may have logged off since),
and the outage message is marked resolved."""

from __future__ import annotations

import logging

from sqlmodel import select

from core.channels import Channel, ChannelRegistry
from core.identity.models import Role, User
from core.messages.models import MessageDelivery, MessageKind, Priority
from core.messages.service import MessagesService
from core.presence.models import ChannelPresence

log = logging.getLogger("backline.messages")

MAX_DETAIL = 500


class ChannelOutages:
    def __init__(self, messages: MessagesService) -> None:
        self.messages = messages
        # The open outage message of each channel, to resolve when it comes back.
        self._open: dict[str, int] = {}

    def watch(self, channels: ChannelRegistry) -> None:
        for channel in channels:
            channel.status_reporter = self.changed

    async def changed(self, channel: Channel, in_service: bool, detail: str) -> None:
        name = channel.display_name or channel.name
        detail = (detail or "").strip()[:MAX_DETAIL]
        log.warning("Channel %s %s%s", channel.name, "back in service" if in_service else "out of service",
                    f": {detail}" if detail else "")
        async with self.messages.store.write() as uow:
            session = uow.session
            recipients = set((await session.exec(select(ChannelPresence.user_id).where(
                ChannelPresence.channel == channel.name, ChannelPresence.logged_in == True))).all())  # noqa: E712
            recipients |= set((await session.exec(select(User.id).where(User.role == Role.ADMINISTRATOR))).all())
            outage_id = self._open.pop(channel.name, None) if in_service else None
            if outage_id is not None:
                recipients |= set((await session.exec(select(MessageDelivery.user_id).where(
                    MessageDelivery.message_id == outage_id))).all())
                await self.messages.resolve(uow, outage_id)
            if in_service:
                title = f"{name} back in service"
                text = f"The {name} channel is back in service." + (f" {detail}" if detail else "")
            else:
                title = f"{name} out of service"
                text = f"The {name} channel is out of service" + (f": {detail}" if detail else ".")
            sent = await self.messages.deliver(
                uow, recipients, kind=MessageKind.SYSTEM, priority=Priority.NORMAL if in_service else Priority.URGENT,
                title=title, text=text, channel=channel.name,
                data={"inService": in_service, **({"resolves": outage_id} if outage_id else {})})
        if not in_service:
            self._open[channel.name] = sent.message.id
