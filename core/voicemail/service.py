"""Voicemail: deposits (VM3), mailboxes with their message-waiting indicator and counts
(VM1), and access sessions authenticated by DTMF PIN digits with a lockout (VM2).

A mailbox is named by its owner, `MailboxRef`: an agent (its own) or an agent group (whose
members share it). Its row is created on first use with the configured default PIN."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from core.channels import Channel, ChannelRegistry, Operation
from core.clock import Clock
from core.directory.models import Target, TargetKind, TargetMember
from core.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from core.events import Event
from core.identity.actor import Actor
from core.identity.models import User
from core.identity.passwords import hash_password, verify_password
from core.messages.models import MessageKind, Priority
from core.messages.service import MessagesService
from core.store.unit_of_work import Store, UnitOfWork
from core.timeouts.service import Timeouts
from core.voicemail.models import AccessState, Mailbox, Voicemail, VoicemailAccess
from core.voicemail.options import VoicemailOptions
from core.voicemail.pin import DTMF_DIGITS, MAX_DIGITS_PER_REQUEST, entries

TOPIC = "voicemail"
PIN_TIMEOUT = "voicemail_pin"  # the kind of its time-out rows
MAX_CALLER = 160


@dataclass(frozen=True)
class MailboxRef:
    """`user:<id>` (an agent's own mailbox) or `group:<target id>` (an agent group's)."""

    kind: str
    owner_id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.owner_id}"

    @classmethod
    def parse(cls, key: str) -> "MailboxRef":
        kind, _, owner = key.partition(":")
        if kind not in ("user", "group") or not owner.isdigit():
            raise InvalidInput(f"'{key[:40]}' is not a mailbox id (user:<id> or group:<id>).", field="mailbox")
        return cls(kind, int(owner))

    @classmethod
    def of(cls, mailbox: Mailbox) -> "MailboxRef":
        return cls("user", mailbox.user_id) if mailbox.user_id is not None else cls("group", mailbox.target_id)


@dataclass(frozen=True)
class MailboxStatus:
    ref: MailboxRef
    name: str
    new_count: int
    total_count: int
    locked_until: datetime | None = None

    @property
    def message_waiting(self) -> bool:
        return self.new_count > 0


@dataclass(frozen=True)
class AccessView:
    access: VoicemailAccess
    mailbox: MailboxRef
    tries_left: int
    locked_until: datetime | None
    pin_rejected: bool = False


def mailbox_event(status: MailboxStatus, at: datetime, actor_id: int | None) -> Event:
    return Event(topic=TOPIC, kind="MailboxChanged", at=at, actor_id=actor_id,
                 subject=f"mailbox:{status.ref.key}",
                 payload={"mailbox": status.ref.key, "name": status.name,
                          "newCount": status.new_count, "totalCount": status.total_count})


class VoicemailService:
    def __init__(self, store: Store, clock: Clock, channels: ChannelRegistry,
                 messages: MessagesService, options: VoicemailOptions, timeouts: Timeouts) -> None:
        self.store = store
        self.clock = clock
        self.timeouts = timeouts  # the PIN entry's time-out is a row (INS3)
        timeouts.handle(PIN_TIMEOUT, self._pin_timed_out)
        self.channels = channels
        self.messages = messages
        self.options = options
        # Every new mailbox starts with the default PIN: hashed once, off the event loop
        # (SEC4), as soon as the service starts, so that the first deposit does not wait.
        self._default_pin_hash: asyncio.Future[str] | None = None
        self.calls = None  # the interaction engine's internal calls, once linked (VM2)

    def link(self, calls) -> None:
        """VM2: a session is an internal voice interaction of the engine (`calls.start`, `calls.end`);
        digits sent on it through the engine's DTMF reach the PIN entry (`calls.on_digits`)."""
        self.calls = calls
        calls.on_digits(self._digits_from_interaction)
        calls.on_ended(self._interaction_ended)

    # -- where voicemail runs ------------------------------------------------------------

    @property
    def channel(self) -> Channel | None:
        """The channel that carries voicemail, if one is enabled with it (VM1's "where
        voicemail is enabled")."""
        return next((ch for ch in self.channels if ch.capabilities.supports(Operation.VOICEMAIL)), None)

    @property
    def enabled(self) -> bool:
        return self.channel is not None

    def _require_enabled(self) -> Channel:
        channel = self.channel
        if channel is None:
            raise InvalidState("Voicemail is not enabled on any channel.")
        return channel

    # -- deposits (VM3) ------------------------------------------------------------------

    async def deposit(self, uow: UnitOfWork, *, mailbox_user_id: int | None = None,
                      mailbox_target_id: int | None = None, caller: str,
                      interaction_id: int | None = None, duration_seconds: int) -> int:
        """Leave a voicemail inside the caller's unit of work (the interaction engine's
        TRF5, a call to an unavailable agent); returns the voicemail's id. The mailbox's
        count rises and its owners get a notification in My Messages, in the same
        transaction."""
        self._require_enabled()
        if (mailbox_user_id is None) == (mailbox_target_id is None):
            raise InvalidInput("A voicemail goes to one mailbox: an agent's or a group's.", field="mailbox")
        if not isinstance(duration_seconds, int) or duration_seconds < 0:
            raise InvalidInput("duration_seconds must be a whole number ≥ 0.", field="durationSeconds")
        caller = (caller or "").strip()[:MAX_CALLER] or "Unknown caller"
        ref = MailboxRef("user", mailbox_user_id) if mailbox_user_id is not None \
            else MailboxRef("group", mailbox_target_id)
        mailbox = await self._mailbox(uow, ref)
        now = self.clock.now()
        voicemail = Voicemail(mailbox_id=mailbox.id, caller=caller, interaction_id=interaction_id,
                              duration_seconds=duration_seconds, left_at=now)
        uow.session.add(voicemail)
        await uow.session.flush()
        status = await self._status(uow.session, mailbox)
        uow.record(Event(topic=TOPIC, kind="VoicemailLeft", at=now, subject=f"mailbox:{ref.key}",
                         payload={"mailbox": ref.key, "voicemailId": voicemail.id, "caller": caller,
                                  "interactionId": interaction_id, "durationSeconds": duration_seconds}))
        uow.record(mailbox_event(status, now, None))
        await self.messages.deliver(
            uow, await self._owners(uow.session, ref), kind=MessageKind.VOICEMAIL, priority=Priority.NORMAL,
            title=f"New voicemail from {caller}",
            text=f"{caller} left a voicemail ({duration_seconds} s) in {status.name}'s mailbox; "
                 f"{status.new_count} new.",
            data={"mailbox": ref.key, "voicemailId": voicemail.id, "newCount": status.new_count,
                  "totalCount": status.total_count},
        )
        return voicemail.id

    # -- mailboxes (VM1) -----------------------------------------------------------------

    async def visible_refs(self, session, actor: Actor) -> list[MailboxRef]:
        """The actor's own mailbox, then its agent groups' (by name); an administrator also
        sees the counts of every mailbox in use."""
        groups = (await session.exec(
            select(Target.id).join(TargetMember, TargetMember.target_id == Target.id)
            .where(TargetMember.user_id == actor.user_id, Target.kind == TargetKind.AGENT_GROUP)
            .order_by(Target.name)
        )).all()
        refs = [MailboxRef("user", actor.user_id), *(MailboxRef("group", g) for g in groups)]
        if actor.is_administrator:
            for mailbox in (await session.exec(select(Mailbox).order_by(Mailbox.id))).all():
                if MailboxRef.of(mailbox) not in refs:
                    refs.append(MailboxRef.of(mailbox))
        return refs

    async def mailboxes(self, actor: Actor) -> list[MailboxStatus]:
        if not self.enabled:
            return []
        async with self.store.read() as session:
            return [await self._status_of(session, ref) for ref in await self.visible_refs(session, actor)]

    async def _status_of(self, session, ref: MailboxRef) -> MailboxStatus:
        mailbox = (await session.exec(select(Mailbox).where(self._where(ref)))).first()
        if mailbox is None:
            return MailboxStatus(ref, await self._name(session, ref), 0, 0)
        return await self._status(session, mailbox)

    async def _status(self, session, mailbox: Mailbox) -> MailboxStatus:
        ref = MailboxRef.of(mailbox)
        total, heard = (await session.exec(
            select(func.count(), func.count(Voicemail.heard_at)).where(Voicemail.mailbox_id == mailbox.id)
        )).one()
        locked = mailbox.locked_until if mailbox.locked_until and mailbox.locked_until > self.clock.now() else None
        return MailboxStatus(ref, await self._name(session, ref), total - heard, total, locked)

    @staticmethod
    def _where(ref: MailboxRef):
        return (Mailbox.user_id == ref.owner_id) if ref.kind == "user" else (Mailbox.target_id == ref.owner_id)

    async def _name(self, session, ref: MailboxRef) -> str:
        if ref.kind == "user":
            user = await session.get(User, ref.owner_id)
            return user.display_name if user else f"user {ref.owner_id}"
        target = await session.get(Target, ref.owner_id)
        return target.name if target else f"group {ref.owner_id}"

    async def _owners(self, session, ref: MailboxRef) -> list[int]:
        if ref.kind == "user":
            return [ref.owner_id]
        return list((await session.exec(
            select(TargetMember.user_id).where(TargetMember.target_id == ref.owner_id))).all())

    async def _mailbox(self, uow: UnitOfWork, ref: MailboxRef) -> Mailbox:
        """The mailbox row, created on first use for an existing agent or agent group."""
        session = uow.session
        mailbox = (await session.exec(select(Mailbox).where(self._where(ref)))).first()
        if mailbox is not None:
            return mailbox
        if ref.kind == "user":
            if await session.get(User, ref.owner_id) is None:
                raise NotFound(f"No agent with id {ref.owner_id}.")
        else:
            target = await session.get(Target, ref.owner_id)
            if target is None or target.kind is not TargetKind.AGENT_GROUP:
                raise NotFound(f"No agent group with id {ref.owner_id}.")
        mailbox = Mailbox(user_id=ref.owner_id if ref.kind == "user" else None,
                          target_id=ref.owner_id if ref.kind == "group" else None,
                          pin_hash=await self._default_pin())
        session.add(mailbox)
        await session.flush()
        return mailbox

    async def _default_pin(self) -> str:
        if self._default_pin_hash is None:
            self._default_pin_hash = asyncio.ensure_future(hash_password(self.options.default_pin))
        return await asyncio.shield(self._default_pin_hash)  # one caller cancelled: not the others

    async def _require_owner(self, session, actor: Actor, ref: MailboxRef) -> None:
        """Only the owner, or a member of the group, may open a mailbox."""
        if ref.kind == "user" and ref.owner_id == actor.user_id:
            return
        if ref.kind == "group" and await session.get(TargetMember, (ref.owner_id, actor.user_id)) is not None:
            return
        raise PermissionDenied("Only the mailbox's owner (or a member of its group) may open it.")

    # -- access sessions (VM2) -----------------------------------------------------------

    def _view(self, access: VoicemailAccess, mailbox: Mailbox, pin_rejected: bool = False) -> AccessView:
        now = self.clock.now()
        locked = mailbox.locked_until if mailbox.locked_until and mailbox.locked_until > now else None
        tries_left = 0 if locked else max(0, self.options.pin_tries - mailbox.failed_attempts)
        return AccessView(access, MailboxRef.of(mailbox), tries_left, locked, pin_rejected)

    async def open(self, actor: Actor, ref: MailboxRef) -> AccessView:
        """Start an internal voice session with the mailbox, waiting for the PIN."""
        channel = self._require_enabled()
        channel.require(Operation.DTMF)
        async with self.store.write() as uow:
            await self._require_owner(uow.session, actor, ref)
            mailbox = await self._mailbox(uow, ref)
            now = self.clock.now()
            if mailbox.locked_until is not None:
                if mailbox.locked_until > now:
                    raise InvalidState(
                        f"This mailbox is locked after too many wrong PINs until "
                        f"{mailbox.locked_until.isoformat()}.")
                mailbox.locked_until, mailbox.failed_attempts = None, 0
                uow.session.add(mailbox)
            access = VoicemailAccess(mailbox_id=mailbox.id, user_id=actor.user_id, channel=channel.name,
                                     state=AccessState.AUTHENTICATING, opened_at=now)
            if self.calls is not None:
                access.interaction_id = await self.calls.start(uow, actor.user_id, channel.name,
                                                               destination=f"voicemail:{ref.key}")
            uow.session.add(access)
            await uow.session.flush()
            self._record_access(uow, access, "VoicemailAccessStarted", ref)
            self.timeouts.schedule(uow, PIN_TIMEOUT, access.id, 0, self.options.pin_timeout_seconds)
            view = self._view(access, mailbox)
        return view

    async def _pin_timed_out(self, uow, access_id: int, _round: int) -> None:
        """Hangs up a session still waiting for its PIN; does nothing to one that moved on.
        Runs in the transaction that removes the time-out (core.timeouts)."""
        access = await uow.session.get(VoicemailAccess, access_id)
        if access is None or access.state is not AccessState.AUTHENTICATING:
            return
        self._end(access, AccessState.CLOSED, self.clock.now())
        uow.session.add(access)
        self._record_access(uow, access, "VoicemailPinTimedOut",
                            MailboxRef.of(await uow.session.get(Mailbox, access.mailbox_id)))
        if access.interaction_id is not None and self.calls is not None:
            await self.calls.end(uow, access.interaction_id, "voicemail_pin_timeout")

    async def start(self) -> None:
        """REL1, INS3: PIN time-outs are rows that outlive any instance; a session still
        waiting for its PIN without one (left by a release that kept them in memory) gets a
        full time-out from now."""
        self._default_pin_hash = asyncio.ensure_future(hash_password(self.options.default_pin))
        without_timeout = select(VoicemailAccess.id).where(
            VoicemailAccess.state == AccessState.AUTHENTICATING, ~self.timeouts.pending(PIN_TIMEOUT, VoicemailAccess.id))
        async with self.store.read() as session:
            if not (await session.exec(without_timeout)).first():
                return  # the usual start: nothing to write
        async with self.store.write() as uow:
            for access_id in (await uow.session.exec(without_timeout)).all():
                self.timeouts.schedule(uow, PIN_TIMEOUT, access_id, 0, self.options.pin_timeout_seconds)

    async def send_dtmf(self, actor: Actor, access_id: int, digits: str) -> AccessView:
        """Keypad digits, one at a time or several: `*` starts the PIN again, `#` ends it
        early. Wrong PINs are counted on the mailbox; the last allowed one locks it."""
        self._check_digits(digits)
        async with self.store.write() as uow:
            access, mailbox = await self._access(uow.session, actor, access_id)
            rejected = await self._enter(uow, access, mailbox, digits)
            if access.state is AccessState.LOCKED and access.interaction_id is not None and self.calls is not None:
                await self.calls.end(uow, access.interaction_id, "voicemail_locked")
            return self._view(access, mailbox, pin_rejected=rejected)

    @staticmethod
    def _check_digits(digits: str) -> None:
        if not digits or len(digits) > MAX_DIGITS_PER_REQUEST or set(digits) - DTMF_DIGITS:
            raise InvalidInput(f"DTMF digits are 1 to {MAX_DIGITS_PER_REQUEST} of 0-9, * and #.", field="digits")

    async def _digits_from_interaction(self, uow: UnitOfWork, interaction_id: int, user_id: int,
                                       digits: str) -> str | None:
        """The engine's DTMF on a voicemail session's interaction, in the engine's unit of
        work; returns why the interaction ends (the mailbox locked), if it does."""
        access = (await uow.session.exec(select(VoicemailAccess).where(
            VoicemailAccess.interaction_id == interaction_id))).first()
        if access is None or access.user_id != user_id or access.state is not AccessState.AUTHENTICATING:
            return None  # not a PIN: menu keys once the mailbox is open
        self._check_digits(digits)
        await self._enter(uow, access, await uow.session.get(Mailbox, access.mailbox_id), digits)
        return "voicemail_locked" if access.state is AccessState.LOCKED else None

    async def _interaction_ended(self, uow: UnitOfWork, interaction_id: int, reason: str) -> None:
        """The agent hung up the session's interaction: the session closes with it."""
        access = (await uow.session.exec(select(VoicemailAccess).where(
            VoicemailAccess.interaction_id == interaction_id))).first()
        if access is not None and access.state in (AccessState.AUTHENTICATING, AccessState.OPEN):
            self._end(access, AccessState.CLOSED, self.clock.now())
            uow.session.add(access)
            self._record_access(uow, access, "VoicemailAccessEnded",
                                MailboxRef.of(await uow.session.get(Mailbox, access.mailbox_id)))

    async def _enter(self, uow: UnitOfWork, access: VoicemailAccess, mailbox: Mailbox, digits: str) -> bool:
        """Applies keypad digits to a session waiting for its PIN; True when a PIN was wrong."""
        if access.state is not AccessState.AUTHENTICATING:
            raise InvalidState(f"This voicemail session is {access.state.value}; it takes no PIN now.")
        ref = MailboxRef.of(mailbox)
        now = self.clock.now()
        rejected = False
        for attempt, pending in entries(access.pending_digits, digits, self.options.pin_length):
            access.pending_digits = pending
            if attempt is None:
                break
            if mailbox.locked_until is not None and mailbox.locked_until > now:
                self._end(access, AccessState.LOCKED, now)
            elif await verify_password(mailbox.pin_hash, attempt):
                mailbox.failed_attempts = 0
                access.state = AccessState.OPEN
                self._record_access(uow, access, "VoicemailPinAccepted", ref)
            else:
                rejected = True
                mailbox.failed_attempts += 1
                self._record_access(uow, access, "VoicemailPinRejected", ref)
                if mailbox.failed_attempts >= self.options.pin_tries:
                    mailbox.locked_until = now + timedelta(seconds=self.options.lockout_seconds)
                    self._end(access, AccessState.LOCKED, now)
                    self._record_access(uow, access, "MailboxLocked", ref)
            if access.state is not AccessState.AUTHENTICATING:
                access.pending_digits = ""
                break
        uow.session.add_all([access, mailbox])
        return rejected

    async def close(self, actor: Actor, access_id: int) -> AccessView:
        async with self.store.write() as uow:
            access, mailbox = await self._access(uow.session, actor, access_id)
            if access.state in (AccessState.AUTHENTICATING, AccessState.OPEN):
                self._end(access, AccessState.CLOSED, self.clock.now())
                uow.session.add(access)
                self._record_access(uow, access, "VoicemailAccessEnded", MailboxRef.of(mailbox))
                if access.interaction_id is not None and self.calls is not None:
                    await self.calls.end(uow, access.interaction_id, "voicemail_closed")
            return self._view(access, mailbox)

    async def access(self, actor: Actor, access_id: int) -> AccessView:
        async with self.store.read() as session:
            access, mailbox = await self._access(session, actor, access_id)
            return self._view(access, mailbox)

    async def voicemails(self, actor: Actor, access_id: int, first: int,
                         after: int | None = None) -> tuple[list[Voicemail], bool]:
        """The mailbox's voicemails, newest first, once the PIN was accepted."""
        async with self.store.read() as session:
            _, mailbox = await self._open_access(session, actor, access_id)
            query = select(Voicemail).where(Voicemail.mailbox_id == mailbox.id)
            if after is not None:
                query = query.where(Voicemail.id < after)
            rows = (await session.exec(query.order_by(col(Voicemail.id).desc()).limit(first + 1))).all()
        return list(rows[:first]), len(rows) > first

    async def mark_heard(self, actor: Actor, access_id: int, voicemail_id: int,
                         heard: bool = True) -> Voicemail:
        async with self.store.write() as uow:
            _, mailbox = await self._open_access(uow.session, actor, access_id)
            voicemail = await self._voicemail(uow.session, mailbox, voicemail_id)
            now = self.clock.now()
            if heard != (voicemail.heard_at is not None):
                voicemail.heard_at = now if heard else None
                uow.session.add(voicemail)
                await uow.session.flush()
                uow.record(mailbox_event(await self._status(uow.session, mailbox), now, actor.user_id))
            return voicemail

    async def delete(self, actor: Actor, access_id: int, voicemail_id: int) -> int:
        async with self.store.write() as uow:
            _, mailbox = await self._open_access(uow.session, actor, access_id)
            voicemail = await self._voicemail(uow.session, mailbox, voicemail_id)
            await uow.session.delete(voicemail)
            await uow.session.flush()
            uow.record(mailbox_event(await self._status(uow.session, mailbox), self.clock.now(), actor.user_id))
            return voicemail_id

    async def change_pin(self, actor: Actor, access_id: int, new_pin: str) -> AccessView:
        if not new_pin.isdigit() or len(new_pin) != self.options.pin_length:
            raise InvalidInput(f"A PIN is {self.options.pin_length} digits.", field="pin")
        async with self.store.write() as uow:
            access, mailbox = await self._open_access(uow.session, actor, access_id)
            mailbox.pin_hash = await hash_password(new_pin)
            uow.session.add(mailbox)
            self._record_access(uow, access, "VoicemailPinChanged", MailboxRef.of(mailbox))
            return self._view(access, mailbox)

    # -- internals -----------------------------------------------------------------------

    async def _access(self, session, actor: Actor, access_id: int) -> tuple[VoicemailAccess, Mailbox]:
        access = await session.get(VoicemailAccess, access_id)
        if access is None or access.user_id != actor.user_id:
            raise NotFound(f"No voicemail session {access_id} of yours.")
        return access, await session.get(Mailbox, access.mailbox_id)

    async def _open_access(self, session, actor: Actor, access_id: int) -> tuple[VoicemailAccess, Mailbox]:
        access, mailbox = await self._access(session, actor, access_id)
        if access.state is not AccessState.OPEN:
            raise PermissionDenied("Enter the mailbox's PIN first." if access.state is AccessState.AUTHENTICATING
                                   else f"This voicemail session is {access.state.value}.")
        return access, mailbox

    async def _voicemail(self, session, mailbox: Mailbox, voicemail_id: int) -> Voicemail:
        voicemail = await session.get(Voicemail, voicemail_id)
        if voicemail is None or voicemail.mailbox_id != mailbox.id:
            raise NotFound(f"No voicemail {voicemail_id} in this mailbox.")
        return voicemail

    @staticmethod
    def _end(access: VoicemailAccess, state: AccessState, now: datetime) -> None:
        access.state = state
        access.ended_at = now

    def _record_access(self, uow: UnitOfWork, access: VoicemailAccess, kind: str, ref: MailboxRef) -> None:
        uow.record(Event(topic=TOPIC, kind=kind, at=self.clock.now(), actor_id=access.user_id,
                         subject=f"voicemail_access:{access.id}",
                         payload={"accessId": access.id, "mailbox": ref.key, "state": access.state.value}))
