"""Internal requests (IM1, IM3): an agent asks a team member (or a group) for a conversation
on a channel whose audience is internal, with a first message. The request rings the member
like any offer; accepting opens the conversation, declining or no answer ends it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.channels import Audience
from core.errors import UnsupportedOperation
from core.identity.actor import Actor
from core.interactions.direct_calls import open_request
from core.interactions.models import OfferPurpose
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work
from core.transcripts.lines import validate_text
from core.transcripts.rules import LineAudience

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine
    from core.transcripts.lines import Lines


class InternalRequests:
    def __init__(self, engine: "InteractionEngine", lines: "Lines") -> None:
        self.engine, self.lines = engine, lines

    async def request(self, actor: Actor, channel_name: str, target_id: int, first_message: str) -> InteractionView:
        channel = self.engine.channels.get(channel_name)
        if channel.capabilities.audience is not Audience.INTERNAL:
            raise UnsupportedOperation(channel.name, "internal request",
                                       f"The {channel.name} channel is not for conversations between agents.")
        text = validate_text(channel, first_message)
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            # Routing until accepted, like an inbound contact: the offer handler for routes
            # opens it on accept and ends it on decline or no answer.
            interaction, mine, target = await open_request(work, actor, channel.name, target_id,
                                                           "send a request to")
            await self.lines.write(work, interaction, mine, text, LineAudience.INTERNAL, validated=True)
            await self.engine.routing.open(work, interaction, OfferPurpose.ROUTE, target, requester_id=actor.user_id)
            work.finish()
            return await snapshot(work, interaction)
