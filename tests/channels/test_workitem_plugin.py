"""CH3 and CH1: the sample third-party channel (examples/backline-workitem), loaded from its
entry point because plugins.toml enables it, carries work items through the same engine as
the built-ins: created by the integration mutation, routed, transferred, marked done. No line
of core names it (tests/plugins/test_third_party_plugin.py checks that)."""

from __future__ import annotations

import pytest

from core.config import PluginEntry
from tests.channels.conversation_desk import DONE, send
from tests.e2e.desk import BY_ID, TRANSFER, do, ok, open_offer, party_of, place_call, ready_agent, target_id
from tests.support.config import repository_config


@pytest.fixture
def config(settings):
    config = repository_config(settings.plugins_file)
    config.plugins["workitem"] = PluginEntry("workitem", True, {"capacity": 2, "default_due_hours": 8})
    return config


async def test_ch3_the_entry_point_plugin_runs_and_declares_its_capabilities(backline, api):
    await api.login("agent")
    channels = {c["name"]: c for c in (await api.execute(
        "{ channels { name displayName operations capacity closePolicy } }"))["channels"]}
    assert type(backline.channels.get("workitem")).__module__ == "backline_workitem"
    assert channels["workitem"] == {"name": "workitem", "displayName": "Work item", "operations": ["TRANSFER"],
                                    "capacity": 2, "closePolicy": "WHEN_ALL_AGENTS_DONE"}


async def test_ch3_a_work_item_is_created_routed_transferred_and_closed_through_the_engine(backline, api, client_for):
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent", channel="workitem")
    item = await place_call(admin, "queue:Support", caller="claims-system", channel="workitem",
                            context={"claim": "C-2026-118", "due": "8h"})
    assert item["__typename"] == "Interaction" and item["channel"] == "workitem"
    assert open_offer(item)["ringingUserId"] == agent.me["id"]
    taken = await ok(agent, BY_ID["acceptOffer"], id=open_offer(item)["id"])
    marie = await ready_agent(client_for, "marie.dupont", channel="workitem")
    pending = await ok(agent, TRANSFER, id=taken["id"], t=await target_id(backline, "Marie Dupont"))
    moved = await ok(marie, BY_ID["acceptOffer"], id=open_offer(pending)["id"])
    assert party_of(moved, role="OWNER")["userId"] == marie.me["id"]
    assert {kv["key"]: kv["value"] for kv in moved["context"]} == {"claim": "C-2026-118", "due": "8h"}
    # It declares what it lacks: no conference, no consultation, no written lines (CH4).
    assert (await send(marie, taken["id"], "note"))["operation"] == "message"
    assert (await ok(marie, DONE, id=taken["id"]))["state"] == "ENDED"


async def test_ch4_the_plugin_refuses_what_it_does_not_declare(backline, api, client_for):
    from tests.e2e.desk import ADD
    admin = await client_for("admin")
    agent = await ready_agent(client_for, "agent", channel="workitem")
    item = await place_call(admin, "queue:Support", caller="claims-system", channel="workitem")
    taken = await ok(agent, BY_ID["acceptOffer"], id=open_offer(item)["id"])
    refused = await do(agent, ADD, id=taken["id"], t=await target_id(backline, "Marie Dupont"), a=None)
    assert (refused["channel"], refused["operation"]) == ("workitem", "conference")
