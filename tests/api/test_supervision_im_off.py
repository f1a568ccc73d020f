"""IM4 for supervisors: where the IM channel is off, a supervisor cannot IM the agent it
monitors; the refusal says why."""

from __future__ import annotations

import pytest

from core.config import parse_config
from tests.api.test_supervision import supervise
from tests.api.test_supervision_im import MESSAGE
from tests.e2e.desk import answered_call, do, ready_agent


@pytest.fixture
def config(settings):
    text = settings.plugins_file.read_text(encoding="utf-8")
    assert "[plugins.im]\nenabled = true" in text
    return parse_config(text.replace("[plugins.im]\nenabled = true", "[plugins.im]\nenabled = false"))


async def test_im4_no_instant_message_to_a_monitored_agent_where_im_is_off(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent")
    lead = await client_for("lead")
    call = await answered_call(backline, admin, agent)
    supervision = await supervise(lead, agent, "MONITOR", call)
    refused = await do(lead, MESSAGE, s=supervision["id"], x="Hello")
    assert refused["__typename"] == "InvalidStateError" and "not enabled" in refused["message"]
