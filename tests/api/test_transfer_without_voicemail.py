"""TRF5 where voicemail is disabled: a transfer to an unavailable agent is refused with the
reason, and nothing changes."""

from __future__ import annotations

import pytest

from core.config import parse_config
from tests.e2e.desk import TRANSFER, answered_call, customer, do, party_of, ready_agent, target_id, GET


@pytest.fixture
def config(settings):
    text = settings.plugins_file.read_text(encoding="utf-8").replace("voicemail = true", "voicemail = false")
    return parse_config(text)


async def test_trf5_without_voicemail_a_transfer_to_a_not_ready_agent_is_refused_with_the_reason(
        backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await ready_agent(client_for, "marie.dupont", ready=False)
    call = await answered_call(backline, admin, agent)
    refused = await do(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    assert refused["__typename"] == "InvalidStateError"
    assert "Marie Dupont is not ready on voice (Pause)" in refused["message"]
    unchanged = (await agent.execute(GET, {"id": call["id"]}))["interaction"]
    assert customer(unchanged)["state"] == "CONNECTED" and party_of(unchanged, agent.me["id"])["state"] == "CONNECTED"
    logged_off = await do(agent, TRANSFER, id=call["id"], t=await target_id(backline, "Hélène Durand"))
    assert "logged off" in logged_off["message"]
