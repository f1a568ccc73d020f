"""The channels that run, and what each can do (CH1)."""

from __future__ import annotations

import strawberry
from strawberry.types.info import Info

from core.channels import Audience as CoreAudience
from core.channels import Channel as CoreChannel
from core.channels import ClosePolicy as CoreClosePolicy
from core.channels import Operation as CoreOperation

Operation = strawberry.enum(CoreOperation, name="ChannelOperation")
ClosePolicy = strawberry.enum(CoreClosePolicy, name="ClosePolicy")
Audience = strawberry.enum(CoreAudience, name="ChannelAudience")


@strawberry.type(description="A channel plugin that runs, with its declared capabilities.")
class Channel:
    name: str
    display_name: str
    operations: list[Operation]
    capacity: int = strawberry.field(description="Interactions an agent holds at once before busy.")
    close_policy: ClosePolicy
    audience: Audience
    transfer_inbound_only: bool

    @classmethod
    def of(cls, channel: CoreChannel) -> "Channel":
        caps = channel.capabilities
        return cls(
            name=channel.name,
            display_name=channel.display_name or channel.name,
            operations=sorted(caps.operations, key=lambda op: op.value),
            capacity=caps.capacity,
            close_policy=caps.close_policy,
            audience=caps.audience,
            transfer_inbound_only=caps.transfer_inbound_only,
        )


@strawberry.type
class Query:
    @strawberry.field(description="The enabled channels, in plugins.toml order.")
    def channels(self, info: Info) -> list[Channel]:
        return [Channel.of(channel) for channel in info.context.backline.channels]
