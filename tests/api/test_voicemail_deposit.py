"""VM3: a voicemail left by the interaction engine (TRF5, or a call to an unavailable agent)
raises the mailbox's count and sends a notification, in the caller's transaction."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.directory.models import Target, TargetKind
from core.errors import InvalidInput, NotFound
from core.identity.models import User
from tests.support.actors import actor_of


async def user_id(backline, username: str) -> int:
    async with backline.store.read() as session:
        return (await session.exec(select(User.id).where(User.username == username))).one()


async def group_id(backline, name: str) -> int:
    async with backline.store.read() as session:
        return (await session.exec(select(Target.id).where(
            Target.name == name, Target.kind == TargetKind.AGENT_GROUP))).one()


async def test_vm3_deposit_to_an_agent_raises_count_and_notifies_in_one_transaction(backline):
    agent = await user_id(backline, "agent")
    events = backline.bus.subscribe({"message", "voicemail"})
    async with backline.store.write() as uow:
        voicemail_id = await backline.voicemail.deposit(
            uow, mailbox_user_id=agent, caller="+33 1 23 45 67 89", interaction_id=None, duration_seconds=42)
        assert events.queue.empty()  # nothing announced before the commit (REL1)
    assert isinstance(voicemail_id, int)
    received = [events.queue.get_nowait() for _ in range(events.queue.qsize())]
    notification = next(e for e in received if e.topic == "message")
    assert notification.subject == f"user:{agent}"
    assert notification.payload["kind"] == "voicemail"
    assert notification.payload["data"]["voicemailId"] == voicemail_id
    assert "+33 1 23 45 67 89" in notification.payload["text"]
    changed = next(e for e in received if e.kind == "MailboxChanged")
    assert changed.payload["newCount"] == 1


async def test_vm3_deposit_to_a_group_notifies_every_member(backline):
    group = await group_id(backline, "Deutsch")
    events = backline.bus.subscribe({"message"})
    async with backline.store.write() as uow:
        await backline.voicemail.deposit(uow, mailbox_target_id=group, caller="Kunde", duration_seconds=5)
    subjects = {events.queue.get_nowait().subject for _ in range(events.queue.qsize())}
    members = {await user_id(backline, u) for u in ("jurgen.muller", "lea.muller", "bjorn.ostergaard")}
    assert subjects == {f"user:{m}" for m in members}


async def test_vm3_deposit_rolls_back_with_the_callers_transaction(backline):
    agent = await user_id(backline, "agent")
    with pytest.raises(RuntimeError):
        async with backline.store.write() as uow:
            await backline.voicemail.deposit(uow, mailbox_user_id=agent, caller="x", duration_seconds=1)
            raise RuntimeError("the interaction engine failed after depositing")
    [mine] = [m for m in await backline.voicemail.mailboxes(await actor_of(backline, "agent"))
              if m.ref.kind == "user"]
    assert mine.total_count == 0


async def test_vm3_deposit_needs_exactly_one_existing_mailbox(backline):
    async with backline.store.write() as uow:
        with pytest.raises(InvalidInput):
            await backline.voicemail.deposit(uow, caller="x", duration_seconds=1)
        with pytest.raises(NotFound):
            await backline.voicemail.deposit(uow, mailbox_user_id=99999, caller="x", duration_seconds=1)
        with pytest.raises(NotFound):  # a skill is not an agent group
            skill = (await uow.session.exec(select(Target.id).where(Target.kind == TargetKind.SKILL))).first()
            await backline.voicemail.deposit(uow, mailbox_target_id=skill, caller="x", duration_seconds=1)
