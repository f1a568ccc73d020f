"""What the core asks of a channel's behaviour. A channel object may implement any of these
async methods and attributes; a channel that does not gets the neutral default. The core
calls them after checking the channel's capabilities (CH1) and never asks its name."""

from __future__ import annotations

from typing import Any

from core.channels import Channel


class Behaviour:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    @property
    def one_active_per_agent(self) -> bool:
        """An agent talks on one interaction at a time; taking another holds the rest."""
        return bool(getattr(self.channel, "one_active_per_agent", False))

    async def hold(self, interaction: Any, party: Any) -> None:
        method = getattr(self.channel, "hold", None)
        if method is not None:
            await method(interaction, party)

    async def retrieve(self, interaction: Any, party: Any) -> None:
        method = getattr(self.channel, "retrieve", None)
        if method is not None:
            await method(interaction, party)

    async def release(self, interaction: Any, party: Any) -> None:
        method = getattr(self.channel, "release", None)
        if method is not None:
            await method(interaction, party)

    async def send_dtmf(self, interaction: Any, party: Any, digits: str) -> str:
        """Returns the digits sent; a channel validates them (raising InvalidInput)."""
        method = getattr(self.channel, "send_dtmf", None)
        return digits if method is None else await method(interaction, party, digits)

    async def dial_external(self, interaction: Any, address: str) -> str:
        """Reach a party outside the company; returns the display name to show."""
        method = getattr(self.channel, "dial_external", None)
        return address if method is None else await method(interaction, address)
