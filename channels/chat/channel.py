from __future__ import annotations

from channels.written import WrittenChannel
from core.channels import Capabilities, ClosePolicy, Operation


class ChatChannel(WrittenChannel):
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
    customer_sessions = True
