from __future__ import annotations

from channels.written import WrittenChannel
from core.channels import Audience, Capabilities, ClosePolicy, Operation


class InstantMessageChannel(WrittenChannel):
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
