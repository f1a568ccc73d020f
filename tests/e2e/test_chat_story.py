"""A chat customer and two agents on real WebSockets against a `backline serve` process: the
customer starts a chat, the agent takes it, consults a colleague in a private thread, turns
it into a three-way chat, and the chat closes when both agents marked it done (CH1, CH2,
CON2, CON6, CON7, CNF1, SEC1)."""

from __future__ import annotations

import asyncio

import httpx

from tests.channels.conversation_desk import DONE, START_CHAT, CUSTOMER_SEND, send
from tests.e2e.desk import BY_ID, COMPLETE, CONSULT, GET, LOG_IN, ok, open_offer, target_id
from tests.support.client import GraphQLClient
from tests.support.servers import server_process
from tests.support.ws import Collector, ws_session

CUSTOMER_UPDATES = """subscription { customerChatUpdates {
  line { authorName fromMe text } chat { state iAmPresent participants { displayName present } } } }"""
AGENT_LINES = "subscription { transcriptLines { interactionId authorName text audience fromCustomer } }"


async def until(collector: Collector, predicate, timeout: float = 15.0) -> list[dict]:
    """Until what arrived satisfies `predicate` (a real-time bound on a live stream)."""
    async def go() -> None:
        while not predicate(collector.items):
            await asyncio.sleep(0.01)
    await asyncio.wait_for(go(), timeout)
    return collector.items


def customer_lines(items: list[dict]) -> list[str]:
    return [i["customerChatUpdates"]["line"]["text"] for i in items if i["customerChatUpdates"]["line"]]


def chat_states(items: list[dict]) -> list[str]:
    return [i["customerChatUpdates"]["chat"]["state"] for i in items if i["customerChatUpdates"]["chat"]]


def agent_lines(items: list[dict], interaction_id: str | None = None) -> list[str]:
    return [i["transcriptLines"]["text"] for i in items
            if interaction_id is None or i["transcriptLines"]["interactionId"] == interaction_id]


async def test_ch2_a_customer_and_two_agents_consult_then_conference_then_both_mark_done_over_websockets(
        backline, database_url):
    marie_target = await target_id(backline, "Marie Dupont")
    with server_process(database_url) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            agent = await GraphQLClient(http).login("agent")
            marie = await GraphQLClient(http).login("marie.dupont")
            await agent.execute(LOG_IN, {"c": "chat"})
            started = (await GraphQLClient(http).execute(
                START_CHAT, {"to": "queue:support", "n": "Léon Blum", "t": "Bonjour, ma carte est bloquée"}))["r"]
            chat_id = started["chat"]["id"]
            customer = GraphQLClient(http)
            customer.token = started["token"]
            async with ws_session(base, customer.token) as c_ws, ws_session(base, agent.token) as a_ws, \
                    ws_session(base, marie.token) as m_ws:
                c_live = Collector(c_ws, CUSTOMER_UPDATES)
                a_live = Collector(a_ws, AGENT_LINES)
                m_live = Collector(m_ws, AGENT_LINES)
                try:
                    await c_live.wait_for(2)  # the chat's state (waiting for an agent), the lines so far
                    assert chat_states(c_live.items) == ["ROUTING"]
                    assert customer_lines(c_live.items) == ["Bonjour, ma carte est bloquée"]
                    ringing = (await agent.execute(GET, {"id": chat_id}))["interaction"]
                    await ok(agent, BY_ID["acceptOffer"], id=open_offer(ringing)["id"])
                    await until(c_live, lambda items: "ACTIVE" in chat_states(items))

                    await send(agent, chat_id, "Bonjour, je regarde votre carte")
                    assert (await customer.execute(CUSTOMER_SEND, {"t": "Merci"}))["r"]["__typename"] == "ChatLine"
                    await until(a_live, lambda items: agent_lines(items) == ["Bonjour, je regarde votre carte", "Merci"])
                    await until(c_live, lambda items: customer_lines(items)[1:] == ["Bonjour, je regarde votre carte",
                                                                                    "Merci"])

                    # A private consultation thread (CON6): the customer never reads it (CON2).
                    await marie.execute(LOG_IN, {"c": "chat"})
                    consult = await ok(agent, CONSULT, id=chat_id, t=marie_target, c=None)
                    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consult)["id"])
                    await send(agent, consult["id"], "Carte bloquée après 3 codes faux, je débloque ?")
                    await send(marie, consult["id"], "Oui, et propose un nouveau code")
                    await until(m_live, lambda items: agent_lines(items, consult["id"]) == [
                        "Carte bloquée après 3 codes faux, je débloque ?", "Oui, et propose un nouveau code"])
                    await send(agent, chat_id, "Une collègue nous rejoint", internal=False)

                    # The consultation becomes a three-way chat in one step (CON7, CNF1).
                    joined = await ok(agent, COMPLETE, id=consult["id"], **{"as": "CONFERENCE"})
                    assert {p["userId"] for p in joined["parties"] if p["state"] == "CONNECTED"} >= {
                        agent.me["id"], marie.me["id"]}
                    await send(marie, chat_id, "Bonjour, Marie du service cartes")
                    assert (await customer.execute(CUSTOMER_SEND, {"t": "Bonjour Marie"}))["r"]["fromMe"] is True
                    await until(m_live, lambda items: agent_lines(items, chat_id)[-2:] == [
                        "Bonjour, Marie du service cartes", "Bonjour Marie"])
                    await until(a_live, lambda items: agent_lines(items, chat_id)[-2:] == [
                        "Bonjour, Marie du service cartes", "Bonjour Marie"])
                    await until(c_live, lambda items: customer_lines(items)[-2:] == [
                        "Bonjour, Marie du service cartes", "Bonjour Marie"])

                    # Both agents mark it done: only then does it close (CH2).
                    assert (await ok(agent, DONE, id=chat_id))["state"] == "ACTIVE"
                    assert (await ok(marie, DONE, id=chat_id))["state"] == "ENDED"
                    await until(c_live, lambda items: chat_states(items)[-1:] == ["ENDED"])
                    assert customer_lines(c_live.items) == [
                        "Bonjour, ma carte est bloquée", "Bonjour, je regarde votre carte", "Merci", "Une collègue nous rejoint",
                        "Bonjour, Marie du service cartes", "Bonjour Marie"]
                    assert not any("code" in text for text in customer_lines(c_live.items))
                finally:
                    for live in (c_live, a_live, m_live):
                        await live.close()
