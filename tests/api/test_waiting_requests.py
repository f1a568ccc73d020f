"""GRP4 / SUP3 for wallboards (WEB2): the requests waiting now, in order, with how long they
have waited, seen by those who may watch their pool, before any agent is on them."""

from __future__ import annotations

from datetime import datetime

from tests.e2e.desk import place_call

WAITING = "{ waitingRequests { offerId interactionId channel purpose targetName position waitingSince fromName } }"


async def test_grp4_a_customer_waiting_in_a_queue_is_seen_by_the_pools_lead_and_members_only(
        backline, api, client_for, clock):
    admin = await client_for("admin")
    first = await place_call(admin, "queue:support", caller="+33611111111")  # nobody is ready: it waits
    await clock.advance(30)
    second = await place_call(admin, "queue:support", caller="+33622222222")
    lead = await client_for("lead")  # leads Support Paris, whose agents answer the Support queue
    seen = (await lead.execute(WAITING))["waitingRequests"]
    assert [(w["interactionId"], w["position"], w["fromName"], w["targetName"], w["purpose"]) for w in seen] == [
        (first["id"], 1, "+33611111111", "Support", "ROUTE"), (second["id"], 2, "+33622222222", "Support", "ROUTE")]
    waited = datetime.fromisoformat(seen[0]["waitingSince"])
    assert (clock.now() - waited).total_seconds() == 30
    assert len((await admin.execute(WAITING))["waitingRequests"]) == 2
    marie = await client_for("marie.dupont")  # a member of the queue
    assert len((await marie.execute(WAITING))["waitingRequests"]) == 2
    other_lead = await client_for("lead.lyon")  # no agent of hers answers it
    assert (await other_lead.execute(WAITING))["waitingRequests"] == []
    outsider = await client_for("jose.munoz")
    assert (await outsider.execute(WAITING))["waitingRequests"] == []
