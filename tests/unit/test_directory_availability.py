"""GRP2 in the live counter: figures follow presence changes; a repeated change moves
nothing; non-members and other channels are ignored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from core.directory.availability import AvailabilityCounter

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
STATES = ["logged_off", "ready", "not_ready", "busy"]


def test_grp2_counter_follows_changes_and_ignores_repeats_and_strangers():
    counter = AvailabilityCounter({1, 2, 3}, ["voice", "im"], {(1, "voice"): "ready", (9, "voice"): "ready"}, T0)
    assert [(a.channel, a.available, a.logged_in, a.members) for a in counter.snapshot()] == [
        ("voice", 1, 1, 3), ("im", 0, 0, 3)]
    later = T0 + timedelta(seconds=5)
    changed = counter.apply(2, "voice", "not_ready", later)
    assert (changed.available, changed.logged_in, changed.as_of) == (1, 2, later)
    assert counter.apply(2, "voice", "not_ready", later) is None  # the same state again
    assert counter.apply(9, "voice", "logged_off", later) is None  # not a member
    assert counter.apply(1, "fax", "ready", later) is None  # not a channel shown
    assert counter.apply(1, "voice", "busy", later).available == 0


@given(st.lists(st.tuples(st.integers(1, 4), st.sampled_from(["voice", "chat"]), st.sampled_from(STATES)),
                max_size=40))
def test_grp2_counter_always_equals_a_recount(changes):
    counter = AvailabilityCounter({1, 2, 3}, ["voice", "chat"], {}, T0)
    latest: dict[tuple[int, str], str] = {}
    for user, channel, state in changes:
        counter.apply(user, channel, state, T0)
        if user in {1, 2, 3}:
            latest[(user, channel)] = state
    for channel in ("voice", "chat"):
        figures = counter.current(channel)
        states = [s for (u, c), s in latest.items() if c == channel]
        assert figures.available == states.count("ready")
        assert figures.logged_in == sum(1 for s in states if s != "logged_off")
