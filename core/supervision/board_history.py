"""A wallboard's recent past (WEB2): how many agents were in each state, and how many requests
waited, at every moment of the last minutes, rebuilt from what the store already keeps: the
presence changes of the event log (core.presence.service) and the offers' events
(OfferWaiting, then OfferRinging, OfferAccepted or OfferClosed: core.interactions.routing).

Whose past it counts is whom the caller watches live (SUP3): the agents of the presence
stream without arguments (core.presence.watch: an administrator everyone, a supervisor the
teams it leads, an agent its own team) and the requests waiting for the pools the caller
watches (core.interactions.queue, as `waitingRequests`). The agents are today's members of
those teams, as the live stream's snapshot counts them, so the history joins the live counts.

The result is a step function: a point when the window opens, one at each moment a count
changed, one now; each count holds until the next point. A chart drawn from it shows every
change, however short, which samples at a fixed step would miss.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable

from sqlalchemy import bindparam, select

from core.errors import InvalidInput
from core.identity.actor import Actor
from core.interactions.models import Offer, OfferState
from core.interactions.queue import pools_watched_by
from core.interactions.work import TOPIC as INTERACTION_TOPIC
from core.interactions.work import subject as interaction_subject
from core.presence.service import TOPIC as PRESENCE_TOPIC
from core.presence.state import PresenceState
from core.presence.watch import resolve_audience, watched_members
from core.store.history import EventRecord

MAX_MINUTES = 24 * 60
# The states a wallboard counts agents in (logged off is everyone else).
COUNTED = (PresenceState.READY, PresenceState.NOT_READY, PresenceState.BUSY, PresenceState.WRAP_UP)
# An offer waits from OfferWaiting until it rings, is taken or is closed.
WAITS, STOPS_WAITING = "OfferWaiting", ("OfferRinging", "OfferAccepted", "OfferClosed")
BEFORE_ALL = datetime.min.replace(tzinfo=timezone.utc)  # when the states the window opens with are set
CHUNK = 500  # ids per IN list: well under SQLite's bound on parameters
BACK_PAGE = 50  # an agent's changes read back at a time: most find their states in the first page

_LOG, _OFFER = EventRecord.__table__, Offer.__table__
# The newest position written before a time: everything after it is the window. The log has no
# index on time; read backwards by position, this stops at the window's start.
_LAST_BEFORE = select(_LOG.c.id).where(_LOG.c.at < bindparam("since")).order_by(_LOG.c.id.desc()).limit(1)
_PRESENCE_AFTER = (select(_LOG.c.id, _LOG.c.at, _LOG.c.payload)
                   .where(_LOG.c.topic == PRESENCE_TOPIC, _LOG.c.id > bindparam("boundary")).order_by(_LOG.c.id))
# One agent's events up to a position, newest first, a page at a time: their last change per
# channel before the window is their state when it opened. By subject only, so that the store
# reads the subject's index (with the topic too, SQLite walks every presence change back); a
# grouped read over every agent's whole past cost half a second on 200 000 events.
_EVENTS_BACK_FROM = (select(_LOG.c.id, _LOG.c.topic, _LOG.c.payload)
                     .where(_LOG.c.subject == bindparam("subject"), _LOG.c.id <= bindparam("before"))
                     .order_by(_LOG.c.id.desc()).limit(BACK_PAGE))
# The requests with an offer event in the window.
_OFFERS_AFTER = select(_LOG.c.payload["offerId"].as_integer().label("offerId")).where(
    _LOG.c.topic == INTERACTION_TOPIC, _LOG.c.id > bindparam("boundary"), _LOG.c.kind.in_((WAITS, *STOPS_WAITING)))
# Every offer event of some interactions (through the subject's index).
_OFFER_EVENTS = (select(_LOG.c.id, _LOG.c.at, _LOG.c.kind, _LOG.c.payload)
                 .where(_LOG.c.topic == INTERACTION_TOPIC, _LOG.c.kind.in_((WAITS, *STOPS_WAITING)),
                        _LOG.c.subject.in_(bindparam("subjects", expanding=True))).order_by(_LOG.c.id))


@dataclass(frozen=True)
class BoardPoint:
    at: datetime
    agents: dict[PresenceState, int]  # agents with a channel (the channel asked for) in each counted state
    waiting: int  # requests waiting for an agent


@dataclass(frozen=True)
class BoardHistory:
    since: datetime
    until: datetime
    channel: str | None
    points: list[BoardPoint]


async def board_history(backline, actor: Actor, minutes: int = 60, channel: str | None = None) -> BoardHistory:
    """The counts over the last `minutes` (1 to a day), on every channel or on `channel`."""
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(f"Ask for 1 to {MAX_MINUTES} minutes of history.", field="minutes")
    if channel is not None:
        backline.channels.get(channel)  # NotFound for a channel that is not enabled
    channels = [channel] if channel is not None else list(backline.channels.names())
    until = backline.clock.now()
    since = until - timedelta(minutes=minutes)
    async with backline.store.read() as session:
        boundary = (await session.execute(_LAST_BEFORE, {"since": since})).scalar_one_or_none() or 0
        audience = await resolve_audience(session, actor)
        agents = [uid for uid, _ in await watched_members(session, audience)]
        presence = await _presence_changes(session, backline.presence, agents, channels, boundary)
        waiting = await _waiting_changes(session, actor, boundary, channel)
    return BoardHistory(since, until, channel, _sweep(since, until, presence, waiting))


# A change: (when, position, what, value): what is ("agent", user, channel) with a state, or
# ("offer", id) with whether it waits from then on.
Change = tuple[datetime, int, tuple, object]


async def _presence_changes(session, presence_service, agents: list[int], channels: list[str],
                            boundary: int) -> list[Change]:
    """Every watched agent's state on each channel when the window opened (at position 0),
    then its changes in the window."""
    watched, wanted = set(agents), set(channels)
    # Not changed in the window: in the state they are in now (every change is recorded). Read
    # before the window's changes: a change committed between the two reads (each may see newer
    # commits) is then among the changes, and its state is not taken for the whole window.
    start: dict[tuple[int, str], PresenceState] = {
        (uid, p.channel): p.state for uid, states in (await presence_service.presence_of(session, agents)).items()
        for p in states if p.channel in wanted}
    changes: list[Change] = []
    changed: set[tuple[int, str]] = set()
    for row in (await session.execute(_PRESENCE_AFTER, {"boundary": boundary})).all():
        p = row.payload
        if p["userId"] in watched and p["channel"] in wanted:
            changes.append((row.at, row.id, ("agent", p["userId"], p["channel"]), PresenceState(p["state"])))
            changed.add((p["userId"], p["channel"]))
    # Changed in the window: as their last change before the window left them, else never logged in.
    for key in changed:
        start[key] = PresenceState.LOGGED_OFF
    if boundary:
        for uid in sorted({uid for uid, _ in changed}):
            start.update(await _states_before(session, uid, {ch for u, ch in changed if u == uid}, boundary))
    opening = [(BEFORE_ALL, 0, ("agent", uid, ch), state) for (uid, ch), state in start.items()]
    return opening + changes


async def _states_before(session, uid: int, channels: set[str], boundary: int) -> dict[tuple[int, str], PresenceState]:
    """An agent's state on each of `channels` after their last change up to `boundary` (none:
    never logged in there)."""
    found: dict[tuple[int, str], PresenceState] = {}
    before = boundary
    while len(found) < len(channels):
        rows = (await session.execute(_EVENTS_BACK_FROM, {"subject": f"agent:{uid}", "before": before})).all()
        for row in rows:
            if row.topic != PRESENCE_TOPIC:
                continue
            key = (uid, row.payload["channel"])
            if row.payload["channel"] in channels and key not in found:
                found[key] = PresenceState(row.payload["state"])
        if len(rows) < BACK_PAGE:
            break
        before = rows[-1].id - 1
    return found


async def _waiting_changes(session, actor: Actor, boundary: int, channel: str | None) -> list[Change]:
    """When each request the caller may watch started and stopped waiting, for the requests that
    may have waited in the window: those with an offer event in it, and those waiting now (the
    offers have no index on time; the log's window and the offers' state are indexed)."""
    in_window = sorted({row.offerId for row in (await session.execute(_OFFERS_AFTER, {"boundary": boundary})).all()
                        if row.offerId is not None})
    base = select(_OFFER.c.id, _OFFER.c.interaction_id)
    pools = pools_watched_by(actor)
    if pools is not None:
        base = base.where(_OFFER.c.target_id.in_(pools))
    if channel is not None:
        base = base.where(_OFFER.c.channel == channel)
    offers = set((await session.execute(base.where(_OFFER.c.state == OfferState.WAITING))).all())
    for part in _chunks(in_window):
        offers |= set((await session.execute(base.where(_OFFER.c.id.in_(part)))).all())
    ids = {offer_id for offer_id, _ in offers}
    changes: list[Change] = []
    for part in _chunks(sorted({interaction_subject(i) for _, i in offers})):
        for row in (await session.execute(_OFFER_EVENTS, {"subjects": part})).all():
            if row.payload.get("offerId") in ids:
                changes.append((row.at, row.id, ("offer", row.payload["offerId"]), row.kind == WAITS))
    return changes


def _sweep(since: datetime, until: datetime, *streams: list[Change]) -> list[BoardPoint]:
    """The counts as a step function: a point at `since` (every change up to then applied),
    then one wherever a count changed, then one at `until`."""
    changes = sorted((c for stream in streams for c in stream), key=lambda c: (c[0], c[1]))
    states: dict[tuple[int, str], PresenceState] = {}
    per_agent: dict[int, Counter] = {}  # user -> how many of their channels are in each state
    agents: Counter = Counter()  # state -> agents with at least one channel in it
    waiting: set[int] = set()

    def apply(what: tuple, value) -> None:
        if what[0] == "offer":
            (waiting.add if value else waiting.discard)(what[1])
            return
        _, uid, _channel = what
        mine = per_agent.setdefault(uid, Counter())
        old = states.get((uid, _channel))
        if old is not None:
            mine[old] -= 1
            if mine[old] == 0:
                agents[old] -= 1
        states[(uid, _channel)] = value
        mine[value] += 1
        if mine[value] == 1:
            agents[value] += 1

    def point(at: datetime) -> BoardPoint:
        return BoardPoint(at, {state: agents[state] for state in COUNTED}, len(waiting))

    i = 0
    while i < len(changes) and changes[i][0] <= since:
        apply(changes[i][2], changes[i][3])
        i += 1
    points = [point(since)]
    while i < len(changes) and changes[i][0] <= until:  # later: committed since `until` was read
        at = changes[i][0]
        while i < len(changes) and changes[i][0] == at:  # one commit's changes are one point
            apply(changes[i][2], changes[i][3])
            i += 1
        now = point(at)
        if (now.agents, now.waiting) != (points[-1].agents, points[-1].waiting):
            points.append(now)
    if points[-1].at < until:
        points.append(point(until))
    return points


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
