"""What the customer's side may receive: the interaction without a monitor or a coach, and
no event about them (SUP1, SUP2). An integration (a switch, a chat server) relays only this to
the customer; after a barge-in the supervisor is a party like any other."""

from __future__ import annotations

from dataclasses import replace

from core.events import Event
from core.interactions.hearing import Audience, sees, visible_parties
from core.interactions.models import InteractionKind
from core.interactions.view import InteractionView
from core.interactions.work import TOPIC


def as_customer_sees(view: InteractionView, tell_agent_when_monitored: bool) -> InteractionView:
    return replace(view, parties=visible_parties(view.parties, Audience.EVERYONE, tell_agent_when_monitored))


def customer_may_see(event: Event, interaction_id: int) -> bool:
    """Engine events of the customer's own interaction meant for everyone: a consultation's
    are on another interaction (CON2), a monitor's or coach's are known to fewer (`knownTo`);
    chat lines are the transcript's to filter, on their own topic."""
    payload = event.payload
    return (event.topic == TOPIC and payload.get("interactionId") == interaction_id
            and payload.get("interactionKind") == InteractionKind.CUSTOMER.value
            and sees(Audience.EVERYONE, Audience.parse(payload.get("knownTo"))))
