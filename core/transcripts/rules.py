"""Who reads which line (pure, no I/O). The customer reads only customer-visible lines of its
own chat, never an internal note nor a consultation (a separate interaction, CON2, CON6);
a removed party, or one the author is muted towards, does not read what is written (CNF6)."""

from __future__ import annotations

import enum
from typing import Iterable, Sequence

from core.interactions.models import Party, PartyState

# Roles the customer knows about: a supervisor who monitors or coaches is never shown.
CUSTOMER_FACING_ROLES = frozenset({"customer", "owner", "participant", "external", "barge"})


class LineAudience(str, enum.Enum):
    CUSTOMER = "customer"  # the customer and the agents
    INTERNAL = "internal"  # agents only: an internal note, or a line of an internal interaction


def customer_facing(party: Party) -> bool:
    return party.role.value in CUSTOMER_FACING_ROLES


def hidden_from(parties: Sequence[Party], author: Party | None) -> list[int]:
    """The parties that do not read a line `author` writes now: removed ones, and live ones
    the author is muted for or towards. A party that joins later reads what came before (the
    context travels with the interaction)."""
    hidden = set()
    for party in parties:
        if author is not None and party.id == author.id:
            continue
        if party.removed:
            hidden.add(party.id)
        elif author is not None and party.state is not PartyState.LEFT and (
                author.muted or party.id in author.muted_towards):
            hidden.add(party.id)
    return sorted(hidden)


def audience_for(requested: LineAudience, author: Party | None, internal_interaction: bool) -> LineAudience:
    """An internal interaction, or a party the customer does not know about, writes internal lines."""
    if internal_interaction or (author is not None and not customer_facing(author)):
        return LineAudience.INTERNAL
    return requested


def agent_reads(hidden: Iterable[int], reader_party_ids: Iterable[int]) -> bool:
    """A reader with parties on the interaction reads a line unless every one of them is hidden;
    a reader without a party there (a supervisor, a consulted member, CON3) reads all lines."""
    mine = set(reader_party_ids)
    return not mine or not mine <= set(hidden)


def customer_reads(audience: str, hidden: Iterable[int], customer_party_id: int) -> bool:
    return audience == LineAudience.CUSTOMER.value and customer_party_id not in set(hidden)
