"""Voicemail options from `[contact_centre]` in plugins.toml, with defaults in code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from core.errors import ConfigurationError


@dataclass(frozen=True)
class VoicemailOptions:
    pin_length: int = 4
    # Wrong PINs in a row before the mailbox is locked (VM2's bounded tries).
    pin_tries: int = 3
    lockout_seconds: int = 300
    # The PIN a mailbox gets when it is first used; the demo PIN. Owners change it.
    default_pin: str = "1234"
    # A session still waiting for its PIN after this long is hung up (and its call ends).
    pin_timeout_seconds: int = 60

    @classmethod
    def from_config(cls, contact_centre: Mapping[str, Any]) -> "VoicemailOptions":
        defaults = cls()
        values = {
            "pin_length": contact_centre.get("voicemail_pin_length", defaults.pin_length),
            "pin_tries": contact_centre.get("voicemail_pin_tries", defaults.pin_tries),
            "lockout_seconds": contact_centre.get("voicemail_lockout_seconds", defaults.lockout_seconds),
            "pin_timeout_seconds": contact_centre.get("voicemail_pin_timeout_seconds",
                                                      defaults.pin_timeout_seconds),
        }
        for name, value in values.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigurationError(f"contact_centre.voicemail_{name} must be a whole number ≥ 1")
        if values["pin_length"] > 16:
            raise ConfigurationError("contact_centre.voicemail_pin_length must be at most 16")
        pin = contact_centre.get("voicemail_default_pin", defaults.default_pin)
        if not isinstance(pin, str) or not pin.isdigit() or len(pin) != values["pin_length"]:
            raise ConfigurationError(
                f"contact_centre.voicemail_default_pin must be {values['pin_length']} digits (a string)")
        return cls(default_pin=pin, **values)
