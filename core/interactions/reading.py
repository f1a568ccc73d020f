"""Reading interactions: only their parties, supervisors of their agents' teams and
administrators (SEC1); a consulted member also reads the context and contact of the
interaction it is consulted about (CON3); the history is the stored events (REL3)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from core.events import Event
from core.identity.actor import Actor
from core.interactions import rules
from core.interactions.hearing import Audience, sees, viewer_audience, visible_parties
from core.interactions.models import Interaction, InteractionState, Offer, Party, PartyState
from core.interactions.queue import positions
from core.interactions.view import InteractionView
from core.interactions.work import subject
from core.store.history import EventRecord

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine


@dataclass(frozen=True)
class ParentContext:
    interaction_id: int
    channel: str
    context: dict[str, Any]
    contact: dict[str, Any]


async def load_parties(session, interaction_id: int) -> list[Party]:
    return list((await session.exec(
        select(Party).where(Party.interaction_id == interaction_id).order_by(col(Party.id)))).all())


async def load_view(session, interaction: Interaction) -> InteractionView:
    parties = await load_parties(session, interaction.id)
    offers = list((await session.exec(
        select(Offer).where(Offer.interaction_id == interaction.id).order_by(col(Offer.id)))).all())
    return InteractionView(interaction, parties, offers, await positions(session, offers))


class Reading:
    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine

    async def _readable(self, session, actor: Actor, interaction_id: int) -> tuple[Interaction, list[Party]]:
        interaction = await session.get(Interaction, interaction_id)
        if interaction is None:
            raise rules.unknown_interaction(interaction_id)
        parties = await load_parties(session, interaction_id)
        rules.require_read(actor, parties, interaction_id)
        return interaction, parties

    def viewer(self, actor: Actor, parties: list[Party]) -> Audience:
        """SUP1: supervisors of the team and administrators see every party; an agent on the
        interaction does not see a silent monitor unless configured."""
        everything = actor.is_administrator or any(actor.may_supervise_team(t) for t in rules.team_ids(parties))
        return viewer_audience(actor.user_id, parties, everything)

    def seen_by(self, actor: Actor, view: InteractionView) -> InteractionView:
        parties = visible_parties(view.parties, self.viewer(actor, view.parties),
                                  self.engine.options.tell_agent_when_monitored)
        return replace(view, parties=parties)

    async def get(self, actor: Actor, interaction_id: int) -> InteractionView:
        async with self.engine.store.read() as session:
            interaction, _ = await self._readable(session, actor, interaction_id)
            return self.seen_by(actor, await load_view(session, interaction))

    async def consultations(self, actor: Actor, interaction_id: int) -> list[InteractionView]:
        """The consultations about an interaction, oldest first, that the caller may read
        (CON2: a colleague on the call who is not on a consultation does not see it)."""
        async with self.engine.store.read() as session:
            rows = (await session.exec(select(Interaction).where(Interaction.parent_id == interaction_id)
                                       .order_by(col(Interaction.id)))).all()
            views = []
            for consultation in rows:
                parties = await load_parties(session, consultation.id)
                if rules.may_read(actor, parties):
                    views.append(self.seen_by(actor, await load_view(session, consultation)))
            return views

    async def parent_context(self, actor: Actor, consultation_id: int) -> ParentContext | None:
        """CON3: the parties of a consultation read its parent's context and contact."""
        async with self.engine.store.read() as session:
            consultation, _ = await self._readable(session, actor, consultation_id)
            if consultation.parent_id is None:
                return None
            parent = await session.get(Interaction, consultation.parent_id)
            return ParentContext(parent.id, parent.channel, dict(parent.context), dict(parent.contact))

    async def mine(self, actor: Actor, include_ended: bool, first: int,
                   after: int | None = None) -> tuple[list[InteractionView], bool]:
        """The caller's interactions, newest first; `after` is the last id of the previous page."""
        async with self.engine.store.read() as session:
            # Interactions with one of my parties: a subquery, not a join with DISTINCT
            # (PostgreSQL cannot compare the json columns that DISTINCT would compare).
            mine = select(Party.interaction_id).where(Party.user_id == actor.user_id)
            query = select(Interaction)
            if not include_ended:
                mine = mine.where(Party.state != PartyState.LEFT)
                query = query.where(Interaction.state != InteractionState.ENDED)
            query = query.where(col(Interaction.id).in_(mine))
            if after is not None:
                query = query.where(col(Interaction.id) < after)
            rows = list((await session.exec(
                query.order_by(col(Interaction.id).desc()).limit(first + 1))).all())
            views = [self.seen_by(actor, await load_view(session, row)) for row in rows[:first]]
            return views, len(rows) > first

    async def history(self, actor: Actor, interaction_id: int, first: int,
                      after: int | None = None) -> tuple[list[Event], bool]:
        async with self.engine.store.read() as session:
            _, parties = await self._readable(session, actor, interaction_id)
            viewer = self.viewer(actor, parties)
            everything = select(EventRecord).where(EventRecord.subject == subject(interaction_id))
            # Some events are hidden from this viewer (a silent monitor's): read on until the
            # page is full, so that a page is never short while more is left to see.
            visible: list[Event] = []
            last = after
            while len(visible) <= first:
                query = everything if last is None else everything.where(col(EventRecord.id) > last)
                rows = (await session.exec(query.order_by(col(EventRecord.id)).limit(first + 1))).all()
                if not rows:
                    break
                visible += [event for event in (row.to_event() for row in rows)
                            if sees(viewer, Audience.parse(event.payload.get("knownTo")))]
                last = rows[-1].id
            return visible[:first], len(visible) > first

    async def current(self, actor: Actor) -> InteractionView | None:
        """The caller's current interaction: the one it talks on, else the latest it holds."""
        async with self.engine.store.read() as session:
            rows = (await session.exec(
                select(Party, Interaction).join(Interaction, col(Interaction.id) == col(Party.interaction_id))
                .where(Party.user_id == actor.user_id, col(Party.state).in_([PartyState.CONNECTED, PartyState.HELD]))
                .order_by(col(Party.id).desc())
            )).all()
            if not rows:
                return None
            party, interaction = next(((p, i) for p, i in rows if p.state is PartyState.CONNECTED), rows[0])
            return self.seen_by(actor, await load_view(session, interaction))


def may_see_event(actor: Actor, event: Event) -> bool:
    """The same rule as reading, applied to an event's own visibility list: a consultation's
    events list only the consultation's parties (CON2)."""
    if actor.is_administrator or actor.user_id in event.payload.get("visibleTo", ()):
        return True
    return any(actor.may_supervise_team(team) for team in event.payload.get("teamIds", ()))
