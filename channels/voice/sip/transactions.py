"""Transactions (RFC 3261 §17), as far as the switch needs them on a reliable loopback or
LAN: a request we send is retransmitted over UDP (T1 doubling, up to T2) until a response
comes, and its final response is awaited; a request that arrives again is answered with
the response it got the first time. A CANCEL or the caller's own deadline ends a wait with
a 408 of our own."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Callable

from channels.voice.sip.message import Message, response_to
from channels.voice.sip.transport import Peer, Transport

T1, T2 = 0.5, 4.0
GIVE_UP = 32.0  # seconds (64 × T1): a request nobody answers
REMEMBERED = 4096  # answered requests kept to answer their retransmissions


class Pending:
    def __init__(self, request: Message, peer: Peer, on_provisional: Callable[[Message], None] | None) -> None:
        self.request, self.peer, self.on_provisional = request, peer, on_provisional
        self.final: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self.provisional = False

    def give_up(self, status: int = 408) -> None:
        if not self.final.done():
            self.final.set_result(response_to(self.request, status))


class Transactions:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self._pending: dict[tuple[str, str], Pending] = {}
        self._answered: OrderedDict[tuple[str, str, str], Message] = OrderedDict()

    # -- ours ------------------------------------------------------------------------------

    def start(self, request: Message, peer: Peer,
              on_provisional: Callable[[Message], None] | None = None) -> Pending:
        pending = Pending(request, peer, on_provisional)
        key = (request.branch, request.method)
        self._pending[key] = pending
        self.transport.send(request, peer)
        task = asyncio.get_running_loop().create_task(self._retransmit(pending))
        pending.final.add_done_callback(lambda _: (task.cancel(), self._pending.pop(key, None)))
        return pending

    async def request(self, request: Message, peer: Peer, on_provisional=None) -> Message:
        return await self.start(request, peer, on_provisional).final

    async def _retransmit(self, pending: Pending) -> None:
        interval, waited = T1, 0.0
        while waited < GIVE_UP:
            await asyncio.sleep(interval)
            waited += interval
            if pending.final.done():
                return
            if pending.peer.kind == "udp" and not pending.provisional:
                self.transport.send(pending.request, pending.peer)
            interval = min(interval * 2, T2)
        pending.give_up()

    def response_arrived(self, response: Message) -> bool:
        """True when the response belongs to one of our transactions."""
        try:
            _, method = response.cseq
        except ValueError:
            return False
        pending = self._pending.get((response.branch, method))
        if pending is None:
            return False
        if response.status < 200:
            pending.provisional = True
            if pending.on_provisional is not None:
                pending.on_provisional(response)
        elif not pending.final.done():
            pending.final.set_result(response)
        return True

    # -- theirs ----------------------------------------------------------------------------

    def retransmission(self, request: Message, peer: Peer) -> bool:
        """A request we answered already: the same answer again, True."""
        answer = self._answered.get(self._key(request))
        if answer is None:
            return False
        if request.method != "ACK":
            self.transport.send(answer, peer)
        return True

    def answer(self, request: Message, response: Message, peer: Peer) -> None:
        if response.status >= 200 or request.method == "INVITE":
            self._answered[self._key(request)] = response
            while len(self._answered) > REMEMBERED:
                self._answered.popitem(last=False)
        self.transport.send(response, peer)

    @staticmethod
    def _key(request: Message) -> tuple[str, str, str]:
        return request.branch, request.method or "", request.call_id
