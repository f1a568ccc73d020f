from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Mapping

from channels.voice.legs import CallLegs
from channels.voice.switch import SimulatedSwitch, Switch
from core.channels import Capabilities, Channel, ClosePolicy, Operation
from core.errors import ConfigurationError, InvalidInput, NotFound, PermissionDenied, UnsupportedOperation

if TYPE_CHECKING:
    from core.identity.actor import Actor
    from core.channel_services import ChannelServices


# Keypad digits a call can send (RFC 4733 events 0-15).
DTMF_DIGITS = frozenset("0123456789*#ABCD")
MAX_DTMF = 32


def make_switch(kind: Any) -> Switch:
    if kind == "simulated":
        return SimulatedSwitch()
    if kind == "sip":
        from channels.voice.sip.switch import SipSwitch  # only loaded when chosen

        return SipSwitch()
    raise ConfigurationError(f"Channel 'voice': switch must be \"simulated\" or \"sip\", not {kind!r}")


class VoiceChannel(Channel):
    """Calls. The behaviour the interaction engine asks of a channel (see
    core.interactions.behaviour): an agent talks on one call at a time, so connecting
    another holds the rest; DTMF digits are validated here. The calls themselves run on a
    switch (channels.voice.switch): the simulated one by default, or SIP; the channel's
    operations are those the switch declares (VOX3)."""

    name = "voice"
    display_name = "Voice"
    capabilities = Capabilities(
        operations=SimulatedSwitch.operations,
        capacity=1,
        close_policy=ClosePolicy.ON_RELEASE,
    )
    option_names = Channel.option_names | {"voicemail", "switch"}
    one_active_per_agent = True

    def __init__(self) -> None:
        super().__init__()
        self.switch: Switch = SimulatedSwitch()
        self.legs: CallLegs | None = None

    def configure(self, options: Mapping[str, Any]) -> None:
        switch = make_switch(options.get("switch", "simulated"))
        self.option_names = VoiceChannel.option_names | switch.option_names
        super().configure(options)
        switch.configure(options)
        self.switch = switch
        voicemail = options.get("voicemail", True)
        if not isinstance(voicemail, bool):
            raise ConfigurationError("Channel 'voice': voicemail must be true or false")
        operations = switch.operations - (set() if voicemail else {Operation.VOICEMAIL})
        self.capabilities = replace(self.capabilities, operations=frozenset(operations))

    async def start(self, services: "ChannelServices") -> None:
        self.services = services
        if self.switch.carries_calls:
            self.legs = CallLegs(services, self.switch, self.name)
            self.switch.events = self.legs
            await self.switch.start(services, self)
            self.legs.start()
        else:
            await self.switch.start(services)

    async def stop(self) -> None:
        if self.legs is not None:
            await self.legs.stop()
            self.legs = None
        await self.switch.stop()

    async def why_not_ready(self, user_id: int) -> str | None:
        return await self.switch.why_not_ready(user_id)

    # -- what the engine asks (inside its transaction: the switch acts after the commit) -----

    async def hold(self, interaction, party) -> None:
        """The switch re-INVITEs the legs once the change has committed (channels.voice.legs)."""

    async def retrieve(self, interaction, party) -> None:
        """As hold: the legs follow the committed state."""

    async def release(self, interaction, party) -> None:
        """As hold: the legs follow the committed state."""

    async def send_dtmf(self, interaction, party, digits: str) -> str:
        digits = (digits or "").upper()
        if not digits or len(digits) > MAX_DTMF or not set(digits) <= DTMF_DIGITS:
            raise InvalidInput(f"DTMF digits are 1 to {MAX_DTMF} of 0-9, *, #, A-D.", field="digits")
        self.switch.digits_to_send(party.id, digits)
        return digits

    async def dial_external(self, interaction, address: str) -> str:
        if not all(ch.isdigit() or ch in "+ -()" for ch in address) or sum(ch.isdigit() for ch in address) < 3:
            raise InvalidInput("An outside number has digits, spaces, +, - and brackets only.", field="address")
        return address

    # -- administration ------------------------------------------------------------------

    async def set_credentials(self, actor: "Actor", user_id: int, password: str) -> str:
        """An administrator sets an agent's softphone password (VOX1); returns the SIP user
        name (the agent's login). Kept as the digest HA1 only."""
        if not actor.is_administrator:
            raise PermissionDenied("Only administrators set softphone credentials.")
        if not self.switch.carries_calls:
            raise UnsupportedOperation(self.name, "softphone credentials")
        from channels.voice.sip.credentials import MAX_PASSWORD, MIN_PASSWORD, store_credential
        from core.identity.models import User

        if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InvalidInput(f"A softphone password is {MIN_PASSWORD} to {MAX_PASSWORD} characters.",
                               field="password")
        async with self.services.store.write() as uow:
            user = await uow.session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.", field="userId")
            await store_credential(uow, user.id, user.username, self.switch.options.realm, password,
                                   self.services.clock.now())
        return user.username
