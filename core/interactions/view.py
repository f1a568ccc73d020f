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
    """As the acting user may see it: an agent on the interaction does not see a silent
    monitor unless configured (SUP1); users not on it act as supervisors or integrations."""
    from core.interactions.queue import positions
    from core.interactions.hearing import viewer_audience, visible_parties

    offers = await work.offers(interaction)
    parties = list(await work.parties(interaction))
    on_it = any(p.user_id == work.actor_id for p in parties)
    viewer = viewer_audience(work.actor_id, parties, sees_everything=not on_it)
    parties = visible_parties(parties, viewer, work.engine.options.tell_agent_when_monitored)
    return InteractionView(interaction, parties, offers, await positions(work.rows, offers))
