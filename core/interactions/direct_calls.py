"""Calls from the directory (CALL1), and the request every agent-to-agent contact starts
with: the caller is connected on an internal interaction that routes to the target like an
inbound contact (a colleague rings; a group rings one available member, or the request
waits, GRP3/GRP4). Accepting opens it; declining or no answer ends it. Once open it is a call
like any other: hold, consult, transfer and conference apply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.channels import Operation
from core.errors import InvalidInput, InvalidState, UnsupportedOperation
from core.identity.actor import Actor
from core.interactions import availability, targets
from core.interactions.models import (
    Interaction, InteractionKind, InteractionState, OfferPurpose, Party, PartyRole, PartyState,
)
from core.interactions.view import InteractionView, snapshot
from core.interactions.work import Work

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine


async def open_request(work: Work, actor: Actor, channel: str, target_id: int, asking: str) -> tuple[Interaction, Party, object]:
    """Within `work`: the internal interaction for a request from `actor` to a target on
    `channel`, the caller's party on it, and the target (route it once ready)."""
    target = await targets.target_by_id(work.rows, target_id)
    if targets.is_person(target):
        if target.user_id == actor.user_id:
            raise InvalidInput(f"You cannot {asking} yourself.", field="targetId")
        reason = await availability.unavailable_reason(work, target, channel)
        if reason is not None:
            raise InvalidState(f"{reason}; try another channel or later.", reason=reason, channel=channel)
    interaction = await work.create(channel=channel, kind=InteractionKind.INTERNAL, state=InteractionState.ROUTING,
                                    destination=target.name[:160], created_at=work.now)
    await work.parties(interaction)
    work.record(interaction, "InternalRequestCreated", targetId=target.id, targetName=target.name)
    mine = await work.add_party(interaction, PartyRole.OWNER, PartyState.CONNECTED, user_id=actor.user_id)
    return interaction, mine, target


class DirectCalls:
    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine

    def calling_channel(self, name: str | None) -> str:
        """The channel of a call: the one asked for, or the first enabled that places calls
        (the directory's CALL action: a channel with hold)."""
        if name is not None:
            channel = self.engine.channels.get(name)
            if not channel.capabilities.supports(Operation.HOLD):
                raise UnsupportedOperation(channel.name, "call", f"The {channel.name} channel does not place calls.")
            return channel.name
        for channel in self.engine.channels:
            if channel.capabilities.supports(Operation.HOLD):
                return channel.name
        raise InvalidState("No enabled channel places calls.")

    async def call(self, actor: Actor, target_id: int, channel: str | None = None) -> InteractionView:
        name = self.calling_channel(channel)
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction, _, target = await open_request(work, actor, name, target_id, "call")
            await self.engine.routing.open(work, interaction, OfferPurpose.ROUTE, target, requester_id=actor.user_id)
            work.finish()
            return await snapshot(work, interaction)
