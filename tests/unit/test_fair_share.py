"""SEC3: beyond the rate limit, a few of one caller's requests run at once; the next waits
behind its own, never another caller's (schema.fair_share)."""

from __future__ import annotations

import asyncio

from schema.fair_share import CallerSlots


async def test_sec3_a_callers_requests_run_a_few_at_a_time_and_others_do_not_wait():
    slots = CallerSlots(per_caller=2)
    release = asyncio.Event()
    running = {"flooder": 0, "other": 0}
    peak = {"flooder": 0, "other": 0}

    async def request(key: str, hold: bool) -> None:
        async with slots.slot(key):
            running[key] += 1
            peak[key] = max(peak[key], running[key])
            if hold:
                await release.wait()
            running[key] -= 1

    flood = [asyncio.create_task(request("flooder", hold=True)) for _ in range(8)]
    await asyncio.sleep(0)
    await asyncio.wait_for(request("other", hold=False), 1)  # served while the flooder waits
    assert running["flooder"] == 2 and peak["flooder"] == 2
    release.set()
    await asyncio.gather(*flood)
    assert peak["flooder"] == 2 and len(slots) == 0  # nothing kept once idle
