"""Log in, log out, and resolve a bearer token to the acting user."""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from sqlmodel import select

from core.clock import Clock
from core.errors import InvalidCredentials, InvalidInput, NotAuthenticated
from core.identity.actor import Actor
from core.identity.models import AuthToken, TeamSupervisor, User
from core.identity.passwords import verify_password
from core.identity.throttle import LoginThrottle, ThrottlePolicy
from core.identity.revocations import forgetting_revoked, token_revoked
from core.store.unit_of_work import Store

MAX_CREDENTIAL_LENGTH = 256
# A token's actor is read from the store at most this often per process: every request
# authenticates, and the read was a third of a small query's cost. A logout, in this process
# or another, forgets the user's tokens at once (core.identity.revocations); other changes
# to a user (role, team) are noticed within this delay.
RECHECK_AFTER = timedelta(seconds=2)
CACHED_TOKENS = 10_000


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: datetime
    actor: Actor


def digest(token: str) -> str:
    # surrogatepass: a token sent as JSON may hold a lone surrogate; it matches nothing, and
    # must not fail to encode (SEC2).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


async def load_actor(session, user: User) -> Actor:
    supervised = await session.exec(
        select(TeamSupervisor.team_id).where(TeamSupervisor.user_id == user.id)
    )
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        team_id=user.team_id,
        supervised_team_ids=frozenset(supervised.all()),
    )


class IdentityService:
    def __init__(self, store: Store, clock: Clock, token_ttl: timedelta,
                 throttle: LoginThrottle | None = None) -> None:
        self.store = store
        self.clock = clock
        self.token_ttl = token_ttl
        self.throttle = throttle or LoginThrottle(clock, ThrottlePolicy(), ThrottlePolicy(20, 100))
        # token digest -> (actor, token expiry, when the store was last read for it)
        self._known: OrderedDict[str, tuple[Actor, datetime, datetime]] = OrderedDict()
        self._revocations = forgetting_revoked(store.bus, self._revoked)
        # Told of each revocation in the cluster, after the cache forgot it (open sockets).
        self._on_revoked: list[Callable[[int], Awaitable[None]]] = []

    async def start(self) -> None:
        self._revocations.start()

    async def stop(self) -> None:
        await self._revocations.stop()

    def forget_user(self, user_id: int) -> None:
        """The next request with any of this user's tokens reads the store again."""
        for key in [key for key, (actor, _, _) in self._known.items() if actor.user_id == user_id]:
            del self._known[key]

    async def _revoked(self, user_id: int) -> None:
        self.forget_user(user_id)
        for callback in self._on_revoked:
            await callback(user_id)

    def when_revoked(self, callback: Callable[[int], Awaitable[None]]) -> None:
        """`callback(user_id)` after any of that user's tokens is revoked, on any instance."""
        self._on_revoked.append(callback)

    async def login(self, username: str, password: str, address: str | None = None) -> Session:
        """`address`: the client's, for throttling per address as well as per username (SEC4)."""
        if not username or len(username) > MAX_CREDENTIAL_LENGTH or len(password) > MAX_CREDENTIAL_LENGTH:
            raise InvalidInput("Username and password must be 1 to 256 characters.")
        self.throttle.attempt(username, address)  # raises RATE_LIMITED / LOCKED, before any work
        async with self.store.read() as session:
            user = (await session.exec(select(User).where(User.username == username))).first()
        # Verify even for an unknown user: the answer takes as long either way.
        if not await verify_password(user.password_hash if user else None, password) or user is None:
            raise InvalidCredentials("Unknown username or wrong password.")
        self.throttle.succeeded(username, address)
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        expires_at = now + self.token_ttl
        async with self.store.write() as uow:
            uow.session.add(
                AuthToken(token_digest=digest(token), user_id=user.id, created_at=now, expires_at=expires_at)
            )
            actor = await load_actor(uow.session, user)
        self._remember(digest(token), actor, expires_at, now)  # committed: the first request reads nothing
        return Session(token=token, expires_at=expires_at, actor=actor)

    async def authenticate(self, token: str | None) -> Actor:
        if not token:
            raise NotAuthenticated("Authentication required: send 'Authorization: Bearer <token>'.")
        key = digest(token)
        now = self.clock.now()
        known = self._known.get(key)
        if known is not None and known[1] > now and now - known[2] < RECHECK_AFTER:
            return known[0]
        async with self.store.read() as session:
            row = await session.get(AuthToken, key)
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                self._known.pop(key, None)
                raise NotAuthenticated("The bearer token is unknown, expired or revoked; log in again.")
            user = await session.get(User, row.user_id)
            actor = await load_actor(session, user)
        self._remember(key, actor, row.expires_at, now)
        return actor

    def known(self, token: str | None) -> Actor | None:
        """Whose token this is, if this process has seen it valid and unexpired, without
        reading the store: the rate limit keys a request by its user before the request is
        authenticated (which still rechecks a revocation as usual)."""
        if not token:
            return None
        known = self._known.get(digest(token))
        if known is not None and known[1] > self.clock.now():
            return known[0]
        return None

    def _remember(self, key: str, actor: Actor, expires_at: datetime, checked_at: datetime) -> None:
        self._known[key] = (actor, expires_at, checked_at)
        self._known.move_to_end(key)
        if len(self._known) > CACHED_TOKENS:
            self._known.popitem(last=False)

    async def logout(self, token: str) -> None:
        self._known.pop(digest(token), None)
        async with self.store.write() as uow:
            row = await uow.session.get(AuthToken, digest(token))
            if row is not None and row.revoked_at is None:
                row.revoked_at = self.clock.now()
                uow.session.add(row)
                uow.record(token_revoked(row.user_id, row.revoked_at))  # every instance forgets it
        self._known.pop(digest(token), None)  # again: an authentication may have raced the write


def bearer_token(header_value: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value, or None."""
    if not header_value:
        return None
    scheme, _, token = header_value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
