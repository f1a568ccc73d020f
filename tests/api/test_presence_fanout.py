"""PRS3: a change reaches many watchers cheaply, because it is executed once per audience
(the same query and variables), not once per subscriber; what each receives is the same."""

from __future__ import annotations

import asyncio

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from core.identity.actor import Actor
from core.identity.models import Role
from schema.context import Context
from schema.presence import PresenceChange, SharedEventExecution
from schema.root import build_schema

WATCH = """subscription($agents: [ID!]) { presenceChanged(agentIds: $agents) {
  agentId channel state at snapshot sequence } }"""
OTHER = """subscription($agents: [ID!]) { presenceChanged(agentIds: $agents) { agentId state } }"""


async def test_prs3_a_change_is_executed_once_for_all_watchers_of_the_same_query(backline, monkeypatch):
    schema = build_schema(backline.settings)
    lead = Actor(0, "lead", "Lead", Role.ADMINISTRATOR)
    marie = await backline.identity.authenticate((await backline.identity.login("marie.dupont", "demo")).token)
    executed = []
    original = StrawberryGraphQLCoreExecutionContext.execute_operation
    # Results are shared per equal change: a change of an earlier test on a copy of the same
    # template (same event id, same manual time) would be answered from those caches.
    PresenceChange.of.cache_clear()
    SharedEventExecution._results.clear()

    def counting(self, serially=None):
        if not getattr(self.root_value, "snapshot", True):
            executed.append(self.operation.loc.source.body)
        return original(self, serially)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_operation", counting)
    received: list[list[dict]] = [[] for _ in range(12)]

    async def watch(i: int, query: str) -> None:
        stream = await schema.subscribe(query, variable_values={"agents": [str(marie.user_id)]},
                                        context_value=Context(backline=backline, authenticated=lead))
        async for result in stream:
            assert not result.errors, result.errors
            received[i].append(result.data["presenceChanged"])

    tasks = [asyncio.create_task(watch(i, WATCH if i < 10 else OTHER)) for i in range(12)]
    while min(len(r) for r in received) < 4:  # every snapshot is in: all are listening
        await asyncio.sleep(0)
    await backline.presence.log_in(marie, "voice", ready=True)
    while min(len(r) for r in received) < 5:
        await asyncio.sleep(0)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert sorted(executed) == sorted([WATCH, OTHER])  # 12 watchers, 2 distinct queries
    assert len({repr(r[-1]) for r in received[:10]}) == 1
    assert received[0][-1]["state"] == "READY" and received[11][-1] == {"agentId": str(marie.user_id),
                                                                       "state": "READY"}
