"""SEC4: wrong passwords are throttled per username and per client address. A few failures
are free; each one after them must wait a back-off that doubles (up to a ceiling); after
`lock_after` failures the key is locked for `lock_seconds`. A success forgets the username's
failures. Refused attempts are answered at once, without checking any password: they cost
the server nothing, and they say when to try again.

Keys are whatever was sent: an unknown username is counted exactly like a known one, so the
answers never tell which usernames exist. An address's failures are not forgotten on a
success (an attacker holding one account could otherwise wipe its address's count between
guesses); they age out like every other after `lock_seconds` without a failure. The table is
bounded: the least recently failed key is forgotten first (forgetting only forgives).

Per process, like the request rate limit: behind N instances an attacker gets N times the
budget, still a few guesses a minute, while a store round trip on every login would make the
login itself the cheaper flood."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock
from core.errors import Locked, RateLimited


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 3
    lock_after: int = 10
    lock_seconds: float = 900.0
    max_backoff_seconds: float = 60.0

    def wait_after(self, failures: int) -> float:
        """Seconds the next attempt waits after `failures` failures (0: none)."""
        if failures < self.free_failures:
            return 0.0
        return min(self.max_backoff_seconds, 2.0 ** (failures - self.free_failures))


@dataclass
class _Failures:
    count: int
    last: datetime
    locked_until: datetime | None = None


class LoginThrottle:
    MAX_KEYS = 100_000

    def __init__(self, clock: Clock, per_username: ThrottlePolicy, per_address: ThrottlePolicy) -> None:
        self.clock = clock
        self.policies = {"user": per_username, "addr": per_address}
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()

    @staticmethod
    def keys(username: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("user", username.casefold())]
        if address:
            keys.append(("addr", address))
        return keys

    def check(self, username: str, address: str | None) -> None:
        """Raises LOCKED or RATE_LIMITED, with when to retry, if an attempt may not be made now."""
        now = self.clock.now()
        for key in self.keys(username, address):
            failures = self._current(key, now)
            if failures is None:
                continue
            if failures.locked_until is not None:
                raise Locked(
                    f"Too many failed logins {_whose(key)}; locked until {failures.locked_until.isoformat()}.",
                    retry_at=failures.locked_until, retry_after_seconds=_seconds(failures.locked_until - now))
            wait = self.policies[key[0]].wait_after(failures.count)
            retry_at = failures.last + timedelta(seconds=wait)
            if retry_at > now:
                raise RateLimited(
                    f"Too many failed logins {_whose(key)}; retry in {_seconds(retry_at - now)} s.",
                    retry_at=retry_at, retry_after_seconds=_seconds(retry_at - now))

    def attempt(self, username: str, address: str | None) -> None:
        """Counts an attempt as failed before its password is checked, so that attempts made
        at once cannot all pass the check before the first failure is counted; `succeeded`
        takes it back."""
        self.check(username, address)
        self._failed(username, address)

    def _failed(self, username: str, address: str | None) -> None:
        now = self.clock.now()
        for key in self.keys(username, address):
            policy = self.policies[key[0]]
            failures = self._current(key, now)
            if failures is None:
                failures = self._failures[key] = _Failures(0, now)
            failures.count += 1
            failures.last = now
            if failures.count >= policy.lock_after:
                failures.locked_until = now + timedelta(seconds=policy.lock_seconds)
            self._failures.move_to_end(key)
        while len(self._failures) > self.MAX_KEYS:
            self._failures.popitem(last=False)

    def succeeded(self, username: str, address: str | None) -> None:
        """The username's failures are forgotten; the address keeps its earlier ones (the
        attempt itself is taken back)."""
        self._failures.pop(("user", username.casefold()), None)
        failures = self._failures.get(("addr", address)) if address else None
        if failures is not None:
            failures.count -= 1
            if failures.count <= 0 and failures.locked_until is None:
                del self._failures[("addr", address)]

    def _current(self, key: tuple[str, str], now: datetime) -> _Failures | None:
        """The key's failures, forgotten once its lock is over or it has been quiet long enough."""
        failures = self._failures.get(key)
        if failures is None:
            return None
        policy = self.policies[key[0]]
        over = failures.locked_until is not None and failures.locked_until <= now
        quiet = now - failures.last >= timedelta(seconds=policy.lock_seconds)
        if over or quiet:
            del self._failures[key]
            return None
        return failures


def _whose(key: tuple[str, str]) -> str:
    return "for this username" if key[0] == "user" else "from this address"


def _seconds(delta: timedelta) -> int:
    """Whole seconds, rounded up: retrying after them is never too early."""
    return max(1, -int(-delta.total_seconds() // 1))
