"""Contact-centre options of the interaction engine, from `[contact_centre]` in plugins.toml,
with defaults in code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from core.errors import ConfigurationError


@dataclass(frozen=True)
class InteractionOptions:
    ring_timeout_seconds: float = 20.0  # an agent who does not answer: offered to the next
    transfer_timeout_seconds: float = 30.0  # a transfer not accepted in time fails (TRF3)
    queue_timeout_seconds: float = 300.0  # a request waiting longer times out (GRP4)
    conference_max_parties: int = 6  # CNF8
    # CNF5: end the conference when its owner leaves and only parties outside the company remain.
    end_conference_when_only_external_left: bool = False
    # CNF7: roles or usernames whose account may remove a conference participant.
    remove_participant_allowed: tuple[str, ...] = ("supervisor", "administrator")
    # Roles allowed to create inbound customer contacts through the integration mutation.
    integration_roles: tuple[str, ...] = ("administrator",)
    # SUP1: whether an agent learns that a supervisor silently monitors its interaction.
    tell_agent_when_monitored: bool = False
    # WRP2: what an agent may record at the end of wrap-up, unless a channel lists its own.
    disposition_codes: tuple[str, ...] = ("Resolved", "Callback", "Escalated", "No action")

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> "InteractionOptions":
        values: dict[str, Any] = {}
        for name in ("ring_timeout_seconds", "transfer_timeout_seconds", "queue_timeout_seconds"):
            if name in section:
                value = section[name]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                    raise ConfigurationError(f"contact_centre.{name} must be a positive number of seconds")
                values[name] = float(value)
        if "conference_max_parties" in section:
            value = section["conference_max_parties"]
            if isinstance(value, bool) or not isinstance(value, int) or value < 3:
                raise ConfigurationError("contact_centre.conference_max_parties must be a whole number ≥ 3")
            values["conference_max_parties"] = value
        for name in ("end_conference_when_only_external_left", "tell_agent_when_monitored"):
            if name in section:
                value = section[name]
                if not isinstance(value, bool):
                    raise ConfigurationError(f"contact_centre.{name} must be true or false")
                values[name] = value
        for name in ("remove_participant_allowed", "integration_roles"):
            if name in section:
                value = section[name]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigurationError(f"contact_centre.{name} must be a list of roles or usernames")
                values[name] = tuple(value)
        if "disposition_codes" in section:
            value = section["disposition_codes"]
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ConfigurationError("contact_centre.disposition_codes must be a list of names")
            values["disposition_codes"] = tuple(value)
        return cls(**values)
