"""Supervising a chat: the customer's own chat API (its view, its lines, its live updates over a
real socket) carries nothing of a monitor or coach (SUP1, SUP2); a coach writes to the agent."""

from __future__ import annotations

import pytest

from schema.app import create_app
from tests.api.test_chat import customer_says, customer_texts, taken_chat
from tests.api.test_supervision import SWITCH, on_call, party_of, supervise
from tests.channels.conversation_desk import CUSTOMER_CHAT, send, texts, transcript
from tests.e2e.desk import do
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, ws_session

UPDATES = """subscription { customerChatUpdates { line { text } chat { participants { displayName } } } }"""


@pytest.fixture
async def live(backline):
    async with serve_in_loop(create_app(backline)) as base:
        yield base


async def test_sup1_sup2_a_chat_customer_reads_nothing_of_a_monitor_or_a_coach(backline, api, client_for, live):
    agent, guest, chat = await taken_chat(backline, api, client_for)
    lead = await client_for("lead")
    async with ws_session(live, guest.token) as session:
        updates = Collector(session, UPDATES)
        try:
            await updates.wait_for(1)
            supervision = await supervise(lead, agent, "MONITOR", {"id": chat["id"]})
            assert party_of(on_call(supervision)["interaction"], lead.me["id"])["role"] == "MONITOR"
            refused = await send(lead, chat["id"], "Un moniteur n'écrit pas")
            assert refused["__typename"] == "InvalidStateError"
            await do(lead, SWITCH, s=supervision["id"], mode="COACH")
            coached = await send(lead, chat["id"], "Propose le remboursement")
            assert coached["__typename"] == "TranscriptLine"
            await send(agent, chat["id"], "Je vous rembourse")
            await customer_says(guest, "Merci !")
            # The agent reads its coach; the customer never does.
            assert "Propose le remboursement" in texts(await transcript(agent, chat["id"]))
            assert await customer_texts(guest) == ["Bonjour, ma carte est bloquée", "Je vous rembourse", "Merci !"]
            view = (await guest.execute(CUSTOMER_CHAT))["customerChat"]
            assert {p["displayName"] for p in view["participants"]} == {"Léon Blum", "Camille Martin"}
            # Live: the customer's last line is the marker that everything before it was delivered.
            items = updates.items
            while not any((i["customerChatUpdates"]["line"] or {}).get("text") == "Merci !" for i in items):
                items = await updates.wait_for(len(items) + 1)
            assert "Sophie Leclerc" not in str(items) and "Propose le remboursement" not in str(items)
        finally:
            await updates.close()
