"""Typed interaction events (EVT1): one GraphQL interface, `InteractionEvent`, and one object
type per kind of event, its fields typed with the schema's own enums and `ID`s.

The engine records an event as a kind and a payload of plain values (core.events); this
module is the one place that reads those payloads for clients. Each type declares its fields
and the payload key of each is its camelCase name; `of` converts the values by the field's
type (an `ID` from an integer, an enum from its value, a time from its ISO text). A kind no
type declares (a plugin's own) is an `OtherInteractionEvent`, with only the common fields.
The untyped `payload` stays one release, deprecated, for clients moving over."""

from __future__ import annotations

import enum
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any, Iterable

import strawberry
from strawberry.scalars import JSON

from core.events import Event
from core.interactions import reasons
from core.interactions.hearing import Audience as CoreAudience
from core.interactions.hearing import Mode as CoreMode
from core.interactions.models import InteractionKind as CoreKind
from core.interactions.models import OfferPurpose as CorePurpose
from core.interactions.models import OfferState as CoreOfferState
from core.interactions.models import PartyRole as CoreRole
from core.interactions.models import PartyState as CorePartyState
from core.interactions.models import WrapUpOutcome as CoreWrapUpOutcome
from schema.streams import CURSOR_HELP
from schema.supervision_mode import SupervisionMode

# The enums the events use, named once here (schema.interactions and schema.wrap_up reuse them).
InteractionKind = strawberry.enum(CoreKind, name="InteractionKind")
PartyRole = strawberry.enum(CoreRole, name="PartyRole")
PartyState = strawberry.enum(CorePartyState, name="PartyState")
OfferPurpose = strawberry.enum(CorePurpose, name="OfferPurpose")
OfferState = strawberry.enum(CoreOfferState, name="OfferState")
WrapUpOutcome = strawberry.enum(CoreWrapUpOutcome, name="WrapUpOutcome",
                                description="How a wrap-up ended: recorded by the agent, or its time limit passed.")
EndReason = strawberry.enum(reasons.EndReason, name="EndReason", description=(
    "Why an interaction ended. DECLINED, NO_ANSWER, CANCELLED, TIMED_OUT: nobody took the contact's "
    "request, which ended that way. OTHER: a reason a plugin gave (see the text beside)."))
ChangeCause = strawberry.enum(reasons.ChangeCause, name="PartyChangeCause",
                              description="Why a party's state changed (agents' side only).")
EventAudience = strawberry.enum(CoreAudience, name="EventAudience", description=(
    "Who may know of an event about a supervisor: SUPERVISORS (a silent monitor or a coach), "
    "COMPANY (not the customer); null: everyone on the interaction."))

# Internal routing of events, not for clients.
HIDDEN_PAYLOAD = frozenset({"visibleTo", "teamIds"})
# What the customer's side is not told: why a party's state changed (another call taken, a
# consultation, a retrieve are the agent's own business) and who else may know of it.
CUSTOMER_HIDDEN_PAYLOAD = HIDDEN_PAYLOAD | {"because", "knownTo", "hiddenFrom", "hiddenUserIds"}


@strawberry.interface(description=(
    "Something that happened on an interaction: who did what, when (REL3, EVT1). Select the fields "
    "of each kind with `... on PartyStateChangedEvent { state because }` and so on."))
class InteractionEvent:
    id: strawberry.ID
    kind: str = strawberry.field(description="The event's kind, as its type names it without `Event`.")
    at: datetime
    actor_id: strawberry.ID | None = strawberry.field(description="The user whose command it was, if any.")
    interaction_id: strawberry.ID
    channel: str
    interaction_kind: InteractionKind
    known_to: EventAudience | None = None
    cursor: str | None = strawberry.field(default=None, description=CURSOR_HELP)
    payload: JSON = strawberry.field(default=None, deprecation_reason=(
        "Every value is a typed field of the event's own type; `payload` goes in the next release."))


def event_type(kind: str, description: str):
    """A concrete event type for `kind` (its GraphQL name: the kind + `Event`)."""
    def register(cls):
        cls = strawberry.type(name=f"{kind}Event", description=description)(cls)
        _TYPES[kind] = cls
        return cls
    return register


_TYPES: dict[str, type] = {}
ID = strawberry.ID


@event_type("InteractionCreated", "A contact arrived (or an internal call was placed) for a destination.")
class InteractionCreated(InteractionEvent):
    caller: str | None = strawberry.field(default=None, description="The customer's name or address.")
    destination: str | None = None
    target_name: str | None = None


@event_type("InteractionStarted", "An agent took the contact: it is active.")
class InteractionStarted(InteractionEvent):
    owner_id: ID | None = None


@event_type("InteractionEnded", "The interaction ended.")
class InteractionEnded(InteractionEvent):
    end_reason: EndReason
    end_reason_text: str = strawberry.field(description="The reason, for people.")


@event_type("InternalRequestCreated", "An agent called a directory target (CALL1) or sent it an IM request.")
class InternalRequestCreated(InteractionEvent):
    target_id: ID | None = None
    target_name: str | None = None


@event_type("PartyAdded", "A party joined (ringing, connected …).")
class PartyAdded(InteractionEvent):
    party_id: ID
    user_id: ID | None = None
    role: PartyRole
    state: PartyState
    display_name: str


@event_type("PartyStateChanged", "A party's state changed (held, connected, left …).")
class PartyStateChanged(InteractionEvent):
    party_id: ID
    user_id: ID | None = None
    role: PartyRole
    state: PartyState
    previous: PartyState
    because: ChangeCause | None = strawberry.field(default=None, description="Null on the customer's side.")


@event_type("PartyRoleChanged", "A party's role changed (a new owner after the owner left).")
class PartyRoleChanged(InteractionEvent):
    party_id: ID
    user_id: ID | None = None
    role: PartyRole


@event_type("PartyWithdrawn", "A barging supervisor went back to silent: those who may not know of it "
                              "no longer see the party.")
class PartyWithdrawn(InteractionEvent):
    party_id: ID
    user_id: ID | None = None


@event_type("PartyMuted", "A party was muted, for everyone or towards one party (CNF6).")
class PartyMuted(InteractionEvent):
    party_id: ID
    towards_party_id: ID | None = None


@event_type("PartyUnmuted", "A party was unmuted, for everyone or towards one party (CNF6).")
class PartyUnmuted(InteractionEvent):
    party_id: ID
    towards_party_id: ID | None = None


@event_type("OfferOpened", "A request for a target to join was made.")
class OfferOpened(InteractionEvent):
    offer_id: ID
    purpose: OfferPurpose
    target_id: ID | None = None
    target_name: str | None = None
    requester_id: ID | None = None


@event_type("OfferRinging", "A request rings an agent.")
class OfferRinging(InteractionEvent):
    offer_id: ID
    purpose: OfferPurpose
    user_id: ID | None = None
    party_id: ID
    target_name: str | None = None


@event_type("OfferWaiting", "A request waits for an agent, in order (GRP4).")
class OfferWaiting(InteractionEvent):
    offer_id: ID
    purpose: OfferPurpose
    target_name: str | None = None
    position: int | None = None
    requester_id: ID | None = None


@event_type("OfferClosed", "A request ended without being taken: declined, no answer, cancelled, timed out.")
class OfferClosed(InteractionEvent):
    offer_id: ID
    purpose: OfferPurpose
    outcome: OfferState
    reason: str | None = strawberry.field(default=None, description="The outcome, for people.")
    requester_id: ID | None = None


@event_type("OfferUnanswered", "The agent it rang did not take it (declined, no answer); it goes on.")
class OfferUnanswered(InteractionEvent):
    offer_id: ID
    outcome: OfferState
    user_id: ID | None = None


@event_type("OfferAccepted", "An agent took the request.")
class OfferAccepted(InteractionEvent):
    offer_id: ID
    purpose: OfferPurpose
    user_id: ID | None = None
    party_id: ID
    requester_id: ID | None = None


@event_type("Transferred", "The interaction went from one agent to another.")
class Transferred(InteractionEvent):
    from_user_id: ID | None = None
    to_user_id: ID | None = None


@event_type("TransferredToVoicemail", "Transferred to a person's voicemail box (TRF5).")
class TransferredToVoicemail(InteractionEvent):
    mailbox_user_id: ID
    reason: str | None = None


@event_type("VoicemailDeposited", "The contact was sent to a voicemail box.")
class VoicemailDeposited(InteractionEvent):
    mailbox_user_id: ID
    reason: str | None = None


@event_type("ConsultationStarted", "A consultation about a customer interaction began (on the consultation).")
class ConsultationStarted(InteractionEvent):
    parent_id: ID
    target_name: str | None = None


@event_type("ConferenceJoined", "A party joined the conference.")
class ConferenceJoined(InteractionEvent):
    party_id: ID
    user_id: ID | None = None
    external: bool = False


@event_type("DtmfSent", "Keypad digits were sent (the digits themselves are not kept).")
class DtmfSent(InteractionEvent):
    party_id: ID
    count: int


@event_type("ContextChanged", "Attached data changed (TRF2).")
class ContextChanged(InteractionEvent):
    keys: list[str]


@event_type("SupervisionStarted", "A supervisor joined to monitor, coach or barge in (SUP1, SUP2).")
class SupervisionStarted(InteractionEvent):
    party_id: ID
    supervisor_id: ID
    agent_id: ID | None = None
    mode: SupervisionMode


@event_type("SupervisionModeChanged", "A supervisor switched mode.")
class SupervisionModeChanged(InteractionEvent):
    party_id: ID
    mode: SupervisionMode
    previous_mode: SupervisionMode


@event_type("MarkedDone", "An agent marked a chat, e-mail or IM done (CH2).")
class MarkedDone(InteractionEvent):
    user_id: ID | None = None


@event_type("CustomerReplied", "The customer replied to an e-mail thread that had ended.")
class CustomerReplied(InteractionEvent):
    entry_id: ID


@event_type("CustomerLeft", "The customer left the chat.")
class CustomerLeft(InteractionEvent):
    party_id: ID


@event_type("WrapUpStarted", "An agent who left is in wrap-up (WRP1).")
class WrapUpStarted(InteractionEvent):
    wrap_up_id: ID
    user_id: ID | None = None
    party_id: ID
    ends_at: datetime | None = strawberry.field(default=None, description="Null: until the agent completes it.")


@event_type("WrapUpEnded", "An agent's wrap-up ended, with its dispositions (WRP2).")
class WrapUpEnded(InteractionEvent):
    wrap_up_id: ID
    user_id: ID | None = None
    wrap_up_outcome: WrapUpOutcome
    codes: list[str]
    note: str | None = None
    seconds: float


@strawberry.type(description="An event of a kind this schema does not type (a plugin's own).")
class OtherInteractionEvent(InteractionEvent):
    pass


EVENT_TYPES: tuple[type, ...] = (*_TYPES.values(), OtherInteractionEvent)


@cache
def _fields(cls: type) -> tuple[tuple[str, str, Any], ...]:
    """(field name, payload key, type) of the fields a kind adds to the interface."""
    own = typing.get_type_hints(cls, include_extras=False)
    common = typing.get_type_hints(InteractionEvent)
    return tuple((name, _camel(name), hint) for name, hint in own.items() if name not in common)


# Fields named apart from their payload key: one field name has one type across every event
# type (GraphQL refuses a selection where `previous` would be a PartyState here and a mode there).
_PAYLOAD_KEYS = {"previous_mode": "previous", "wrap_up_outcome": "outcome"}


def _camel(name: str) -> str:
    if name in _PAYLOAD_KEYS:
        return _PAYLOAD_KEYS[name]
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return _convert(args[0], value)
    if typing.get_origin(hint) is list:
        return [_convert(args[0], v) for v in value]
    if hint is ID:
        return ID(str(value))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum(hint, value)
    if hint is datetime:
        return datetime.fromisoformat(value) if isinstance(value, str) else value
    return value


def _enum(cls: type[enum.Enum], value: Any) -> enum.Enum:
    if cls is CoreAudience:
        return CoreAudience.parse(value)
    if cls is CoreMode:
        return CoreMode(value)
    return cls(value)


def _special(kind: str, payload: dict) -> dict:
    """Values a kind shows that its payload words carry (the end reason's enum and text)."""
    if kind == "InteractionEnded":
        word = payload.get("reason")
        return {"end_reason": reasons.end_reason(word) or reasons.EndReason.OTHER,
                "end_reason_text": reasons.end_text(word) or ""}
    if kind == "PartyStateChanged" and "because" in payload:
        return {"because": reasons.change_cause(payload["because"])}
    return {}


def event_of(event: Event, hidden: Iterable[str] = HIDDEN_PAYLOAD) -> InteractionEvent:
    """The typed form of an interaction event, without the payload keys in `hidden`."""
    hidden = frozenset(hidden)
    payload = {k: v for k, v in event.payload.items() if k not in hidden}
    cls = _TYPES.get(event.kind, OtherInteractionEvent)
    values: dict[str, Any] = {}
    special = _special(event.kind, payload)
    for name, key, hint in _fields(cls):
        values[name] = special[name] if name in special else _convert(hint, payload.get(key))
    known_to = payload.get("knownTo")
    return cls(id=ID(str(event.id)), kind=event.kind, at=event.at,
               actor_id=ID(str(event.actor_id)) if event.actor_id is not None else None,
               interaction_id=ID(str(payload.get("interactionId", event.payload.get("interactionId")))),
               channel=event.payload.get("channel", ""),
               interaction_kind=CoreKind(event.payload.get("interactionKind", CoreKind.CUSTOMER.value)),
               known_to=CoreAudience.parse(known_to) if known_to else None,
               payload=payload, **values)
