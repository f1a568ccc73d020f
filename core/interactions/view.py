"""What a command or query hands back: an interaction with its parties and offers, read in
the same transaction."""

from __future__ import annotations

from dataclasses import dataclass

from core.interactions.models import Interaction, Offer, Party


@dataclass(frozen=True)
class InteractionView:
    interaction: Interaction
    parties: list[Party]
    offers: list[Offer]
    # Position of each waiting offer among the waiting requests of its channel (GRP4).
    positions: dict[int, int]


async def snapshot(work, interaction: Interaction) -> InteractionView:
    from core.interactions.queue import positions

    offers = await work.offers(interaction)
    return InteractionView(interaction, list(await work.parties(interaction)), offers,
                           await positions(work.session, offers))
