// The one place the pages read interaction events (InteractionEvent): which fields to ask for,
// and how to say one in a line. When events become typed (one GraphQL type per kind), only this
// module changes.
export const EVENT_FIELDS = "id kind at actorId interactionId payload cursor";

/** A short line for the event log: its kind, and the payload's reason when it has one. */
export function describeEvent(event) {
  const payload = event.payload || {};
  const reason = payload.reason || payload.endReason;
  return reason ? `${event.kind} (${reason})` : event.kind;
}
