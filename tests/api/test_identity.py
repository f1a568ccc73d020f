"""Identity: login, logout, me, and authentication on every operation but login."""

from __future__ import annotations

import pytest

ME = "{ me { id username displayName role teamId supervisedTeamIds } }"
LOGOUT = "mutation { logout { __typename ... on LogoutSuccess { revoked } ... on Error { code } } }"


async def test_login_returns_a_token_that_identifies_the_caller(api):
    await api.login("agent")
    me = (await api.execute(ME))["me"]
    assert me["username"] == "agent"
    assert me["displayName"] == "Camille Martin"
    assert me["role"] == "AGENT"
    assert me["teamId"] is not None


async def test_login_with_a_wrong_password_is_a_typed_failure(api):
    body = await api.raw(
        'mutation { login(username: "agent", password: "nope") { __typename ... on Error { code message } } }'
    )
    assert body["data"]["login"] == {
        "__typename": "AuthenticationError",
        "code": "INVALID_CREDENTIALS",
        "message": "Unknown username or wrong password.",
    }


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(api):
    body = await api.raw(
        'mutation { login(username: "nobody", password: "demo") { ... on Error { code message } } }'
    )
    assert body["data"]["login"]["code"] == "INVALID_CREDENTIALS"
    assert body["data"]["login"]["message"] == "Unknown username or wrong password."


async def test_oversize_credentials_are_invalid_input(api):
    body = await api.raw(
        "mutation($p: String!) { login(username: \"agent\", password: $p) { ... on Error { code } } }",
        {"p": "x" * 10_000},
    )
    assert body["data"]["login"]["code"] == "INVALID_INPUT"


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
async def test_every_operation_but_login_requires_a_valid_token(api, header):
    token = header.removeprefix("Bearer ") if header and header.startswith("Bearer ") else None
    body = await api.raw(ME, token=token or "")
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "log in" in error["message"].lower() or "authentication required" in error["message"].lower()


async def test_typename_alone_needs_no_token(api):
    assert (await api.execute("{ __typename }")) == {"__typename": "Query"}


async def test_logout_revokes_the_token(api):
    await api.login("lead")
    assert (await api.execute(LOGOUT))["logout"] == {"__typename": "LogoutSuccess", "revoked": True}
    body = await api.raw(ME)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_roles_and_teams_of_the_demo_logins(api, client_for):
    lead = await client_for("lead")
    admin = await client_for("admin")
    lead_me = (await lead.execute(ME))["me"]
    admin_me = (await admin.execute(ME))["me"]
    assert lead_me["role"] == "SUPERVISOR" and len(lead_me["supervisedTeamIds"]) == 1
    assert admin_me["role"] == "ADMINISTRATOR" and admin_me["teamId"] is None


async def test_expired_token_is_refused(api, clock):
    await api.login("agent")
    await clock.advance(13 * 3600)
    body = await api.raw(ME)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_passwords_are_stored_as_argon2_hashes(backline):
    from sqlmodel import select

    from core.identity.models import User

    async with backline.store.read() as session:
        user = (await session.exec(select(User).where(User.username == "agent"))).one()
    assert user.password_hash.startswith("$argon2id$")
    assert "demo" not in user.password_hash
