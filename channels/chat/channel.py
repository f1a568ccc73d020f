from __future__ import annotations

from typing import Any, Mapping

from core.channels import Capabilities, Channel, ClosePolicy, Operation
from core.errors import ConfigurationError, InvalidInput

DEFAULT_MAX_MESSAGE_CHARS = 2000


def message_limit(channel: Channel, options: Mapping[str, Any], default: int) -> int:
    value = options.get("max_message_chars", default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"Channel '{channel.name}': max_message_chars must be a whole number ≥ 1")
    return value


def check_length(channel: Channel, text: str, limit: int) -> str:
    if len(text) > limit:
        raise InvalidInput(f"A {channel.display_name.lower()} message is at most {limit} characters.",
                           field="text", limit=limit)
    return text


class ChatChannel(Channel):
    """Customer chats: customers start them through the customer API (`customer_sessions`),
    agents and customers write lines; transfer, conference and consultation as a private
    thread; closes when every agent party has marked it done (CH2)."""

    name = "chat"
    display_name = "Chat"
    capabilities = Capabilities(
        operations=frozenset({Operation.CONSULT, Operation.CONFERENCE, Operation.TRANSFER}),
        capacity=3,
        close_policy=ClosePolicy.WHEN_ALL_AGENTS_DONE,
    )
    option_names = Channel.option_names | {"max_message_chars"}
    customer_sessions = True

    def __init__(self) -> None:
        super().__init__()
        self.max_message_chars = DEFAULT_MAX_MESSAGE_CHARS

    def configure(self, options: Mapping[str, Any]) -> None:
        super().configure(options)
        self.max_message_chars = message_limit(self, options, DEFAULT_MAX_MESSAGE_CHARS)

    def validate_message(self, text: str) -> str:
        return check_length(self, text, self.max_message_chars)
