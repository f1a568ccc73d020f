"""Log in, log out, and who am I."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types.info import Info

from core.identity.actor import Actor
from core.identity.models import Role as CoreRole
from core.identity.service import Session
from schema.errors import RetryLaterError, attempt, result_union

Role = strawberry.enum(CoreRole, name="Role", description="What a user may do.")


@strawberry.type(description="The calling user.")
class Me:
    id: strawberry.ID
    username: str
    display_name: str
    role: Role
    team_id: strawberry.ID | None
    supervised_team_ids: list[strawberry.ID]

    @classmethod
    def of(cls, actor: Actor) -> "Me":
        return cls(
            id=strawberry.ID(str(actor.user_id)),
            username=actor.username,
            display_name=actor.display_name,
            role=actor.role,
            team_id=strawberry.ID(str(actor.team_id)) if actor.team_id is not None else None,
            supervised_team_ids=[strawberry.ID(str(t)) for t in sorted(actor.supervised_team_ids)],
        )


@strawberry.type
class LoginSuccess:
    token: str = strawberry.field(description="Send as 'Authorization: Bearer <token>'.")
    expires_at: datetime
    me: Me


@strawberry.type
class LogoutSuccess:
    revoked: bool


LoginResult = result_union("LoginResult", LoginSuccess, RetryLaterError)
LogoutResult = result_union("LogoutResult", LogoutSuccess)


@strawberry.type
class Query:
    @strawberry.field(description="The calling user.")
    def me(self, info: Info) -> Me:
        return Me.of(info.context.actor)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Exchange a username and password for a bearer token. After a few failures "
                                     "for a username or from an address, RATE_LIMITED then LOCKED, with when to "
                                     "retry (RetryLaterError).")
    async def login(self, info: Info, username: str, password: str) -> LoginResult:
        def success(session: Session) -> LoginSuccess:
            return LoginSuccess(token=session.token, expires_at=session.expires_at, me=Me.of(session.actor))

        ctx = info.context
        return await attempt(ctx.backline.identity.login(username, password, ctx.client_address), success)

    @strawberry.mutation(description="Revoke the bearer token of this request.")
    async def logout(self, info: Info) -> LogoutResult:
        ctx = info.context
        return await attempt(ctx.backline.identity.logout(ctx.token), lambda _: LogoutSuccess(revoked=True))
