"""SUP3 as pure rules: which teams a supervisor's or administrator's team view covers, which
events concern it; and the SUP1 option that says whether an agent is told of a monitor."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.errors import ConfigurationError, PermissionDenied
from core.events import Event
from core.identity.actor import Actor
from core.identity.models import Role
from core.interactions.options import InteractionOptions
from core.supervision.teams import concerns, watched_teams


def actor(role: Role, teams=()) -> Actor:
    return Actor(user_id=1, username="x", display_name="x", role=role, team_id=1,
                 supervised_team_ids=frozenset(teams))


def event(*teams: int) -> Event:
    return Event(topic="interaction", kind="X", at=datetime(2026, 1, 5, tzinfo=timezone.utc),
                 payload={"interactionId": 1, "teamIds": list(teams)})


def test_sup3_a_supervisor_watches_the_teams_it_leads_and_no_others():
    lead = actor(Role.SUPERVISOR, teams=(1, 3))
    assert watched_teams(lead, None) == {1, 3}
    assert watched_teams(lead, 3) == {3}
    with pytest.raises(PermissionDenied):
        watched_teams(lead, 2)
    assert concerns(event(1), watched_teams(lead, None)) and not concerns(event(2), watched_teams(lead, None))


def test_sup3_an_administrator_watches_every_team_and_an_agent_none():
    admin = actor(Role.ADMINISTRATOR)
    assert watched_teams(admin, None) is None and concerns(event(7), None)
    assert watched_teams(admin, 2) == {2}
    with pytest.raises(PermissionDenied):
        watched_teams(actor(Role.AGENT), None)
    with pytest.raises(PermissionDenied):
        watched_teams(actor(Role.AGENT), 1)  # not even its own team


def test_sup1_whether_the_agent_is_told_of_a_monitor_is_an_option_off_by_default():
    assert InteractionOptions().tell_agent_when_monitored is False
    assert InteractionOptions.from_config({"tell_agent_when_monitored": True}).tell_agent_when_monitored is True
    with pytest.raises(ConfigurationError, match="tell_agent_when_monitored"):
        InteractionOptions.from_config({"tell_agent_when_monitored": "yes"})
