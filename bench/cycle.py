"""The consult-then-transfer cycle's GraphQL, shared by the benchmarks that drive it: each
mutation answers under the alias `r` with the interaction's id and offers."""

from __future__ import annotations

LOGIN = "mutation($u: String!) { login(username: $u, password: \"demo\") { ... on LoginSuccess { token } } }"
LOG_IN = 'mutation { r: logIn(channel: "voice", ready: true) { __typename } }'
SHAPE = "{ __typename ... on Interaction { id offers { id state } } ... on Error { code message } }"
CALL = "mutation($to: String!) { r: createCustomerInteraction(input: {to: $to, from: \"+33100000000\"}) " + SHAPE + " }"
ACCEPT = "mutation($id: ID!) { r: acceptOffer(offerId: $id) " + SHAPE + " }"
CONSULT = "mutation($id: ID!, $t: ID!) { r: startConsultation(interactionId: $id, targetId: $t) " + SHAPE + " }"
COMPLETE = "mutation($id: ID!) { r: completeConsultation(consultationId: $id, as: TRANSFER) " + SHAPE + " }"
RELEASE = "mutation($id: ID!) { r: release(interactionId: $id) " + SHAPE + " }"


def open_offer(result: dict) -> str:
    """The id of the offer that rings or waits in a mutation's answer."""
    return next(o["id"] for o in result["offers"] if o["state"] in ("RINGING", "WAITING"))
