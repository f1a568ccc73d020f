from __future__ import annotations

from typing import Any, Mapping

from channels.chat.channel import check_length, message_limit
from core.channels import Audience, Capabilities, Channel, ClosePolicy, Operation

DEFAULT_MAX_MESSAGE_CHARS = 2000


class InstantMessageChannel(Channel):
    """Conversations between agents (IM1-IM4) and consultations over IM: a request with a
    first message, accepted or declined; either side ends it; each side marks it done."""

    name = "im"
    display_name = "Instant message"
    capabilities = Capabilities(
        operations=frozenset({Operation.CONSULT}),
        capacity=10,
        close_policy=ClosePolicy.WHEN_ALL_AGENTS_DONE,
        audience=Audience.INTERNAL,
    )
    option_names = Channel.option_names | {"max_message_chars"}

    def __init__(self) -> None:
        super().__init__()
        self.max_message_chars = DEFAULT_MAX_MESSAGE_CHARS

    def configure(self, options: Mapping[str, Any]) -> None:
        super().configure(options)
        self.max_message_chars = message_limit(self, options, DEFAULT_MAX_MESSAGE_CHARS)

    def validate_message(self, text: str) -> str:
        return check_length(self, text, self.max_message_chars)
