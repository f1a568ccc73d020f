"""SEC4: password and PIN hashing never blocks other requests: it runs in a pool of worker
threads, never on the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core.identity import passwords
from tests.api.test_voicemail import DTMF, deposit, open_session


class Recording:
    """The hasher in use, recording which thread each hash and check ran on; `hold` makes
    every check wait until released (a slow, production-cost hash)."""

    def __init__(self, hasher, hold: threading.Event | None = None) -> None:
        self.hasher = hasher
        self.hold = hold
        self.threads: list[int] = []

    def hash(self, secret: str) -> str:
        self.threads.append(threading.get_ident())
        return self.hasher.hash(secret)

    def verify(self, digest: str, secret: str) -> bool:
        self.threads.append(threading.get_ident())
        if self.hold is not None:
            self.hold.wait(timeout=5)  # released by the test, once the other request is answered
        return self.hasher.verify(digest, secret)


async def test_sec4_a_slow_password_check_does_not_hold_up_another_users_request(api, monkeypatch):
    other = await api.as_user().login("marie.dupont")
    hold = threading.Event()
    recording = Recording(passwords._hasher, hold)
    monkeypatch.setattr(passwords, "_hasher", recording)
    login = asyncio.create_task(api.as_user().raw(
        'mutation { login(username: "agent", password: "nope") { ... on Error { code } } }'))
    while not recording.threads:  # the check has started
        await asyncio.sleep(0.001)
    try:
        answered = await asyncio.wait_for(other.execute("{ me { username } }"), timeout=5)
        assert answered["me"]["username"] == "marie.dupont"
        assert not login.done()  # answered while the password check was still running
    finally:
        hold.set()
    assert (await login)["data"]["login"]["code"] == "INVALID_CREDENTIALS"
    assert threading.get_ident() not in recording.threads


@pytest.mark.parametrize("username", ["agent", "nobody-has-this-name"])
async def test_sec4_password_checks_run_off_the_event_loop(api, monkeypatch, username):
    recording = Recording(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", recording)
    body = await api.raw('mutation($u: String!) { login(username: $u, password: "nope") { ... on Error { code } } }',
                         {"u": username})
    assert body["data"]["login"]["code"] == "INVALID_CREDENTIALS"
    assert recording.threads and threading.get_ident() not in recording.threads


async def test_sec4_pin_hashing_and_checks_run_off_the_event_loop(backline, api, monkeypatch):
    recording = Recording(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", recording)
    backline.voicemail._default_pin_hash = None  # hashed again, through the recording hasher
    agent = await api.login("agent")
    me = int(agent.me["id"])
    await deposit(backline, caller="first", mailbox_user_id=me)  # creates the mailbox: default PIN
    session = await open_session(agent, f"user:{me}", pin=None)
    assert (await agent.execute(DTMF, {"s": session, "d": "1234"}))["sendVoicemailDtmf"]["state"] == "OPEN"
    assert len(recording.threads) >= 3  # the login, the default PIN's hash, the PIN's check
    assert threading.get_ident() not in recording.threads
