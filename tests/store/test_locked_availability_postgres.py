"""INS4 on PostgreSQL: whether an agent can take one more interaction is decided on their
presence row once locked and read afresh. Routing reads its candidates before it locks them;
another transaction (another instance) may give the agent an interaction in between, and only
the row read under the lock says so (READ COMMITTED: the earlier read saw the load before)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from core.presence.models import ChannelPresence
from tests.support.actors import actor_of

pytestmark = pytest.mark.parametrize("store_kind", ["postgresql"])  # SQLite's writers never overlap

CHANNEL = "chat"
WAITING_FOR_A_LOCK = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")


async def logged_in_agent(backline, username: str) -> int:
    actor = await actor_of(backline, username)
    await backline.presence.log_in(actor, CHANNEL, ready=True)
    return actor.user_id


async def someone_waits_for_a_lock(backline, patience: float = 3.0) -> None:
    """Until another backend waits for a row lock (or, if none ever does, `patience` seconds:
    then the read that should have waited did not, and the test fails on what it read)."""
    deadline = asyncio.get_running_loop().time() + patience
    while asyncio.get_running_loop().time() < deadline:
        async with backline.store.read_connection() as connection:
            if (await connection.execute(WAITING_FOR_A_LOCK)).scalar_one():
                return
        await asyncio.sleep(0.01)


async def test_ins4_an_agent_filled_up_by_a_concurrent_transaction_cannot_take_one_more_once_locked(backline):
    presence = backline.presence
    user_id = await logged_in_agent(backline, "agent")
    capacity = presence.capacity(CHANNEL)
    if capacity > 1:  # one free place left
        async with backline.store.write() as uow:
            await presence.adjust_load(uow, user_id, CHANNEL, capacity - 1)
    other_holds_the_agent, candidates_read = asyncio.Event(), asyncio.Event()

    async def another_instance_gives_them_one() -> None:
        async with backline.store.write() as uow:
            await presence.adjust_load(uow, user_id, CHANNEL, +1)
            other_holds_the_agent.set()
            await candidates_read.wait()
            await someone_waits_for_a_lock(backline)  # routing's locking read has started

    async def routing() -> tuple[list[int], int, bool]:
        await other_holds_the_agent.wait()
        async with backline.store.write() as uow:
            candidates = await presence.available_agents(uow.rows, [user_id], CHANNEL)
            seen = (await uow.rows.get(ChannelPresence, (user_id, CHANNEL))).load  # before the lock
            candidates_read.set()
            return candidates, seen, await presence.can_take_one_more(uow, user_id, CHANNEL)

    _, (candidates, load_seen_before, can_take) = await asyncio.wait_for(
        asyncio.gather(another_instance_gives_them_one(), routing()), timeout=30)
    assert candidates == [user_id] and load_seen_before == capacity - 1  # the race happened
    assert can_take is False
    async with backline.store.write() as uow:  # and with a place free again, they can
        await presence.adjust_load(uow, user_id, CHANNEL, -1)
        assert await presence.can_take_one_more(uow, user_id, CHANNEL) is True


async def test_ins4_routing_does_not_ring_an_agent_a_concurrent_transaction_filled_up(backline):
    """The same race through routing itself: a customer chat for a queue whose one ready
    member has a place left when routing reads its candidates, filled by another instance's
    transaction before routing holds the agent. The chat waits; the agent is not rung."""
    presence = backline.presence
    user_id = await logged_in_agent(backline, "jose.munoz")  # the one of "Chat Sales" logged in
    capacity = presence.capacity(CHANNEL)
    async with backline.store.write() as uow:
        await presence.adjust_load(uow, user_id, CHANNEL, capacity - 1)  # one free place left
    admin = await actor_of(backline, "admin")
    other_holds_the_agent = asyncio.Event()

    async def another_instance_gives_them_one() -> None:
        async with backline.store.write() as uow:
            await presence.adjust_load(uow, user_id, CHANNEL, +1)
            other_holds_the_agent.set()
            await someone_waits_for_a_lock(backline)  # routing's lock on the agent has started

    async def a_customer_writes() -> object:
        await other_holds_the_agent.wait()
        return await backline.interactions.inbound.create(admin, CHANNEL, "+33611111111", "queue:chat-sales")

    _, view = await asyncio.wait_for(asyncio.gather(another_instance_gives_them_one(), a_customer_writes()),
                                     timeout=30)
    [offer] = view.offers
    assert (offer.state.value, offer.ringing_user_id) == ("waiting", None)
    async with backline.store.read() as session:
        row = await session.get(ChannelPresence, (user_id, CHANNEL))
    assert row.load == capacity  # the other instance's one, and no more
