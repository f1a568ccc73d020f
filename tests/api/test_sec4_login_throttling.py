"""SEC4: logins are throttled per username and per client address (back-off, then a
temporary lock, each with a typed answer saying when to retry); a success resets the
username; an unknown username and a wrong password get the same answers, at the same cost.
Against a real server (HTTP over a socket), on the manual clock: nothing sleeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import httpx
import pytest

from core.identity import passwords
from schema.app import create_app
from tests.support.servers import serve_in_loop

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on LoginSuccess { token } ... on Error { code message }
  ... on RetryLaterError { retryAfterSeconds retryAt } } }"""


@pytest.fixture
def settings(settings):
    """Per username: 3 free failures, locked at the 6th for 10 minutes; per address: 8 free,
    locked at the 12th. The client's address comes from X-Forwarded-For, set by the proxy."""
    return replace(settings, login_free_failures=3, login_lock_after=6, login_lock_seconds=600,
                   login_max_backoff_seconds=60, login_address_free_failures=8, login_address_lock_after=12,
                   client_address_header="x-forwarded-for")


@pytest.fixture
async def http(backline):
    async with serve_in_loop(create_app(backline)) as base, httpx.AsyncClient(base_url=base) as client:
        yield client


async def login(http, username: str, password: str, address: str = "198.51.100.7") -> dict:
    response = await http.post("/graphql", json={"query": LOGIN, "variables": {"u": username, "p": password}},
                               headers={"X-Forwarded-For": f"203.0.113.99, {address}"})
    assert response.status_code == 200
    return response.json()["data"]["login"]


def codes(answers: list[dict]) -> list[str]:
    return [a.get("code") or a["__typename"] for a in answers]


async def test_sec4_wrong_passwords_back_off_then_lock_the_username_until_the_lock_ends(http, clock):
    answers = [await login(http, "agent", "nope") for _ in range(4)]
    assert codes(answers) == ["INVALID_CREDENTIALS"] * 3 + ["RATE_LIMITED"]
    assert answers[3]["retryAfterSeconds"] == 1
    await clock.advance(1)  # the back-off doubles: 1 s, then 2 s
    assert codes([await login(http, "agent", "nope"), await login(http, "agent", "nope")]) == \
        ["INVALID_CREDENTIALS", "RATE_LIMITED"]
    await clock.advance(1)
    assert (await login(http, "agent", "nope"))["retryAfterSeconds"] == 1
    await clock.advance(1)
    assert (await login(http, "agent", "nope"))["code"] == "INVALID_CREDENTIALS"  # the 5th
    await clock.advance(4)
    assert (await login(http, "agent", "nope"))["code"] == "INVALID_CREDENTIALS"  # the 6th: locked
    locked = await login(http, "agent", "demo")  # even the right password
    assert locked["code"] == "LOCKED" and locked["retryAfterSeconds"] == 600
    assert datetime.fromisoformat(locked["retryAt"]) == clock.now() + timedelta(seconds=600)
    await clock.advance(599)
    assert (await login(http, "agent", "demo"))["code"] == "LOCKED"
    await clock.advance(1)
    assert (await login(http, "agent", "demo"))["__typename"] == "LoginSuccess"


async def test_sec4_a_success_resets_the_usernames_failures(http, clock):
    assert codes([await login(http, "agent", "nope") for _ in range(3)]) == ["INVALID_CREDENTIALS"] * 3
    await clock.advance(1)
    assert (await login(http, "agent", "demo"))["__typename"] == "LoginSuccess"
    assert codes([await login(http, "agent", "nope") for _ in range(3)]) == ["INVALID_CREDENTIALS"] * 3


async def test_sec4_an_unknown_username_gets_the_same_answers_at_the_same_cost(http, clock, monkeypatch):
    hasher = passwords._hasher
    checks = []

    class Counting:
        def hash(self, secret):
            return hasher.hash(secret)

        def verify(self, digest, secret):
            checks.append(digest)
            return hasher.verify(digest, secret)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    seen, cost = {}, {}
    for name in ("agent", "nobody.here"):
        before = len(checks)
        answers = []
        for step in range(8):
            answers.append(await login(http, name, "nope", address="192.0.2.1"))
            await clock.advance(1 if step % 2 else 0)
        seen[name] = [(a.get("code"), a.get("message"), a.get("retryAfterSeconds")) for a in answers]
        cost[name] = len(checks) - before  # argon2 checks made: the time an answer takes
        await clock.advance(3600)  # the next name starts from nothing, the address too
    assert seen["agent"] == seen["nobody.here"]
    assert "RATE_LIMITED" in [code for code, _, _ in seen["agent"]]
    assert cost["agent"] == cost["nobody.here"] > 0


async def test_sec4_many_usernames_from_one_address_are_throttled_by_address_not_elsewhere(http, clock):
    flood = [await login(http, f"guess{i}", "nope", address="198.51.100.66") for i in range(9)]
    assert codes(flood) == ["INVALID_CREDENTIALS"] * 8 + ["RATE_LIMITED"]
    assert "address" in flood[-1]["message"]
    assert (await login(http, "agent", "demo", address="198.51.100.1"))["__typename"] == "LoginSuccess"
    # The address header is the trusted proxy's last entry: what a client puts before it is ignored.
    response = await http.post("/graphql", json={"query": LOGIN, "variables": {"u": "guess99", "p": "nope"}},
                               headers={"X-Forwarded-For": "10.9.9.9, 198.51.100.66"})
    assert response.json()["data"]["login"]["code"] == "RATE_LIMITED"
