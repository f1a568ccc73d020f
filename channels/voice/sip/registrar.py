"""The registrar (RFC 3261 §10) sippy lacks: an agent's softphone REGISTERs with the agent's
digest credentials; the binding (its Contact, and the socket it came on, so that a phone
registered over TCP gets its calls on that connection) lives until it expires or is removed.
Expiry runs on the injectable clock; the switch is told when a binding goes (VOX1)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Awaitable, Callable

from channels.voice.sip import digest
from channels.voice.sip.credentials import credential_of
from channels.voice.sip.message import Message, host_port, param, response_to, uri_of, user_of
from channels.voice.sip.transport import Peer

if TYPE_CHECKING:
    from core.clock import Clock
    from core.store.unit_of_work import Store

log = logging.getLogger("backline.voice.sip")

MIN_EXPIRES = 30


@dataclass
class Binding:
    user_id: int
    username: str
    contact: str  # the phone's Contact URI: where its calls go
    peer: Peer  # UDP to the Contact's address, or the TCP connection it registered on
    expires: int
    timer: object | None = None


class Registrar:
    def __init__(self, store: "Store", clock: "Clock", realm: str, max_seconds: int,
                 gone: Callable[[int], Awaitable[None]]) -> None:
        self.store, self.clock, self.realm, self.max_seconds, self.gone = store, clock, realm, max_seconds, gone
        self.nonces = digest.Nonces()
        self.bindings: dict[int, Binding] = {}  # by user id

    def binding_of(self, user_id: int) -> Binding | None:
        binding = self.bindings.get(user_id)
        return binding if binding is not None and binding.peer.alive else None

    async def register(self, request: Message, peer: Peer) -> Message:
        fields = digest.parse_authorization(request.get("authorization") or "")
        if not fields or not self.nonces.valid(fields.get("nonce", "")):
            challenge = response_to(request, 401, to_tag="reg")
            challenge.set("www-authenticate", digest.challenge(self.realm, self.nonces.issue()))
            return challenge
        username = fields.get("username", "")
        async with self.store.read() as session:
            credential = await credential_of(session, username)
        to_user = user_of(uri_of(request.get("to") or ""))
        if (credential is None or credential.realm != self.realm or fields.get("realm") != self.realm
                or to_user != username or not digest.verify(fields, "REGISTER", credential.ha1)):
            return response_to(request, 403, "Wrong credentials", to_tag="reg")
        contact_header = request.get("contact") or ""
        wanted = param(contact_header, "expires") or request.get("expires") or "3600"
        try:
            expires = min(int(wanted), self.max_seconds)
        except ValueError:
            return response_to(request, 400, "Bad Expires", to_tag="reg")
        if contact_header.strip() == "*" or expires <= 0:
            await self._drop(credential.user_id)
            return response_to(request, 200, to_tag="reg")
        expires = max(expires, min(MIN_EXPIRES, self.max_seconds))
        contact = uri_of(contact_header)
        try:
            address = host_port(contact)
        except ValueError:
            return response_to(request, 400, "Bad Contact", to_tag="reg")
        target = peer if peer.kind == "tcp" else Peer(address)
        old = self.bindings.get(credential.user_id)
        if old is not None and old.timer is not None:
            old.timer.cancel()
        binding = Binding(credential.user_id, username, contact, target, expires)
        self.bindings[credential.user_id] = binding
        binding.timer = self.clock.call_later(expires, lambda: self._expired(binding))
        log.info("SIP: %s registered at %s for %ss", username, contact, expires)
        ok = response_to(request, 200, to_tag="reg")
        ok.set("contact", f"<{contact}>;expires={expires}")
        ok.set("expires", str(expires))
        return ok

    async def _expired(self, binding: Binding) -> None:
        if self.bindings.get(binding.user_id) is binding:
            log.info("SIP: the registration of %s expired", binding.username)
            await self._drop(binding.user_id)

    async def _drop(self, user_id: int) -> None:
        binding = self.bindings.pop(user_id, None)
        if binding is not None:
            if binding.timer is not None:
                binding.timer.cancel()
            await self.gone(user_id)

    def clear(self) -> None:
        for binding in self.bindings.values():
            if binding.timer is not None:
                binding.timer.cancel()
        self.bindings.clear()
