from __future__ import annotations

from core.channels import Capabilities, Channel, ClosePolicy, Operation


class EmailChannel(Channel):
    name = "email"
    display_name = "Email"
    capabilities = Capabilities(
        operations=frozenset({Operation.TRANSFER}),
        capacity=5,
        close_policy=ClosePolicy.WHEN_ALL_AGENTS_DONE,
        transfer_inbound_only=True,
    )
