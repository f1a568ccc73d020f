"""Why a person cannot take a request now, and what then happens (TRF5): voicemail where the
channel offers it, else a refusal that gives the reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.channels import Operation
from core.directory.models import Target
from core.errors import InvalidState
from core.interactions.models import Interaction
from core.presence.state import why_unavailable

if TYPE_CHECKING:
    from core.interactions.work import Work


async def unavailable_reason(work: "Work", target: Target, channel: str) -> str | None:
    """None when the person can take one more interaction on `channel` now."""
    presence = (await work.engine.presence.presence_of(work.rows, [target.user_id]))[target.user_id]
    mine = next(p for p in presence if p.channel == channel)
    if mine.available:
        return None
    return why_unavailable(mine, target.name)


def voicemail_possible(work: "Work", interaction: Interaction) -> bool:
    return work.channel(interaction).capabilities.supports(Operation.VOICEMAIL)


async def deposit_voicemail(work: "Work", interaction: Interaction, target: Target, caller: str) -> None:
    await work.engine.voicemail.deposit(
        work.uow, mailbox_user_id=target.user_id, caller=caller,
        interaction_id=interaction.id, duration_seconds=0,
    )


def refuse(reason: str, channel: str) -> InvalidState:
    return InvalidState(f"{reason}; voicemail is not available, so the request is refused.",
                        channel=channel, reason=reason)
