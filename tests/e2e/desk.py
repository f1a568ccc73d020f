"""An agent desktop for tests: the GraphQL operations of the interaction engine, and helpers
to log agents in, place customer calls and find directory targets."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from core.directory.models import Target

INTERACTION = """
fragment I on Interaction {
  id channel kind state inbound parentId destination endReason
  context { key value } contact { key value }
  parties { id userId address displayName role state muted mutedTowards removed hears }
  offers { id purpose state targetName requesterId ringingUserId acceptedBy position reason }
}
"""
RESULT = INTERACTION + """
fragment R on InteractionResult {
  __typename
  ... on Interaction { ...I }
  ... on Error { code message }
  ... on UnsupportedOperationError { channel operation }
}
"""

CREATE = RESULT + """
mutation($to: String!, $from: String!, $channel: String!, $context: [KeyValueInput!], $contact: [KeyValueInput!]) {
  r: createCustomerInteraction(input: {to: $to, from: $from, channel: $channel, context: $context, contact: $contact}) { ...R }
}"""
BY_ID = {name: RESULT + f"mutation($id: ID!) {{ r: {name}({arg}: $id) {{ ...R }} }}"
         for name, arg in [("acceptOffer", "offerId"), ("declineOffer", "offerId"), ("cancelOffer", "offerId"),
                           ("hold", "interactionId"), ("retrieve", "interactionId"),
                           ("alternate", "interactionId"), ("release", "interactionId"),
                           ("customerHangUp", "interactionId"),
                           ("endConsultationAndRetrieve", "consultationId")]}
DTMF = RESULT + "mutation($id: ID!, $d: String!) { r: sendDtmf(interactionId: $id, digits: $d) { ...R } }"
ATTACH = RESULT + "mutation($id: ID!, $data: [KeyValueInput!]!) { r: attachData(interactionId: $id, data: $data) { ...R } }"
CONSULT = RESULT + """mutation($id: ID!, $t: ID!, $c: String) {
  r: startConsultation(interactionId: $id, targetId: $t, channel: $c) { ...R } }"""
COMPLETE = RESULT + """mutation($id: ID!, $as: ConsultationCompletion!) {
  r: completeConsultation(consultationId: $id, as: $as) { ...R } }"""
TRANSFER = RESULT + "mutation($id: ID!, $t: ID!) { r: transfer(interactionId: $id, targetId: $t) { ...R } }"
ADD = RESULT + """mutation($id: ID!, $t: ID, $a: String) {
  r: addToConference(interactionId: $id, targetId: $t, address: $a) { ...R } }"""
REMOVE = RESULT + "mutation($id: ID!, $p: ID!) { r: removeFromConference(interactionId: $id, partyId: $p) { ...R } }"
MUTE = RESULT + """mutation($id: ID!, $p: ID!, $to: ID) {
  r: muteParty(interactionId: $id, partyId: $p, towardsPartyId: $to) { ...R } }"""
GET = INTERACTION + "query($id: ID!) { interaction(id: $id) { ...I } }"
HISTORY = """query($id: ID!) { interaction(id: $id) { history(first: 100) {
  edges { node { id kind at actorId interactionId payload } } } } }"""
PARENT = """query($id: ID!) { interaction(id: $id) { parent { interactionId context { key value } contact { key value } } } }"""
MINE = INTERACTION + "query($all: Boolean!) { myInteractions(includeEnded: $all) { edges { node { ...I } } } }"
LOG_IN = "mutation($c: String!) { logIn(channel: $c, ready: true) { __typename } }"
NOT_READY = 'mutation($c: String!) { setNotReady(channel: $c, reason: "Pause") { __typename } }'
READY = "mutation($c: String!) { setReady(channel: $c) { __typename } }"
PRESENCE = "{ myPresence { channel state load } }"

CUSTOMER = "+33612345678"


async def do(client, mutation: str, **variables: Any) -> dict:
    """The mutation's result (success or typed error)."""
    return (await client.execute(mutation, variables))["r"]


async def ok(client, mutation: str, **variables: Any) -> dict:
    result = await do(client, mutation, **variables)
    assert result["__typename"] == "Interaction", result
    return result


async def ready_agent(client_for, username: str, channel: str = "voice", ready: bool = True):
    client = await client_for(username)
    await client.execute(LOG_IN, {"c": channel})
    if not ready:
        await client.execute(NOT_READY, {"c": channel})
    return client


async def place_call(admin, to: str, caller: str = CUSTOMER, channel: str = "voice",
                     context: dict | None = None, contact: dict | None = None) -> dict:
    as_list = lambda d: [{"key": k, "value": v} for k, v in (d or {}).items()]  # noqa: E731
    return await do(admin, CREATE, to=to, **{"from": caller}, channel=channel,
                    context=as_list(context), contact=as_list(contact))


async def target_id(backline, name: str) -> str:
    async with backline.store.read() as session:
        target = (await session.exec(select(Target).where(Target.name == name))).one()
    return str(target.id)


def party_of(interaction: dict, user_id: str | None = None, role: str | None = None) -> dict:
    for party in interaction["parties"]:
        if (user_id is None or party["userId"] == user_id) and (role is None or party["role"] == role) \
                and party["state"] != "LEFT":
            return party
    raise AssertionError(f"no live party user={user_id} role={role} in {interaction['parties']}")


def customer(interaction: dict) -> dict:
    return next(p for p in interaction["parties"] if p["role"] == "CUSTOMER")


def open_offer(interaction: dict) -> dict:
    return next(o for o in interaction["offers"] if o["state"] in ("RINGING", "WAITING"))


async def answered_call(backline, admin, agent, to: str | None = None, **kwargs) -> dict:
    """A customer call that `agent` (logged in and ready) has taken."""
    call = await place_call(admin, to or f"agent:{agent.me['username']}", **kwargs)
    offer = open_offer(call)
    assert offer["ringingUserId"] == agent.me["id"], call
    return await ok(agent, BY_ID["acceptOffer"], id=offer["id"])
