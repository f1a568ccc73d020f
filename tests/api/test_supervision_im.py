"""IM an agent during an interaction: a supervisor who monitors a call sends the agent an
instant message (IM1) without the customer learning of it (SUP1). Without IM: test_supervision_im_off.py."""

from __future__ import annotations

from tests.api.test_supervision import CUSTOMER_VIEW, supervise
from tests.channels.conversation_desk import send, texts, transcript
from tests.e2e.desk import BY_ID, LOG_IN, RESULT, answered_call, ok, open_offer, ready_agent

MESSAGE = RESULT + "mutation($s: ID!, $x: String!) { r: messageMonitoredAgent(supervisionId: $s, text: $x) { ...R } }"


async def test_sup1_im1_a_supervisor_ims_the_agent_it_monitors_and_the_customer_never_learns_of_it(
        backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    await agent.execute(LOG_IN, {"c": "im"})
    lead = await client_for("lead")
    call = await answered_call(backline, admin, agent)
    supervision = await supervise(lead, agent, "MONITOR", call)
    im = await ok(lead, MESSAGE, s=supervision["id"], x="Propose-lui le geste commercial")
    assert im["channel"] == "im" and im["kind"] == "INTERNAL"
    assert open_offer(im)["ringingUserId"] == agent.me["id"]
    accepted = await ok(agent, BY_ID["acceptOffer"], id=open_offer(im)["id"])
    await send(agent, accepted["id"], "OK")
    assert texts(await transcript(lead, im["id"])) == ["Propose-lui le geste commercial", "OK"]
    customers = (await admin.execute(CUSTOMER_VIEW, {"id": call["id"]}))["customerView"]
    assert {p["role"] for p in customers["parties"]} == {"CUSTOMER", "OWNER"}
