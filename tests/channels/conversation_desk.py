"""GraphQL operations for chats, e-mails and instant messages in tests (agents and customers)."""

from __future__ import annotations

from tests.e2e.desk import RESULT

LINE = "id interactionId partyId authorUserId authorName fromCustomer audience text details writtenAt"
SEND = """mutation($id: ID!, $t: String!, $n: Boolean!) { r: sendMessage(interactionId: $id, text: $t, internal: $n) {
  __typename ... on TranscriptLine { """ + LINE + """ } ... on Error { code message }
  ... on UnsupportedOperationError { channel operation } } }"""
TRANSCRIPT = "query($id: ID!) { transcript(interactionId: $id, first: 100) { edges { node { " + LINE + " } } } }"
DONE = RESULT + "mutation($id: ID!) { r: markDone(interactionId: $id) { ...R } }"
IM = RESULT + "mutation($t: ID!, $x: String!) { r: sendInstantMessage(targetId: $t, text: $x) { ...R } }"
IM_REQUESTS = "{ instantMessageRequests { offerId interactionId fromUserId fromName firstMessage } }"

CHAT = "id state iAmPresent participants { displayName isMe present }"
START_CHAT = """mutation($to: String!, $n: String!, $t: String!) { r: startChat(input: {to: $to, name: $n, text: $t}) {
  __typename ... on ChatSession { token chat { """ + CHAT + """ } } ... on Error { code message } } }"""
CUSTOMER_SEND = """mutation($t: String!) { r: sendCustomerMessage(text: $t) {
  __typename ... on ChatLine { id authorName fromMe text } ... on Error { code message } } }"""
CUSTOMER_LINES = "{ customerChatLines(first: 100) { edges { node { id authorName fromMe text } } } }"
CUSTOMER_CHAT = "{ customerChat { " + CHAT + " } }"
LEAVE_CHAT = "mutation { r: leaveChat { __typename ... on CustomerChat { " + CHAT + " } ... on Error { code message } } }"


async def send(client, interaction_id: str, text: str, internal: bool = False) -> dict:
    return (await client.execute(SEND, {"id": interaction_id, "t": text, "n": internal}))["r"]


async def transcript(client, interaction_id: str) -> list[dict]:
    data = await client.execute(TRANSCRIPT, {"id": interaction_id})
    return [edge["node"] for edge in data["transcript"]["edges"]]


def texts(lines: list[dict]) -> list[str]:
    return [line["text"] for line in lines]
