"""A unit of work's hot rows (core.store.rows): one object per row in the session's own
identity map (one per transaction), new rows inserted at once with their ids and the
mapper's events, changed rows written before the next read and at commit, nothing written
when the unit of work fails."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from core.interactions.models import Interaction, InteractionKind, InteractionState, Party, PartyRole, PartyState
from core.presence.models import ChannelPresence
from core.identity.models import User

PARTY = Party.__table__


async def _new_call(uow, clock) -> tuple[Interaction, Party]:
    interaction = await uow.rows.add(Interaction(channel="voice", kind=InteractionKind.CUSTOMER,
                                                 state=InteractionState.ACTIVE, created_at=clock.now()))
    party = await uow.rows.add(Party(interaction_id=interaction.id, display_name="+33 1", role=PartyRole.CUSTOMER,
                                     state=PartyState.HELD, address="+33 1", joined_at=clock.now()))
    return interaction, party


async def test_rel1_new_rows_get_ids_at_once_and_reads_return_the_same_object(backline, clock):
    async with backline.store.write() as uow:
        interaction, party = await _new_call(uow, clock)
        assert interaction.id is not None and party.interaction_id == interaction.id
        assert await uow.rows.get(Interaction, interaction.id) is interaction
        [again] = await uow.rows.all(Party, select(Party).where(PARTY.c.id == party.id))
        assert again is party


async def test_rel1_a_changed_row_is_written_before_the_next_read_and_at_commit(backline, clock):
    async with backline.store.write() as uow:
        interaction, party = await _new_call(uow, clock)
        party.state = PartyState.CONNECTED
        # A statement that only the database answers sees the change (written before it).
        stored = await uow.rows.execute(text("SELECT state FROM interaction_party WHERE id = :id"), {"id": party.id})
        assert stored.scalar_one() == PartyState.CONNECTED.name
        party.left_at = clock.now()
        party.muted_towards = [7]
    async with backline.store.read() as session:
        stored = await session.get(Party, party.id)
    assert (stored.state, stored.muted_towards, stored.left_at) == (PartyState.CONNECTED, [7], clock.now())


async def test_rel1_nothing_is_written_when_the_unit_of_work_fails(backline, clock):
    with pytest.raises(RuntimeError):
        async with backline.store.write() as uow:
            interaction, party = await _new_call(uow, clock)
            party.state = PartyState.LEFT
            raise RuntimeError("half way")
    async with backline.store.read() as session:
        assert await session.get(Interaction, interaction.id) is None
        assert await session.get(Party, party.id) is None


async def test_rows_with_a_composite_key_and_an_outer_joins_missing_side(backline, clock):
    async with backline.store.write() as uow:
        user = (await uow.rows.all(User, select(User).limit(1)))[0]
        assert await uow.rows.get(ChannelPresence, (user.id, "nowhere")) is None
        row = await uow.rows.add(ChannelPresence(user_id=user.id, channel="nowhere", since=clock.now(),
                                                 idle_since=clock.now()))
        assert await uow.rows.get(ChannelPresence, (user.id, "nowhere")) is row
        presence = ChannelPresence.__table__
        joined = await uow.rows.load(
            select(User, ChannelPresence).outerjoin(
                presence, (presence.c.user_id == User.__table__.c.id) & (presence.c.channel == "elsewhere"))
            .where(User.__table__.c.id == user.id), None, User, ChannelPresence)
        assert joined == [(user, None)]


async def test_rel1_the_engines_rows_live_in_the_sessions_one_identity_map_and_mapper_events_apply(backline, clock):
    inserted: list[int] = []

    def seen(mapper, connection, target) -> None:
        inserted.append(target.interaction_id)

    event.listen(Party, "before_insert", seen)
    try:
        async with backline.store.write() as uow:
            interaction, party = await _new_call(uow, clock)
            identity_map = uow.session.identity_map
            assert identity_map.get(Session.identity_key(Interaction, interaction.id)) is interaction
            assert identity_map.get(Session.identity_key(Party, party.id)) is party
            assert uow.rows.known(Party, party.id) is party
    finally:
        event.remove(Party, "before_insert", seen)
    assert inserted == [interaction.id]
