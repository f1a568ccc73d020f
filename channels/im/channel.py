from __future__ import annotations

from core.channels import Audience, Capabilities, Channel, ClosePolicy, Operation


class InstantMessageChannel(Channel):
    name = "im"
    display_name = "Instant message"
    capabilities = Capabilities(
        operations=frozenset({Operation.CONSULT}),
        capacity=10,
        close_policy=ClosePolicy.WHEN_ALL_AGENTS_DONE,
        audience=Audience.INTERNAL,
    )
