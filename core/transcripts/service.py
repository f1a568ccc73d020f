"""`backline.transcripts`: lines written on interactions (and the files that came with them),
internal requests, customer chats and the done step, over the interaction engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.transcripts.attachments import Attachments
from core.transcripts.closing import Closing
from core.transcripts.customer_chats import CustomerChats
from core.transcripts.inbound import InboundWritten
from core.transcripts.internal import InternalRequests
from core.transcripts.lines import Lines

if TYPE_CHECKING:
    from core.runtime import Backline


class TranscriptsService:
    def __init__(self, backline: "Backline") -> None:
        self.lines = Lines(backline)
        self.closing = Closing(backline)
        self.internal = InternalRequests(backline)
        self.chats = CustomerChats(backline)
        self.inbound = InboundWritten(backline)
        self.attachments = Attachments(backline)
