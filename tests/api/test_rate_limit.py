"""SEC3: a flood from one user cannot starve the others."""

from __future__ import annotations

from dataclasses import replace

import httpx

from core.runtime import Backline
from schema.app import create_app
from schema.rate_limit import TokenBuckets
from tests.support.client import GraphQLClient


async def test_sec3_a_flooding_user_is_limited_while_another_is_served(backline, config, clock):
    limited_backline = Backline(replace(backline.settings, rate_limit_per_second=5), config, clock=clock)
    transport = httpx.ASGITransport(app=create_app(limited_backline))
    async with httpx.AsyncClient(transport=transport, base_url="http://backline.test") as http:
        flooder = await GraphQLClient(http).login("agent")
        other = await GraphQLClient(http).login("marie.dupont")
        await flood_and_check(flooder, other, clock, burst=10)
    await limited_backline.store.close()


async def flood_and_check(flooder, other, clock, burst):
    answers = [await flooder.raw("{ me { username } }") for _ in range(burst + 5)]
    limited = [a for a in answers if a.get("errors") and a["errors"][0]["extensions"]["code"] == "RATE_LIMITED"]
    assert len(limited) >= 5
    assert (await other.execute("{ me { username } }"))["me"]["username"] == "marie.dupont"
    # The bucket refills with time.
    await clock.advance(1)
    assert (await flooder.execute("{ me { username } }"))["me"]["username"] == "agent"


def test_sec3_token_bucket_refills_at_its_rate():
    now = [0.0]
    buckets = TokenBuckets(rate_per_second=2, burst=2, now=lambda: now[0])
    assert [buckets.take("a") for _ in range(2)] == [0.0, 0.0]
    assert buckets.take("a") == 0.5
    assert buckets.take("b") == 0.0
    now[0] += 0.5
    assert buckets.take("a") == 0.0
