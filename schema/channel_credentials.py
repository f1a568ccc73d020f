"""Administrators set the credentials an agent's device uses on a channel: the softphone
password of the voice channel's SIP switch (VOX1). Kept hashed by the channel."""

from __future__ import annotations

import strawberry
from strawberry.types.info import Info

from core.errors import UnsupportedOperation
from schema.arguments import int_id
from schema.errors import attempt, result_union


@strawberry.type(description="The device credentials of an agent on a channel were set.")
class ChannelCredentialsSet:
    channel: str
    user_id: strawberry.ID
    username: str = strawberry.field(description="The user name the device signs in with.")


SetChannelCredentialsResult = result_union("SetChannelCredentialsResult", ChannelCredentialsSet)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Administrators: set the password an agent's device (a softphone on voice "
                                     "over SIP) registers with. Stored hashed; never readable.")
    async def set_channel_credentials(self, info: Info, channel: str, user_id: strawberry.ID,
                                      password: str) -> SetChannelCredentialsResult:
        ctx = info.context

        async def run() -> ChannelCredentialsSet:
            target = ctx.backline.channels.get(channel)
            setter = getattr(target, "set_credentials", None)
            if setter is None:
                raise UnsupportedOperation(target.name, "device credentials")
            uid = int_id(user_id, "userId")
            username = await setter(ctx.actor, uid, password)
            return ChannelCredentialsSet(channel=target.name, user_id=strawberry.ID(str(uid)), username=username)

        return await attempt(run, lambda done: done)
