"""A call leg of the SIP switch: one dialog (RFC 3261 §12) with a phone, either the
customer's (an INVITE that came from the trunk: we are its UAS) or an agent's softphone (an
INVITE we sent to its registered Contact: we are its UAC)."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from channels.voice.sip.message import Message, new_branch
from channels.voice.sip.transactions import Pending
from channels.voice.sip.transport import Peer
from channels.voice.switch import LegKey, LegState

_session_ids = itertools.count(1000)


@dataclass(eq=False)
class Leg:
    key: LegKey
    call_id: str
    local: str  # our From (UAC) or To (UAS) value, with our tag
    remote: str  # theirs, with their tag once known
    target: str  # their Contact URI: where requests in the dialog go
    peer: Peer
    incoming: bool
    state: LegState = LegState.RINGING
    cseq: int = 1
    remote_sdp: str = ""  # the phone's own session description
    offered: str = ""  # what we last sent it
    applied: tuple[str | None, str] | None = None  # (the leg its media goes to, direction)
    bridged_to: LegKey | None = None
    invite: Message | None = None  # the INVITE of the dialog (theirs or ours)
    ringing: Pending | None = None  # our INVITE while it is not answered
    auto_answer: bool = False
    hung_up_by_phone: bool = False
    acknowledged: bool = False  # the ACK of our 2xx to their INVITE came
    session_id: int = field(default_factory=lambda: next(_session_ids))
    version: int = 1
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    timer: object | None = None
    media: object | None = None  # its relay ports (channels.voice.sip.relay.LegMedia), media = "relay"

    def next_version(self) -> int:
        self.version += 1
        return self.version

    def request(self, method: str, via: str, contact: str, body: bytes = b"", content_type: str = "",
                cseq: int | None = None, branch: str | None = None) -> Message:
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        from_, to = self.local, self.remote  # in a dialog, From is always our side
        message = Message(method=method, uri=self.target, headers=[
            ("via", f"{via};branch={branch or new_branch()};rport"), ("max-forwards", "70"),
            ("from", from_), ("to", to), ("call-id", self.call_id), ("cseq", f"{cseq} {method}"),
            ("contact", contact)], body=body)
        if content_type:
            message.set("content-type", content_type)
        return message
