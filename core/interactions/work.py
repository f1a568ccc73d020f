"""One unit of work on interactions: loads an interaction with its parties and offers, and
changes them through a few primitives that keep presence load, the voice channel's
one-active-call rule, the customer's hold state and the history (REL3) in step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from core.errors import NotFound
from core.events import Event
from core.identity.models import User
from core.interactions import rules
from core.interactions.hearing import Audience, event_audience, is_supervisor
from core.interactions.models import (
    Interaction, InteractionKind, InteractionState, Offer, OfferState, Party, PartyRole, PartyState,
)
from core.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine

TOPIC = "interaction"

# The statements of every command, built once: SQLAlchemy keeps each one's SQL in its
# compiled cache, and building a statement and its cache key costs more than SQLite takes
# to run it.
INTERACTION, PARTY, OFFER = Interaction.__table__, Party.__table__, Offer.__table__
# INS4: every change to an interaction, its parties or its offers is made holding the
# interaction's row lock, taken when the interaction is first read (PostgreSQL; SQLite's one
# writer holds the database). Concurrent commands on one call run one after the other.
def _locked_with_parties(which):
    return (select(Interaction, Party).outerjoin(Party, PARTY.c.interaction_id == INTERACTION.c.id)
            .where(INTERACTION.c.id == which).order_by(PARTY.c.id)
            .with_for_update(of=INTERACTION).execution_options(populate_existing=True))


_INTERACTION_WITH_PARTIES = _locked_with_parties(bindparam("interaction_id"))
_INTERACTION_OF_OFFER_WITH_PARTIES = _locked_with_parties(
    select(OFFER.c.interaction_id).where(OFFER.c.id == bindparam("offer_id")).scalar_subquery())
_PARTIES = select(Party).where(PARTY.c.interaction_id == bindparam("interaction_id")).order_by(PARTY.c.id)
# Read once per unit of work, under the interaction's lock: what an earlier, unlocked read
# (the waiting queue) said of them is replaced by what holds now.
_OFFERS = (select(Offer).where(OFFER.c.interaction_id == bindparam("interaction_id")).order_by(OFFER.c.id)
           .execution_options(populate_existing=True))
# Live is every state but LEFT (rules.LIVE): a plain comparison keeps the SQL fixed (an IN
# list would be expanded for each run).
assert set(rules.LIVE) == set(PartyState) - {PartyState.LEFT}
_OTHER_LIVE_LEGS = (  # an agent's live legs on a channel, but on one interaction
    select(Party, Interaction).join(Interaction, INTERACTION.c.id == PARTY.c.interaction_id).where(
        PARTY.c.user_id == bindparam("user_id"),
        PARTY.c.state != PartyState.LEFT,
        PARTY.c.interaction_id != bindparam("interaction_id"),
        INTERACTION.c.channel == bindparam("channel"),
    ).order_by(PARTY.c.id))


def subject(interaction_id: int) -> str:
    return f"interaction:{interaction_id}"


class Work:
    def __init__(self, engine: "InteractionEngine", uow: UnitOfWork, actor_id: int | None) -> None:
        self.engine = engine
        self.uow = uow
        self.session = uow.session
        self.rows = uow.rows
        self.actor_id = actor_id
        self.now = engine.clock.now()
        self._parties: dict[int, list[Party]] = {}
        self._offers: dict[int, list[Offer]] = {}
        # Interactions changed in this unit of work: their version is bumped once at the end,
        # but for those it created, inserted with their first version.
        self.touched: dict[int, Interaction] = {}
        self._created: set[int] = set()

    # -- loading -------------------------------------------------------------------------

    async def interaction(self, interaction_id: int) -> Interaction:
        """The interaction with its parties, read together in one query the first time."""
        interaction = self.rows.known(Interaction, interaction_id)
        if interaction is not None and interaction_id in self._parties:
            return interaction
        interaction = await self._lock(_INTERACTION_WITH_PARTIES, {"interaction_id": interaction_id})
        if interaction is None:
            raise rules.unknown_interaction(interaction_id)
        return interaction

    async def _lock(self, statement, params) -> Interaction | None:
        rows = await self.rows.load(statement, params, Interaction, Party)
        if not rows:
            return None
        interaction = rows[0][0]
        self._parties.setdefault(interaction.id, [party for _, party in rows if party is not None])
        return interaction

    async def create(self, **values: Any) -> Interaction:
        """A new interaction, inserted (for its id): it has no parties nor offers but those
        added through this Work, so none is read back."""
        # Its first version is written with it (finish() skips it).
        interaction = await self.rows.create(Interaction, version=1, **values)
        self._parties[interaction.id] = []
        self._offers[interaction.id] = []
        self._created.add(interaction.id)
        return interaction

    async def parties(self, interaction: Interaction) -> list[Party]:
        if interaction.id not in self._parties:
            self._parties[interaction.id] = await self.rows.all(Party, _PARTIES, {"interaction_id": interaction.id})
        return self._parties[interaction.id]

    async def offers(self, interaction: Interaction) -> list[Offer]:
        # Read once per unit of work; offers opened later are appended (`offer_opened`), and
        # the rows are the unit of work's own objects, so their changes show without a read.
        if interaction.id not in self._offers:
            self._offers[interaction.id] = await self.rows.all(Offer, _OFFERS, {"interaction_id": interaction.id})
        return list(self._offers[interaction.id])

    async def offer(self, offer_id: int) -> Offer | None:
        """An offer, read with the other offers of its interaction (a command's answer lists
        them all) once the interaction is locked: what it says then is what holds."""
        interaction = await self._lock(_INTERACTION_OF_OFFER_WITH_PARTIES, {"offer_id": offer_id})
        if interaction is None:
            return None
        return next((o for o in await self.offers(interaction) if o.id == offer_id), None)

    def offer_opened(self, offer: Offer) -> None:
        if offer.interaction_id in self._offers:
            self._offers[offer.interaction_id].append(offer)

    async def open_offers(self, interaction: Interaction) -> list[Offer]:
        return [o for o in await self.offers(interaction) if o.state.open]

    def channel(self, interaction: Interaction):
        return self.engine.channels.get(interaction.channel)

    # -- events --------------------------------------------------------------------------

    def record(self, interaction: Interaction, kind: str, **payload: Any) -> None:
        """An event on the interaction's own subject, visible to its parties (present or
        past) and their supervisors: a consultation's events never name the customer's
        interaction's parties who are not on it (CON2)."""
        parties = self._parties.get(interaction.id, [])
        self.touched[interaction.id] = interaction
        visible_to = rules.visible_user_ids(parties)
        # An event about a monitor or coach is kept from whoever may not know of it (SUP1).
        audience = (Audience.parse(payload.pop("knownTo")) if "knownTo" in payload else
                    event_audience(parties, payload.get("partyId"), self.engine.options.tell_agent_when_monitored))
        if audience is not Audience.EVERYONE:
            payload["knownTo"] = audience.label
        if audience is Audience.SUPERVISORS:
            visible_to = sorted({p.user_id for p in parties if is_supervisor(p) and p.user_id is not None})
        self.uow.record(Event(
            topic=TOPIC,
            kind=kind,
            at=self.now,
            actor_id=self.actor_id,
            subject=subject(interaction.id),
            payload={
                "interactionId": interaction.id,
                "channel": interaction.channel,
                "interactionKind": interaction.kind.value,
                "visibleTo": visible_to,
                "teamIds": rules.team_ids(parties),
                **payload,
            },
        ))

    def touch(self, interaction: Interaction) -> None:
        self.touched[interaction.id] = interaction

    def finish(self) -> None:
        for interaction in self.touched.values():
            if interaction.id not in self._created:
                interaction.version += 1

    # -- parties -------------------------------------------------------------------------

    async def add_party(self, interaction: Interaction, role: PartyRole, state: PartyState, *,
                        user_id: int | None = None, address: str | None = None,
                        display_name: str | None = None) -> Party:
        team_id = None
        if user_id is not None:
            # The agent with their presence row, which adjust_load then changes: one read.
            await self.engine.presence.load_for_change(self.uow, user_id, interaction.channel)
            user = await self.rows.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            display_name = user.display_name
            team_id = user.team_id
        parties = await self.parties(interaction)  # read before the new party is in the table
        party = await self.rows.create(Party, interaction_id=interaction.id, user_id=user_id, address=address,
                                       display_name=display_name or address or "Unknown", team_id=team_id,
                                       role=role, state=state, joined_at=self.now)
        parties.append(party)
        if user_id is not None:
            await self.engine.presence.adjust_load(self.uow, user_id, interaction.channel, +1,
                                                   actor_id=self.actor_id)
        self.record(interaction, "PartyAdded", partyId=party.id, userId=user_id, role=role.value,
                    state=state.value, displayName=party.display_name)
        if state is PartyState.CONNECTED:
            await self._one_active(interaction, party)
        await self.refresh_customer(interaction)
        return party

    async def set_state(self, interaction: Interaction, party: Party, state: PartyState, **why: Any) -> None:
        if party.state is state:
            return
        before = party.state
        party.state = state
        if state is PartyState.LEFT:
            party.left_at = self.now
        if state is PartyState.LEFT and party.user_id is not None and before in rules.LIVE:
            if rules.wraps_up(interaction, party, before):  # first: load and wrap-up change presence once
                await self.engine.after_call.begin(self, interaction, party)
            await self.engine.presence.adjust_load(self.uow, party.user_id, interaction.channel, -1,
                                                   actor_id=self.actor_id)
        self.record(interaction, "PartyStateChanged", partyId=party.id, userId=party.user_id,
                    role=party.role.value, state=state.value, previous=before.value, **why)
        if state is PartyState.CONNECTED:
            await self._one_active(interaction, party)
        await self.refresh_customer(interaction)

    async def set_role(self, interaction: Interaction, party: Party, role: PartyRole) -> None:
        if party.role is role:
            return
        party.role = role
        self.record(interaction, "PartyRoleChanged", partyId=party.id, userId=party.user_id, role=role.value)

    async def refresh_customer(self, interaction: Interaction) -> None:
        if interaction.state is InteractionState.ENDED:
            return
        parties = await self.parties(interaction)
        wanted = rules.customer_hold_state(parties)
        for customer in rules.customer_parties(parties):
            if customer.state in rules.ON_CALL and customer.state is not wanted:
                await self.set_state(interaction, customer, wanted)

    async def _one_active(self, interaction: Interaction, party: Party) -> None:
        """On a channel whose behaviour allows one active interaction per agent (voice),
        connecting a leg holds the agent's other connected legs on that channel."""
        if party.user_id is None or not self.engine.behaviour(interaction.channel).one_active_per_agent:
            return
        others = await self.rows.load(_OTHER_LIVE_LEGS, {
            "user_id": party.user_id, "interaction_id": interaction.id, "channel": interaction.channel,
        }, Party, Interaction)
        for other, other_interaction in others:
            if other.state is not PartyState.CONNECTED:
                continue
            loaded = await self.interaction(other_interaction.id)
            leg = next(p for p in await self.parties(loaded) if p.id == other.id)
            await self.engine.behaviour(loaded.channel).hold(loaded, leg)
            await self.set_state(loaded, leg, PartyState.HELD, because="another_call_taken")

    # -- ending --------------------------------------------------------------------------

    async def end(self, interaction: Interaction, reason: str) -> None:
        if interaction.state is InteractionState.ENDED:
            return
        for offer in await self.open_offers(interaction):
            await self.engine.routing.close_offer(self, offer, OfferState.CANCELLED,
                                                  reason=f"interaction ended: {reason}", follow_up=False)
        # Ended first: the parties then leave without the customer's hold state flickering.
        interaction.state = InteractionState.ENDED
        interaction.ended_at = self.now
        interaction.end_reason = reason
        for party in await self.parties(interaction):
            if party.state in rules.LIVE:
                await self.set_state(interaction, party, PartyState.LEFT)
        self.record(interaction, "InteractionEnded", reason=reason)
        if interaction.kind is InteractionKind.INTERNAL:  # e.g. a voicemail session hangs up too (VM2)
            await self.engine.internal.ended(self.uow, interaction.id, reason)

    async def leave(self, interaction: Interaction, party: Party, reason: str = "released") -> None:
        """A party leaves; the interaction goes on or ends per `rules.after_leave`."""
        parties = await self.parties(interaction)
        outcome = rules.after_leave(parties, party, self.engine.options.end_conference_when_only_external_left)
        await self.set_state(interaction, party, PartyState.LEFT, because=reason)
        if outcome.what is rules.AfterLeave.ENDS:
            await self.end(interaction, reason if outcome.reason == "released" else outcome.reason)
            return
        if outcome.new_owner is not None:
            await self.set_role(interaction, outcome.new_owner, PartyRole.OWNER)

