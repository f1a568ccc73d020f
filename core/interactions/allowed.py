"""What the caller may do on an interaction now (Genesys calls these a call's
`capabilities`): the channel's operations narrowed by the interaction's state and the
caller's leg; and what they may do to each of its parties (mute, remove). The directory's
actions (DIR3) and the desktop's buttons read them; the server decides, the front end
renders."""

from __future__ import annotations

import enum

from core.channels import Capabilities, Operation
from core.identity.actor import Actor
from core.interactions import rules
from core.interactions.models import (
    Interaction, InteractionKind, InteractionState, Offer, OfferPurpose, Party, PartyRole, PartyState,
)


def allowed_operations(user_id: int, interaction: Interaction, parties: list[Party], offers: list[Offer],
                       capabilities: Capabilities, conference_max_parties: int) -> frozenset[Operation]:
    leg = rules.leg_of(user_id, parties)
    if leg is None or leg.state is PartyState.ALERTING or interaction.state is not InteractionState.ACTIVE:
        return frozenset()
    allowed: set[Operation] = set()
    if capabilities.supports(Operation.HOLD):
        allowed.add(Operation.HOLD)
    if capabilities.supports(Operation.DTMF) and leg.state is PartyState.CONNECTED:
        allowed.add(Operation.DTMF)
    if interaction.kind is InteractionKind.CONSULTATION:
        return frozenset(allowed)
    # A consultation may use another channel than the interaction's (CON1): the directory
    # narrows by the target's channels; here it is allowed whenever the caller is on the call.
    allowed.add(Operation.CONSULT)
    if not rules.handed_on(interaction, parties):
        return frozenset(allowed)
    if capabilities.supports(Operation.CONFERENCE) and rules.conference_has_room(parties, conference_max_parties):
        allowed.add(Operation.CONFERENCE)
    pending = any(o.state.open and o.purpose is OfferPurpose.TRANSFER for o in offers)
    inbound_ok = interaction.inbound or not capabilities.transfer_inbound_only
    if capabilities.supports(Operation.TRANSFER) and leg.role is PartyRole.OWNER and not pending and inbound_ok:
        allowed.add(Operation.TRANSFER)
        if capabilities.supports(Operation.VOICEMAIL):
            allowed.add(Operation.VOICEMAIL)
    return frozenset(allowed)


class PartyAction(str, enum.Enum):
    MUTE = "mute"  # CNF6
    REMOVE = "remove"  # CNF7


def allowed_on_party(actor: Actor, party: Party, parties: list[Party], capabilities: Capabilities,
                     account_may_remove: bool) -> frozenset[PartyAction]:
    """What the caller may do to `party` now, as core.interactions.conferences decides it
    when asked."""
    if not rules.is_live(party):
        return frozenset()
    allowed: set[PartyAction] = set()
    if rules.may_mute(actor, rules.leg_of(actor.user_id, parties), party):
        allowed.add(PartyAction.MUTE)
    if account_may_remove and capabilities.supports(Operation.CONFERENCE) and rules.removable(party):
        allowed.add(PartyAction.REMOVE)
    return frozenset(allowed)
