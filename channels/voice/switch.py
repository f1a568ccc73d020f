"""What the voice channel asks of a switch, and the simulated one.

The interaction engine decides (who talks with whom, who is held); a switch carries it out on
call legs: ring an agent's phone, answer the customer, hold and retrieve a leg, bridge two
legs, release a leg, send DTMF, tell a leg's state. A switch declares the operations it can
carry (VOX3): the voice channel's capabilities are the switch's, so the engine refuses the
rest naming channel and operation (CH4).

`plugins.toml` `[plugins.voice] switch = "simulated"` (the default) or `"sip"`."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from core.channels import Operation

if TYPE_CHECKING:
    from core.channel_services import ChannelServices


class LegState(str, enum.Enum):
    RINGING = "ringing"  # offered, not answered
    UP = "up"  # talking (bridged or waiting for a peer)
    HELD = "held"  # sendonly / inactive
    GONE = "gone"


@dataclass(frozen=True)
class LegKey:
    """A call leg: the customer's leg of an interaction, or an agent's phone."""

    kind: str  # "customer" | "agent"
    id: int  # the interaction's id, or the agent's user id

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


class Switch:
    name = ""
    operations: frozenset[Operation] = frozenset()
    # True: the switch has real legs, driven after each committed change (channels.voice.legs);
    # False: the engine's state is the whole call (simulated).
    carries_calls = False
    option_names: frozenset[str] = frozenset()
    mixes = False  # True: conferences are mixed (join); False: the switch does not declare them

    def configure(self, options: Mapping[str, Any]) -> None:
        """Takes the switch's own options from the voice plugin's table."""

    async def start(self, services: "ChannelServices") -> None: ...

    async def stop(self) -> None: ...

    async def why_not_ready(self, user_id: int) -> str | None:
        return None

    # -- legs ------------------------------------------------------------------------------

    async def ring(self, leg: LegKey, media_from: LegKey | None, auto_answer: bool = False) -> None:
        raise NotImplementedError

    async def answer(self, leg: LegKey, media_from: LegKey) -> None:
        raise NotImplementedError

    async def hold(self, leg: LegKey, direction: str) -> None:
        raise NotImplementedError

    async def connect(self, leg: LegKey, media_from: LegKey) -> None:
        """`leg` gets the media of `media_from` (one direction of a bridge)."""
        raise NotImplementedError

    async def bridge(self, a: LegKey, b: LegKey) -> None:
        """Each leg's media goes to the other's (retrieve is a bridge again)."""
        await self.connect(a, b)
        await self.connect(b, a)

    async def join(self, leg: LegKey, room: object) -> None:
        """`leg` hears, and is heard by, every other leg joined to `room` (a conference)."""
        raise NotImplementedError

    async def release(self, leg: LegKey) -> None:
        raise NotImplementedError

    async def send_dtmf(self, leg: LegKey, digits: str) -> None:
        raise NotImplementedError

    def leg_state(self, leg: LegKey) -> LegState:
        return LegState.GONE

    def digits_to_send(self, party_id: int, digits: str) -> None:
        """Called inside the engine's transaction: the digits go out once it has committed."""


ALL_OPERATIONS = frozenset({Operation.CONSULT, Operation.CONFERENCE, Operation.TRANSFER, Operation.HOLD,
                            Operation.VOICEMAIL, Operation.DTMF})


class SimulatedSwitch(Switch):
    """Today's behaviour, for front-end teams without a switch: every operation is declared
    and the engine's state is the call. Leg methods only keep the state they would set, for
    whoever drives this switch directly."""

    name = "simulated"
    operations = ALL_OPERATIONS

    def __init__(self) -> None:
        self._legs: dict[LegKey, LegState] = {}

    async def ring(self, leg, media_from, auto_answer=False):
        self._legs[leg] = LegState.RINGING

    async def answer(self, leg, media_from):
        self._legs[leg] = LegState.UP

    async def hold(self, leg, direction):
        self._legs[leg] = LegState.HELD

    async def connect(self, leg, media_from):
        self._legs[leg] = LegState.UP

    async def join(self, leg, room):
        self._legs[leg] = LegState.UP

    async def release(self, leg):
        self._legs.pop(leg, None)

    async def send_dtmf(self, leg, digits):
        pass

    def leg_state(self, leg):
        return self._legs.get(leg, LegState.GONE)
