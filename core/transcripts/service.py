"""`backline.transcripts`: lines written on interactions (and the files that came with them),
internal requests, customer chats and the done step, over the interaction engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.transcripts.closing import Closing
from core.transcripts.customer_chats import CustomerChats
from core.transcripts.downloads import Attachments
from core.transcripts.inbound import InboundWritten
from core.transcripts.internal import InternalRequests
from core.transcripts.lines import Lines

if TYPE_CHECKING:
    from core.identity.guests import GuestTokens
    from core.interactions.engine import InteractionEngine


class TranscriptsService:
    """`guests`: the tokens a customer's chat session holds."""

    def __init__(self, engine: "InteractionEngine", guests: "GuestTokens") -> None:
        self.lines = Lines(engine)
        self.closing = Closing(engine)
        self.internal = InternalRequests(engine, self.lines)
        self.chats = CustomerChats(engine, self.lines, guests)
        self.inbound = InboundWritten(engine, self.lines)
        self.attachments = Attachments(engine.store, self.lines)
