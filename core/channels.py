"""The channel contract. A channel is an object a plugin registers: a name, declared
capabilities, and async behaviour. The core consults capabilities and never branches on a
channel's name (CH1); an operation a channel lacks is refused naming both (CH4)."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable, Iterable, Mapping

from core.errors import ConfigurationError, NotFound, UnsupportedOperation

_log = logging.getLogger("backline.channels")

# Called with (channel, in_service, detail) when a channel reports its backend down or back.
StatusReporter = Callable[["Channel", bool, str], Awaitable[None]]


class Operation(str, enum.Enum):
    CONSULT = "consult"
    CONFERENCE = "conference"
    TRANSFER = "transfer"
    HOLD = "hold"
    VOICEMAIL = "voicemail"
    DTMF = "dtmf"


class ClosePolicy(str, enum.Enum):
    # The interaction ends when its parties release it (a call hangs up).
    ON_RELEASE = "on_release"
    # It closes only once every agent party has marked it done (CH2: chat).
    WHEN_ALL_AGENTS_DONE = "when_all_agents_done"


class Audience(str, enum.Enum):
    CUSTOMER = "customer"  # customers and agents (voice, chat, email)
    INTERNAL = "internal"  # agents only (IM)


@dataclass(frozen=True)
class Capabilities:
    operations: frozenset[Operation]
    capacity: int  # interactions an agent can hold at once before the channel is busy
    close_policy: ClosePolicy = ClosePolicy.ON_RELEASE
    audience: Audience = Audience.CUSTOMER
    # Only inbound interactions can be transferred (email: TRF6).
    transfer_inbound_only: bool = False

    def supports(self, operation: Operation) -> bool:
        return operation in self.operations


@dataclass(frozen=True)
class WrapUpPolicy:
    """After-call work on a channel (WRP1): whether an agent who leaves a customer
    interaction is in wrap-up, for how long at most (0: until they complete it), and the
    disposition codes they choose from (None: the contact centre's list)."""

    enabled: bool = False
    seconds: int = 0
    codes: tuple[str, ...] | None = None

    @classmethod
    def from_options(cls, channel: str, options: Mapping[str, Any]) -> "WrapUpPolicy":
        enabled = options.get("wrap_up", False)
        seconds = options.get("wrap_up_seconds", 0)
        codes = options.get("disposition_codes")
        if not isinstance(enabled, bool):
            raise ConfigurationError(f"Channel '{channel}': wrap_up must be true or false")
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
            raise ConfigurationError(f"Channel '{channel}': wrap_up_seconds must be a whole number ≥ 0")
        if codes is not None and (not isinstance(codes, list) or not all(isinstance(c, str) and c for c in codes)):
            raise ConfigurationError(f"Channel '{channel}': disposition_codes must be a list of names")
        return cls(enabled, seconds, tuple(codes) if codes is not None else None)


class Channel:
    """Base class for channels. Subclasses set `name`, `display_name` and `capabilities`,
    and may override `configure`, `start` and `stop`."""

    name: str = ""
    display_name: str = ""
    capabilities: Capabilities

    # Options every channel accepts in plugins.toml; subclasses extend `option_names`.
    option_names: frozenset[str] = frozenset({"capacity", "wrap_up", "wrap_up_seconds", "disposition_codes"})

    def __init__(self) -> None:
        self.options: dict[str, Any] = {}
        self.wrap_up = WrapUpPolicy()

    def configure(self, options: Mapping[str, Any]) -> None:
        unknown = set(options) - self.option_names
        if unknown:
            raise ConfigurationError(
                f"Channel '{self.name}': unknown option(s) {sorted(unknown)}; "
                f"known: {sorted(self.option_names)}"
            )
        if "capacity" in options:
            capacity = options["capacity"]
            if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
                raise ConfigurationError(f"Channel '{self.name}': capacity must be a whole number ≥ 1")
            self.capabilities = replace(self.capabilities, capacity=capacity)
        self.wrap_up = WrapUpPolicy.from_options(self.name, options)
        self.options = dict(options)

    def require(self, operation: Operation) -> None:
        if not self.capabilities.supports(operation):
            raise UnsupportedOperation(self.name, operation.value)

    async def start(self, services) -> None:
        """Open what the channel needs (a listener, a backend connection). `services` is a
        core.channel_services.ChannelServices, what a channel may use of the core. Not
        annotated here: the services it names read this contract, and naming them would tie
        it to every one of them."""

    async def stop(self) -> None:
        """Close what `start` opened."""

    async def why_not_ready(self, user_id: int) -> str | None:
        """Why this agent cannot be ready on the channel now (e.g. no device of theirs is
        reachable), or None. Asked when the agent goes ready; a channel whose reach changes
        later sets the agent not ready itself."""
        return None

    # -- backend status (MSG1) -------------------------------------------------------------
    # The core sets `status_reporter` when it loads the channel; an adapter only calls the two
    # methods below, from any task, and they never raise: losing a backend must crash nothing.

    status_reporter: "StatusReporter | None" = None
    in_service: bool = True

    async def report_outage(self, detail: str) -> None:
        """The channel's backend is unreachable (e.g. the SMTP relay): agents logged in to
        this channel and administrators get an "out of service" message at once. Repeated
        reports while out of service are ignored."""
        if self.in_service:
            self.in_service = False
            await self._report(False, detail)

    async def report_recovery(self, detail: str = "") -> None:
        """The backend is back: the same people get a "back in service" message, and the
        outage message is marked resolved."""
        if not self.in_service:
            self.in_service = True
            await self._report(True, detail)

    async def _report(self, in_service: bool, detail: str) -> None:
        if self.status_reporter is None:
            _log.warning("Channel %s is %s (%s); no reporter is wired", self.name,
                         "back in service" if in_service else "out of service", detail)
            return
        try:
            await self.status_reporter(self, in_service, detail)
        except Exception:  # the report failed (e.g. the store is down): log, never crash the adapter
            _log.exception("Channel %s: reporting its backend status failed", self.name)


@dataclass
class ChannelRegistry:
    """The channels that run, by name, in the order plugins.toml lists them."""

    channels: dict[str, Channel] = field(default_factory=dict)

    def add(self, channel: Channel, plugin: str) -> None:
        if not channel.name:
            raise ConfigurationError(f"Plugin '{plugin}' registered a channel without a name")
        if channel.name in self.channels:
            raise ConfigurationError(f"Plugin '{plugin}' registered channel '{channel.name}' twice")
        self.channels[channel.name] = channel

    def get(self, name: str) -> Channel:
        try:
            return self.channels[name]
        except KeyError:
            raise NotFound(f"No channel named '{name}' is enabled.", channel=name) from None

    def __iter__(self) -> Iterable[Channel]:
        return iter(self.channels.values())

    def __contains__(self, name: str) -> bool:
        return name in self.channels

    def names(self) -> list[str]:
        return list(self.channels)
