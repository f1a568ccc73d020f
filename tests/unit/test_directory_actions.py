"""DIR3 and DIR4 in the pure action rules: actions from the target's kind and presence, the
channels' capabilities and the caller's current interaction; other channels when the wanted
one is unavailable. Channels here are made up, so nothing depends on a channel's name."""

from __future__ import annotations

from datetime import datetime, timezone

from core.channels import Audience, Capabilities, Operation
from core.directory.actions import (
    NO_CURRENT_INTERACTION,
    ActionKind,
    CurrentInteraction,
    actions_for,
)
from core.directory.models import TargetKind
from core.presence.state import Presence, PresenceState

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
ALL_OPS = frozenset(Operation)

CHANNELS = {
    "talk": Capabilities(operations=ALL_OPS, capacity=1),
    "text": Capabilities(operations=frozenset({Operation.CONSULT, Operation.CONFERENCE, Operation.TRANSFER}),
                         capacity=3),
    "mail": Capabilities(operations=frozenset({Operation.TRANSFER}), capacity=5, transfer_inbound_only=True),
    "ping": Capabilities(operations=frozenset({Operation.CONSULT}), capacity=10, audience=Audience.INTERNAL),
}


def presence(**states) -> list[Presence]:
    out = []
    for channel in CHANNELS:
        state, reason = states.get(channel, (PresenceState.LOGGED_OFF, None))
        out.append(Presence(7, channel, state, reason, T0, 0, CHANNELS[channel].capacity))
    return out


READY = (PresenceState.READY, None)
BUSY = (PresenceState.BUSY, None)
PAUSE = (PresenceState.NOT_READY, "Pause")


def person(states, current=None, channels=CHANNELS, is_self=False):
    return actions_for(kind=TargetKind.AGENT, name="Marie Dupont", channels=channels,
                       presence=presence(**states), current=current, is_self=is_self)


def test_dir3_without_an_interaction_call_and_im_follow_presence():
    result = person({"talk": READY, "ping": READY})
    call, im = result.get(ActionKind.CALL), result.get(ActionKind.INSTANT_MESSAGE)
    assert (call.available, call.channels) == (True, ("talk",))
    assert (im.available, im.channels) == (True, ("ping",))
    for kind in (ActionKind.CONSULT, ActionKind.CONFERENCE, ActionKind.TRANSFER, ActionKind.TRANSFER_TO_VOICEMAIL):
        action = result.get(kind)
        assert not action.available and action.reason == NO_CURRENT_INTERACTION


def test_dir3_unavailable_actions_say_why():
    result = person({"talk": PAUSE, "ping": BUSY})
    assert result.get(ActionKind.CALL).reason == "Marie Dupont is not ready on talk (Pause)"
    assert result.get(ActionKind.INSTANT_MESSAGE).reason == "Marie Dupont is busy on ping"
    assert person({}).get(ActionKind.CALL).reason == "Marie Dupont is logged off talk"


def test_dir3_im_needs_an_internal_channel_im4():
    no_im = {k: v for k, v in CHANNELS.items() if k != "ping"}
    action = person({"talk": READY}, channels=no_im).get(ActionKind.INSTANT_MESSAGE)
    assert not action.available and action.reason == "instant messages are not enabled"


def test_dir3_nothing_to_do_with_oneself():
    result = person({"talk": READY, "ping": READY}, is_self=True)
    assert all(not a.available and a.reason == "this is you" for a in result.actions)


def test_dir3_on_a_call_transfer_conference_and_consult_appear_for_a_ready_colleague():
    current = CurrentInteraction(channel="talk", allowed=ALL_OPS)
    result = person({"talk": READY, "ping": READY}, current=current)
    assert result.get(ActionKind.TRANSFER).channels == ("talk",)
    assert result.get(ActionKind.CONFERENCE).channels == ("talk",)
    # A consultation may go over another channel that supports it (CON1).
    assert result.get(ActionKind.CONSULT).channels == ("talk", "ping")
    vm = result.get(ActionKind.TRANSFER_TO_VOICEMAIL)
    assert not vm.available and "can take it" in vm.reason


def test_dir3_transfer_to_voicemail_when_the_colleague_cannot_take_it():
    current = CurrentInteraction(channel="talk", allowed=ALL_OPS)
    result = person({"talk": BUSY, "ping": READY}, current=current)
    assert not result.get(ActionKind.TRANSFER).available
    assert result.get(ActionKind.TRANSFER).reason == "Marie Dupont is busy on talk"
    assert result.get(ActionKind.TRANSFER_TO_VOICEMAIL).channels == ("talk",)


def test_dir3_the_interactions_channel_capabilities_decide_ch4():
    current = CurrentInteraction(channel="mail", allowed=frozenset({Operation.TRANSFER}))
    result = person({"mail": READY}, current=current)
    assert result.get(ActionKind.TRANSFER).available
    conference = result.get(ActionKind.CONFERENCE)
    assert not conference.available and conference.reason == "The mail channel does not support conference."


def test_dir3_the_interactions_state_decides():
    current = CurrentInteraction(channel="talk", allowed=frozenset({Operation.HOLD}))
    action = person({"talk": READY}, current=current).get(ActionKind.TRANSFER)
    assert not action.available and action.reason == "the current interaction does not allow transfer now"


def test_dir3_a_group_takes_requests_even_with_nobody_available_grp4():
    current = CurrentInteraction(channel="talk", allowed=ALL_OPS)
    result = actions_for(kind=TargetKind.AGENT_GROUP, name="Français", channels=CHANNELS,
                         pool_available={"talk": 0}, show_pool_availability=True, current=current)
    assert result.get(ActionKind.TRANSFER).available and result.get(ActionKind.CALL).available
    # An IM request to a group rings one available member or waits, as the engine does (IM1).
    assert result.get(ActionKind.INSTANT_MESSAGE).available
    assert not result.get(ActionKind.TRANSFER_TO_VOICEMAIL).available
    assert result.available_channels == ()


def test_dir4_other_channels_are_listed_when_the_wanted_one_is_unavailable():
    result = person({"talk": BUSY, "text": READY, "ping": READY})
    assert not result.get(ActionKind.CALL).available
    assert result.available_channels == ("text", "ping")


def test_dir4_a_groups_channels_follow_its_available_members_when_shown():
    shown = actions_for(kind=TargetKind.SKILL, name="Billing", channels=CHANNELS,
                        pool_available={"talk": 0, "text": 2, "ping": 1}, show_pool_availability=True)
    assert shown.available_channels == ("text", "ping")
    hidden = actions_for(kind=TargetKind.SKILL, name="Billing", channels=CHANNELS,
                         pool_available={"text": 2}, show_pool_availability=False)
    assert hidden.available_channels is None
