"""INS5: GET /metrics in Prometheus's text format: requests by operation and transport,
unexpected errors, events published and delivered, open subscriptions, event lag, time-outs
fired (on both stores)."""

from __future__ import annotations

import re

import httpx

from schema.app import create_app
from tests.e2e.desk import LOG_IN, place_call


def sample(text: str, metric: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(metric) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)"
    found = re.search(r"^" + pattern + r"$", text, re.M)
    return float(found.group(1)) if found else 0.0


async def metrics(backline) -> str:
    transport = httpx.ASGITransport(app=create_app(backline))
    async with httpx.AsyncClient(transport=transport, base_url="http://backline.test") as http:
        answer = await http.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return answer.text


async def test_ins5_metrics_count_requests_by_operation_events_and_time_outs(backline, client_for, clock):
    before = await metrics(backline)
    agent = await client_for("agent")
    admin = await client_for("admin")
    await agent.execute(LOG_IN, {"c": "voice"})
    await place_call(admin, "agent:agent")
    await clock.advance(60)  # the offer rings unanswered: its ring time-out fires
    after = await metrics(backline)
    assert sample(after, "backline_requests_total", operation="login", transport="http") == \
        sample(before, "backline_requests_total", operation="login", transport="http") + 2
    assert sample(after, "backline_requests_total", operation="logIn", transport="http") == 1
    assert sample(after, "backline_requests_total", operation="createCustomerInteraction", transport="http") == 1
    assert sample(after, "backline_events_published_total") > sample(before, "backline_events_published_total")
    assert sample(after, "backline_timeouts_fired_total", kind="ring") >= 1
    assert "backline_open_subscriptions" in after and "backline_event_lag_seconds" in after
    assert "backline_request_errors_total" in after
