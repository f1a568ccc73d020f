"""Internal voice interactions that another service opens for one agent with a system
endpoint — voicemail access (VM2): the agent is its only party, so it is busy on the channel
by the usual load accounting, and keypad digits sent on it (Calls.send_dtmf) go to whoever
registered for them. The engine never imports those services: they call in, and register a
digits handler."""

from __future__ import annotations

from typing import TYPE_CHECKING, Awaitable, Callable

from core.interactions.models import Interaction, InteractionKind, InteractionState, PartyRole, PartyState
from core.interactions.work import Work
from core.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine

# (unit of work, interaction id, user id, digits) -> None, or the reason to end the interaction.
DigitsHandler = Callable[[UnitOfWork, int, int, str], Awaitable[str | None]]
# (unit of work, interaction id, reason) when an internal interaction ends, however it ends.
EndedHandler = Callable[[UnitOfWork, int, str], Awaitable[None]]


class InternalCalls:
    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine
        self.digits_handlers: list[DigitsHandler] = []
        self.ended_handlers: list[EndedHandler] = []

    def on_digits(self, handler: DigitsHandler) -> None:
        self.digits_handlers.append(handler)

    def on_ended(self, handler: EndedHandler) -> None:
        self.ended_handlers.append(handler)

    async def ended(self, uow: UnitOfWork, interaction_id: int, reason: str) -> None:
        """Called by Work.end for an internal interaction, in its unit of work."""
        for handler in self.ended_handlers:
            await handler(uow, interaction_id, reason)

    async def start(self, uow: UnitOfWork, user_id: int, channel: str, destination: str) -> int:
        """Inside the caller's unit of work: a connected internal interaction with the user as
        its owner; returns its id."""
        self.engine.channels.get(channel)
        work = Work(self.engine, uow, user_id)
        interaction = await work.create(channel=channel, kind=InteractionKind.INTERNAL, state=InteractionState.ACTIVE,
                                        destination=destination[:160], created_at=work.now)
        await work.parties(interaction)
        work.record(interaction, "InteractionCreated", destination=destination, targetName=destination)
        await work.add_party(interaction, PartyRole.OWNER, PartyState.CONNECTED, user_id=user_id)
        work.finish()
        return interaction.id

    async def end(self, uow: UnitOfWork, interaction_id: int, reason: str) -> None:
        work = Work(self.engine, uow, None)
        await work.end(await work.interaction(interaction_id), reason)
        work.finish()

    async def digits(self, work: Work, interaction: Interaction, user_id: int, digits: str) -> None:
        """Called by Calls.send_dtmf on an internal interaction, in its unit of work."""
        for handler in self.digits_handlers:
            reason = await handler(work.uow, interaction.id, user_id, digits)
            if reason is not None:
                await work.end(interaction, reason)
                return
