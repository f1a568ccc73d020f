"""What the caller can do with a directory result *now* (DIR3), and on which other channels
the target is reachable when the wanted one is not (DIR4). Pure: a function of the target's
kind, its presence (a person) or its members' availability (a pool), the enabled channels'
capabilities, and the caller's current interaction, if any. The front end renders the list
and holds no rule of its own.

Which channel an action uses is read from capabilities, never from a channel's name:
- a *call* goes over a channel whose interactions can be held (a live conversation);
- an *instant message* goes over a channel whose audience is internal (agents only);
- consult / conference / transfer need the current interaction to allow the operation now,
  and a channel that supports it;
- transfer to voicemail needs a current interaction whose channel supports voicemail and a
  person who cannot take it now (TRF5).
A pool (group, skill, routing point, queue) never refuses for lack of an available member:
the request goes to one available member or waits (GRP3, GRP4).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from core.channels import Audience, Capabilities, Operation
from core.directory.models import PERSON_KINDS, TargetKind
from core.presence.state import Presence, PresenceState


class ActionKind(str, enum.Enum):
    CALL = "call"
    INSTANT_MESSAGE = "instant_message"
    CONSULT = "consult"
    CONFERENCE = "conference"
    TRANSFER = "transfer"
    TRANSFER_TO_VOICEMAIL = "transfer_to_voicemail"


# Action -> the channel operation it needs on the current interaction.
INTERACTION_OPERATIONS = {
    ActionKind.CONSULT: Operation.CONSULT,
    ActionKind.CONFERENCE: Operation.CONFERENCE,
    ActionKind.TRANSFER: Operation.TRANSFER,
    ActionKind.TRANSFER_TO_VOICEMAIL: Operation.VOICEMAIL,
}

NO_CURRENT_INTERACTION = "no current interaction"


@dataclass(frozen=True)
class CurrentInteraction:
    """The caller's current interaction, as far as actions care. The interaction engine fills
    it in (see DirectoryService.current_interaction)."""

    channel: str
    # Operations the interaction allows now, in its current state (e.g. no transfer while
    # a transfer is already pending); a subset of its channel's operations.
    allowed: frozenset[Operation]
    interaction_id: int | None = None


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    available: bool
    # The channels the action can use now (a consultation chooses one, CON1).
    channels: tuple[str, ...] = ()
    # Why it is unavailable; None when available.
    reason: str | None = None


@dataclass(frozen=True)
class TargetActions:
    actions: tuple[Action, ...]
    # Channels on which the target can take something now (DIR4); None when not shown
    # (a pool whose availability the administrator does not show, GRP2).
    available_channels: tuple[str, ...] | None = field(default=None)

    def get(self, kind: ActionKind) -> Action:
        return next(a for a in self.actions if a.kind is kind)


def _describe(presence: Presence, name: str) -> str:
    if presence.state is PresenceState.BUSY:
        return f"{name} is busy on {presence.channel}"
    if presence.state is PresenceState.NOT_READY:
        why = f" ({presence.reason})" if presence.reason else ""
        return f"{name} is not ready on {presence.channel}{why}"
    if presence.state is PresenceState.WRAP_UP:
        return f"{name} is in wrap-up on {presence.channel}"
    return f"{name} is logged off {presence.channel}"


def _join(reasons: list[str]) -> str:
    return "; ".join(dict.fromkeys(reasons))


def actions_for(
    *,
    kind: TargetKind,
    name: str,
    channels: Mapping[str, Capabilities],
    presence: Sequence[Presence] = (),
    pool_available: Mapping[str, int] | None = None,
    show_pool_availability: bool = False,
    is_self: bool = False,
    current: CurrentInteraction | None = None,
) -> TargetActions:
    """`presence`: a person's presence per enabled channel. `pool_available`: for a pool,
    how many members are available now per channel."""
    person = kind in PERSON_KINDS
    by_channel = {p.channel: p for p in presence}

    def reachable(channel: str) -> bool:
        if person:
            p = by_channel.get(channel)
            return p is not None and p.state is PresenceState.READY
        return True  # a pool takes it or queues it

    def unreachable_reason(candidates: list[str]) -> str:
        if person:
            return _join([_describe(by_channel[c], name) for c in candidates if c in by_channel])
        return f"{name} cannot be reached on {', '.join(candidates)}"

    def direct(action: ActionKind, fits, none_enabled: str) -> Action:
        if is_self:
            return Action(action, False, reason="this is you")
        candidates = [c for c, caps in channels.items() if fits(caps)]
        if not candidates:
            return Action(action, False, reason=none_enabled)
        if action is ActionKind.INSTANT_MESSAGE and not person:
            return Action(action, False, reason="instant messages go to a person")
        ok = tuple(c for c in candidates if reachable(c))
        if ok:
            return Action(action, True, channels=ok)
        return Action(action, False, reason=unreachable_reason(candidates))

    def with_interaction(action: ActionKind) -> Action:
        if is_self:
            return Action(action, False, reason="this is you")
        if current is None:
            return Action(action, False, reason=NO_CURRENT_INTERACTION)
        operation = INTERACTION_OPERATIONS[action]
        caps = channels.get(current.channel)
        # A consultation may use another channel than the interaction's (CON1): whether the
        # interaction's own channel consults says nothing; the target's channels decide.
        if action is not ActionKind.CONSULT and (caps is None or not caps.supports(operation)):
            return Action(action, False, reason=f"The {current.channel} channel does not support {operation.value}.")
        if operation not in current.allowed:
            return Action(action, False, reason=f"the current interaction does not allow {operation.value} now")
        if action is ActionKind.TRANSFER_TO_VOICEMAIL:
            if not person:
                return Action(action, False, reason="voicemail is for a person")
            if reachable(current.channel):
                return Action(action, False, reason=f"{name} can take it on {current.channel}")
            return Action(action, True, channels=(current.channel,))
        if action is ActionKind.CONSULT:
            # A consultation may use another channel than the interaction's (CON1).
            candidates = [c for c, caps in channels.items() if caps.supports(Operation.CONSULT)]
        else:
            candidates = [current.channel]
        ok = tuple(c for c in candidates if reachable(c))
        if ok:
            return Action(action, True, channels=ok)
        return Action(action, False, reason=unreachable_reason(candidates))

    actions = (
        direct(ActionKind.CALL, lambda caps: caps.supports(Operation.HOLD), "no enabled channel offers calls"),
        direct(ActionKind.INSTANT_MESSAGE, lambda caps: caps.audience is Audience.INTERNAL,
               "instant messages are not enabled"),
        with_interaction(ActionKind.CONSULT),
        with_interaction(ActionKind.CONFERENCE),
        with_interaction(ActionKind.TRANSFER),
        with_interaction(ActionKind.TRANSFER_TO_VOICEMAIL),
    )
    return TargetActions(actions=actions, available_channels=available_channels(
        kind=kind, channels=channels, presence=presence, pool_available=pool_available,
        show_pool_availability=show_pool_availability))


def available_channels(
    *,
    kind: TargetKind,
    channels: Iterable[str],
    presence: Sequence[Presence] = (),
    pool_available: Mapping[str, int] | None = None,
    show_pool_availability: bool = False,
) -> tuple[str, ...] | None:
    """Channels on which the target can take something now (DIR4): a person's ready
    channels; a pool's channels with an available member, where its availability is shown;
    else None. On its own because a result list shows it without the actions."""
    if kind in PERSON_KINDS:
        ready = {p.channel for p in presence if p.state is PresenceState.READY}
        return tuple(c for c in channels if c in ready)
    if show_pool_availability and pool_available is not None:
        return tuple(c for c in channels if pool_available.get(c, 0) > 0)
    return None
