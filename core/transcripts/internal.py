"""Internal requests (IM1, IM3): an agent asks a team member (or a group) for a conversation
on a channel whose audience is internal, with a first message. The request rings the member
like any offer; accepting opens the conversation, declining or no answer ends it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.channels import Audience
from core.errors import InvalidInput, InvalidState, UnsupportedOperation
from core.identity.actor import Actor
from core.interactions import availability, targets
from core.interactions.models import (
    InteractionKind, InteractionState, OfferPurpose, PartyRole, PartyState,
)
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work
from core.transcripts.lines import validate_text
from core.transcripts.rules import LineAudience

if TYPE_CHECKING:
    from core.runtime import Backline


class InternalRequests:
    def __init__(self, backline: "Backline") -> None:
        self.backline = backline

    async def request(self, actor: Actor, channel_name: str, target_id: int, first_message: str) -> InteractionView:
        channel = self.backline.channels.get(channel_name)
        if channel.capabilities.audience is not Audience.INTERNAL:
            raise UnsupportedOperation(channel.name, "internal request",
                                       f"The {channel.name} channel is not for conversations between agents.")
        text = validate_text(channel, first_message)
        engine = self.backline.interactions
        async with self.backline.store.write() as uow:
            work = Work(engine, uow, actor.user_id)
            target = await targets.target_by_id(work.rows, target_id)
            if targets.is_person(target):
                if target.user_id == actor.user_id:
                    raise InvalidInput("You cannot send yourself a request.", field="targetId")
                reason = await availability.unavailable_reason(work, target, channel.name)
                if reason is not None:
                    raise InvalidState(f"{reason}; try another channel or later.", reason=reason,
                                       channel=channel.name)
            # Routing until accepted, like an inbound contact: the offer handler for routes
            # opens it on accept and ends it on decline or no answer.
            interaction = await work.create(channel=channel.name, kind=InteractionKind.INTERNAL,
                                            state=InteractionState.ROUTING, destination=target.name[:160],
                                            created_at=work.now)
            await work.parties(interaction)
            work.record(interaction, "InternalRequestCreated", targetId=target.id, targetName=target.name)
            mine = await work.add_party(interaction, PartyRole.OWNER, PartyState.CONNECTED, user_id=actor.user_id)
            await self.backline.transcripts.lines.write(work, interaction, mine, text, LineAudience.INTERNAL,
                                                        validated=True)
            await engine.routing.open(work, interaction, OfferPurpose.ROUTE, target, requester_id=actor.user_id)
            work.finish()
            return await snapshot(work, interaction)
