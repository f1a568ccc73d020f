"""The SIP switch's options, from `[plugins.voice]` in plugins.toml (docs/voice-sip.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from core.errors import ConfigurationError

DEFAULTS: dict[str, Any] = {
    "sip_host": "127.0.0.1",
    "sip_port": 5060,  # UDP and TCP
    "sip_tcp": True,
    "sip_realm": "backline",
    "registration_max_seconds": 3600,  # the longest registration granted
    "trunk_sources": [],  # addresses whose INVITEs are customer calls; others get 403
    "trunk_address": "",  # "host:port" pinged with OPTIONS; "" = not watched
    "trunk_ping_seconds": 30,
    "trunk_timeout_seconds": 2.0,
    "trunk_account": "admin",  # the account customer calls are created and hung up as
    "numbers": {},  # dialled number → destination: {"5100" = "routing:5100"}
    "phone_timeout_seconds": 8,  # a phone that gives no answer at all (not even ringing)
    "media": "direct",  # "direct": phone to phone; "relay": RTP through the server (channels.voice.sip.relay)
    "media_host": "",  # the relay's address in the SDP and to bind; "": sip_host
    "media_ports": [20000, 29999],  # the relay's port range (a pair per leg)
}
MEDIA = ("direct", "relay")


@dataclass(frozen=True)
class SipOptions:
    host: str = "127.0.0.1"
    port: int = 5060
    tcp: bool = True
    realm: str = "backline"
    registration_max_seconds: int = 3600
    trunk_sources: frozenset[str] = frozenset()
    trunk_address: tuple[str, int] | None = None
    trunk_ping_seconds: float = 30
    trunk_timeout_seconds: float = 2.0
    trunk_account: str = "admin"
    numbers: dict[str, str] = field(default_factory=dict)
    phone_timeout_seconds: float = 8
    media: str = "direct"
    media_host: str = "127.0.0.1"
    media_ports: tuple[int, int] = (20000, 29999)

    @property
    def relay(self) -> bool:
        return self.media == "relay"

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> "SipOptions":
        o = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS}}

        def fail(key: str, what: str):
            raise ConfigurationError(f"Channel 'voice': {key} must be {what}")

        for key in ("sip_port", "registration_max_seconds", "trunk_ping_seconds", "phone_timeout_seconds"):
            if isinstance(o[key], bool) or not isinstance(o[key], int) or not (0 if key == "sip_port" else 1) <= o[key] <= 65535 * 100:
                fail(key, "a whole number")
        if o["sip_port"] > 65535:
            fail("sip_port", "a port (0-65535)")
        if isinstance(o["trunk_timeout_seconds"], bool) or not isinstance(o["trunk_timeout_seconds"], (int, float)) \
                or not 0 < o["trunk_timeout_seconds"] <= 60:
            fail("trunk_timeout_seconds", "a number of seconds (0-60)")
        for key in ("sip_host", "sip_realm", "trunk_account", "trunk_address"):
            if not isinstance(o[key], str):
                fail(key, "a string")
        if not isinstance(o["sip_tcp"], bool):
            fail("sip_tcp", "true or false")
        if not isinstance(o["trunk_sources"], list) or not all(isinstance(s, str) for s in o["trunk_sources"]):
            fail("trunk_sources", "a list of addresses")
        numbers = o["numbers"]
        if not isinstance(numbers, Mapping) or not all(isinstance(k, str) and isinstance(v, str) and k and v
                                                       for k, v in numbers.items()):
            fail("numbers", 'a table of number = "destination"')
        if o["media"] not in MEDIA:
            fail("media", '"direct" or "relay"')
        if not isinstance(o["media_host"], str):
            fail("media_host", "a string")
        ports = o["media_ports"]
        if not (isinstance(ports, list) and len(ports) == 2 and all(
                isinstance(p, int) and not isinstance(p, bool) and 1024 <= p <= 65535 for p in ports)
                and ports[1] - ports[0] >= 3):
            fail("media_ports", "[first, last], ports 1024-65535, at least two pairs")
        trunk = None
        if o["trunk_address"]:
            host, _, port = o["trunk_address"].rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                fail("trunk_address", '"host:port"')
            trunk = (host, int(port))
        return cls(host=o["sip_host"], port=o["sip_port"], tcp=o["sip_tcp"], realm=o["sip_realm"],
                   registration_max_seconds=o["registration_max_seconds"],
                   trunk_sources=frozenset(o["trunk_sources"]), trunk_address=trunk,
                   trunk_ping_seconds=o["trunk_ping_seconds"], trunk_timeout_seconds=float(o["trunk_timeout_seconds"]),
                   trunk_account=o["trunk_account"], numbers=dict(numbers),
                   phone_timeout_seconds=o["phone_timeout_seconds"], media=o["media"],
                   media_host=o["media_host"] or o["sip_host"], media_ports=(ports[0], ports[1]))
