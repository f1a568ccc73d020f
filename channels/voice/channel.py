from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from core.channels import Capabilities, Channel, ClosePolicy, Operation
from core.errors import ConfigurationError


class VoiceChannel(Channel):
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
