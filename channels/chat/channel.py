from __future__ import annotations

from core.channels import Capabilities, Channel, ClosePolicy, Operation


class ChatChannel(Channel):
    name = "chat"
    display_name = "Chat"
    capabilities = Capabilities(
        operations=frozenset({Operation.CONSULT, Operation.CONFERENCE, Operation.TRANSFER}),
        capacity=3,
        close_policy=ClosePolicy.WHEN_ALL_AGENTS_DONE,
    )
