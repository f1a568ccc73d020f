from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from core.channels import Capabilities, Channel, ClosePolicy, Operation
from core.errors import ConfigurationError, InvalidInput

# Keypad digits a call can send (RFC 4733 events 0-15).
DTMF_DIGITS = frozenset("0123456789*#ABCD")
MAX_DTMF = 32


class VoiceChannel(Channel):
    """Calls. The behaviour the interaction engine asks of a channel (see
    core.interactions.behaviour): an agent talks on one call at a time, so connecting
    another holds the rest; DTMF digits are validated here. A switch connector would
    drive its calls from these methods; the simulated switch only validates."""

    name = "voice"
    display_name = "Voice"
    capabilities = Capabilities(
        operations=frozenset(
            {
                Operation.CONSULT,
                Operation.CONFERENCE,
                Operation.TRANSFER,
                Operation.HOLD,
                Operation.VOICEMAIL,
                Operation.DTMF,
            }
        ),
        capacity=1,
        close_policy=ClosePolicy.ON_RELEASE,
    )
    option_names = Channel.option_names | {"voicemail"}

    def configure(self, options: Mapping[str, Any]) -> None:
        super().configure(options)
        voicemail = options.get("voicemail", True)
        if not isinstance(voicemail, bool):
            raise ConfigurationError("Channel 'voice': voicemail must be true or false")
        if not voicemail:
            self.capabilities = replace(
                self.capabilities, operations=self.capabilities.operations - {Operation.VOICEMAIL}
            )

    one_active_per_agent = True

    async def hold(self, interaction, party) -> None:
        """The switch plays music to the other side; nothing to do when simulated."""

    async def retrieve(self, interaction, party) -> None:
        """The switch reconnects the leg."""

    async def release(self, interaction, party) -> None:
        """The switch hangs the leg up."""

    async def send_dtmf(self, interaction, party, digits: str) -> str:
        digits = (digits or "").upper()
        if not digits or len(digits) > MAX_DTMF or not set(digits) <= DTMF_DIGITS:
            raise InvalidInput(f"DTMF digits are 1 to {MAX_DTMF} of 0-9, *, #, A-D.", field="digits")
        return digits

    async def dial_external(self, interaction, address: str) -> str:
        if not all(ch.isdigit() or ch in "+ -()" for ch in address) or sum(ch.isdigit() for ch in address) < 3:
            raise InvalidInput("An outside number has digits, spaces, +, - and brackets only.", field="address")
        return address
