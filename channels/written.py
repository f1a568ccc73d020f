"""What the written channels share: lines of text with a configured maximum length."""

from __future__ import annotations

from typing import Any, Mapping

from core.channels import Channel
from core.errors import ConfigurationError, InvalidInput

DEFAULT_MAX_MESSAGE_CHARS = 2000


def check_length(channel: Channel, text: str, limit: int) -> str:
    if len(text) > limit:
        raise InvalidInput(f"A {channel.display_name.lower()} message is at most {limit} characters.",
                           field="text", limit=limit)
    return text


class WrittenChannel(Channel):
    """A channel whose parties write lines (chat, IM): `max_message_chars` in plugins.toml
    bounds each line, and `validate_message` enforces it."""

    option_names = Channel.option_names | {"max_message_chars"}

    def __init__(self) -> None:
        super().__init__()
        self.max_message_chars = DEFAULT_MAX_MESSAGE_CHARS

    def configure(self, options: Mapping[str, Any]) -> None:
        super().configure(options)
        value = options.get("max_message_chars", DEFAULT_MAX_MESSAGE_CHARS)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError(f"Channel '{self.name}': max_message_chars must be a whole number ≥ 1")
        self.max_message_chars = value

    def validate_message(self, text: str) -> str:
        return check_length(self, text, self.max_message_chars)
