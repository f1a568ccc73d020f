// The one place the pages read interaction events: which fields to ask for, and how to say one
// in a line. Events are typed (EVT1): an InteractionEvent interface, one type per kind.
export const EVENT_FIELDS = `__typename id kind at interactionId channel cursor
  ... on InteractionEndedEvent { endReason endReasonText }
  ... on PartyStateChangedEvent { state previous }
  ... on OfferClosedEvent { outcome reason }`;

/** A short line for the event log: its kind, with what it says of a party, an offer or an end. */
export function describeEvent(event) {
  switch (event.__typename) {
    case "InteractionEndedEvent": return `${event.kind} (${event.endReasonText || event.endReason})`;
    case "PartyStateChangedEvent": return `${event.kind} (${event.previous} → ${event.state})`;
    case "OfferClosedEvent": return `${event.kind} (${event.reason || event.outcome})`;
    default: return event.kind;
  }
}
