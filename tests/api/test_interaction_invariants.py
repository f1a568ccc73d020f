"""A Hypothesis stateful test: random sequences of calls, accepts, declines, holds, retrieves,
consultations, transfers, conferences, cancels, hang-ups, presence changes and time-outs,
with the engine's invariants checked after every step:
- the customer is never a party to a consultation (CON2);
- no agent has more active (connected) voice calls than one, nor more than capacity;
- every held customer has an agent who can retrieve it, or a request that rings or waits;
- busy presence matches load: an agent's load is the number of interactions it is on."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlmodel import col, select

from core.clock import ManualClock
from core.config import Settings, load_config
from core.demo import load_demo
from core.errors import BacklineError
from core.interactions.consultations import Completion
from core.interactions.models import (
    Interaction, InteractionKind, InteractionState, Offer, OfferState, Party, PartyRole, PartyState,
)
from core.presence.models import ChannelPresence
from core.runtime import Backline
from tests.support.database import migrated_template, sqlite_url
from tests.support.actors import actor_of

REPO = Path(__file__).resolve().parents[2]
AGENTS = ("agent", "marie.dupont", "helene.durand", "zoe.moreau")
TARGETS = ("Camille Martin", "Marie Dupont", "Hélène Durand", "Zoë Moreau", "Support", "Français")
LIVE = (PartyState.ALERTING, PartyState.CONNECTED, PartyState.HELD)
_template: Path | None = None


def demo_template() -> Path:
    """A migrated database with the demo loaded, made once per test session."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="backline-invariants-"))
        path = migrated_template(folder)

        async def load() -> None:
            backline = Backline(Settings(database_url=sqlite_url(path), plugins_file=REPO / "plugins.toml"))
            await load_demo(backline.store)
            await backline.store.close()

        asyncio.run(load())
        _template = path
    return _template


class Engine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="backline-machine-"))
        shutil.copyfile(demo_template(), self.folder / "db.sqlite")
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock()
        settings_ = Settings(database_url=sqlite_url(self.folder / "db.sqlite"), plugins_file=REPO / "plugins.toml")
        self.backline = Backline(settings_, load_config(settings_.plugins_file), clock=self.clock)
        self.engine = self.backline.interactions
        self.run(self.backline.start())
        self.actors = self.run(self._actors())
        self.by_id = {actor.user_id: actor for actor in self.actors}
        self.admin = self.run(self._actor("admin"))
        self.targets = self.run(self._targets())
        for actor in self.actors:
            self.run(self.backline.presence.log_in(actor, "voice", ready=True))
        self.calls = 0

    # -- plumbing ------------------------------------------------------------------------

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def attempt(self, coro) -> None:
        """Expected refusals are fine; anything else fails the test."""
        try:
            self.run(coro)
        except BacklineError:
            pass
        self.run(self.engine.settle())

    async def _actor(self, username: str):
        return await actor_of(self.backline, username)

    async def _actors(self):
        return [await self._actor(name) for name in AGENTS]

    async def _targets(self) -> list[int]:
        from core.directory.models import Target

        async with self.backline.store.read() as session:
            return [(await session.exec(select(Target.id).where(Target.name == name))).one() for name in TARGETS]

    def rows(self, model, *where):
        async def read():
            async with self.backline.store.read() as session:
                order = getattr(model, "id", None) or model.user_id
                return list((await session.exec(select(model).where(*where).order_by(order))).all())
        return self.run(read())

    def pick(self, items: list, index: int):
        return items[index % len(items)] if items else None

    def live_interactions(self, kind: InteractionKind | None = None) -> list[Interaction]:
        """Active interactions, mostly those an agent of ours is on (where commands can work)."""
        found = [i for i in self.rows(Interaction, Interaction.state == InteractionState.ACTIVE)
                 if kind is None or i.kind is kind]
        staffed = {p.interaction_id for p in self.rows(Party, col(Party.state).in_(LIVE))
                   if p.user_id in self.by_id}
        return [i for i in found if i.id in staffed] or found

    def teardown(self) -> None:
        self.run(self.backline.stop())
        self.loop.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- rules ---------------------------------------------------------------------------

    @rule(to=st.sampled_from(["queue:Support", "group:Français", "agent:agent", "agent:marie.dupont"]))
    def customer_calls(self, to):
        self.calls += 1
        self.attempt(self.engine.inbound.create(self.admin, "voice", f"+331000{self.calls:05d}", to))

    @rule(to=st.sampled_from(["queue:Support", "group:Français"]))
    def customer_calls_and_is_answered(self, to):
        """A shortcut to an active call, so that sequences reach deeper states."""
        self.calls += 1
        try:
            view = self.run(self.engine.inbound.create(self.admin, "voice", f"+331000{self.calls:05d}", to))
        except BacklineError:
            return
        ringing = [o for o in view.offers if o.state is OfferState.RINGING]
        if ringing:
            self.attempt(self.engine.routing.accept(self.by_id[ringing[0].ringing_user_id], ringing[0].id))

    def on_it(self, interaction_id: int, index: int):
        """One of the agents on the interaction (mostly), else anyone: refusals are exercised too."""
        agents = [self.by_id[p.user_id] for p in self.rows(Party, Party.interaction_id == interaction_id)
                  if p.state in (PartyState.CONNECTED, PartyState.HELD) and p.user_id in self.by_id]
        if agents and index % 8:
            return agents[index % len(agents)]
        return self.actors[index % len(self.actors)]

    @rule(which=st.integers(0, 50), index=st.integers(0, 50))
    def accept(self, which, index):
        offer = self.pick(self.rows(Offer, col(Offer.state).in_([OfferState.RINGING, OfferState.WAITING])), which)
        if offer is not None:
            actor = self.by_id.get(offer.ringing_user_id) if index % 8 else None
            self.attempt(self.engine.routing.accept(actor or self.actors[index % len(self.actors)], offer.id))

    @rule(which=st.integers(0, 50))
    def decline(self, which):
        offer = self.pick(self.rows(Offer, Offer.state == OfferState.RINGING), which)
        if offer is not None and offer.ringing_user_id in self.by_id:
            self.attempt(self.engine.routing.decline(self.by_id[offer.ringing_user_id], offer.id))

    @rule(which=st.integers(0, 50))
    def cancel(self, which):
        offer = self.pick(self.rows(Offer, col(Offer.state).in_([OfferState.RINGING, OfferState.WAITING])), which)
        if offer is not None:
            self.attempt(self.engine.routing.cancel(self.by_id.get(offer.requester_id, self.admin), offer.id))

    @rule(which=st.integers(0, 50), index=st.integers(0, 50),
          action=st.sampled_from(["hold", "retrieve", "release", "send_dtmf"]))
    def call_control(self, which, index, action):
        interaction = self.pick(self.live_interactions(), which)
        if interaction is not None:
            method = getattr(self.engine.calls, action)
            args = ("12#",) if action == "send_dtmf" else ()
            self.attempt(method(self.on_it(interaction.id, index), interaction.id, *args))

    @rule(which=st.integers(0, 50), index=st.integers(0, 50), to_whom=st.integers(0, 5))
    def consult(self, which, index, to_whom):
        interaction = self.pick(self.live_interactions(InteractionKind.CUSTOMER), which)
        if interaction is not None:
            self.attempt(self.engine.consultations.start(self.on_it(interaction.id, index), interaction.id,
                                                         self.targets[to_whom]))

    @rule(which=st.integers(0, 50), index=st.integers(0, 50), how=st.sampled_from(list(Completion) + [None]))
    def finish_consultation(self, which, index, how):
        consultation = self.pick(self.live_interactions(InteractionKind.CONSULTATION), which)
        if consultation is None:
            return
        actor = self.on_it(consultation.id, index)
        if how is None:
            self.attempt(self.engine.consultations.end_and_retrieve(actor, consultation.id))
        else:
            self.attempt(self.engine.consultations.complete(actor, consultation.id, how))

    @rule(which=st.integers(0, 50), index=st.integers(0, 50), to_whom=st.integers(0, 5))
    def transfer(self, which, index, to_whom):
        interaction = self.pick(self.live_interactions(InteractionKind.CUSTOMER), which)
        if interaction is not None:
            self.attempt(self.engine.transfers.single_step(self.on_it(interaction.id, index), interaction.id,
                                                           self.targets[to_whom]))

    @rule(which=st.integers(0, 50), index=st.integers(0, 50), to_whom=st.integers(0, 5), outside=st.booleans())
    def conference(self, which, index, to_whom, outside):
        interaction = self.pick(self.live_interactions(InteractionKind.CUSTOMER), which)
        if interaction is not None:
            self.attempt(self.engine.conferences.add(
                self.on_it(interaction.id, index), interaction.id, None if outside else self.targets[to_whom],
                "+44 20 7946 0000" if outside else None))

    @rule(which=st.integers(0, 50))
    def customer_hangs_up(self, which):
        interaction = self.pick(self.live_interactions(InteractionKind.CUSTOMER), which)
        if interaction is not None:
            self.attempt(self.engine.inbound.hang_up(self.admin, interaction.id))

    @rule(who=st.integers(0, 3), ready=st.booleans())
    def presence(self, who, ready):
        actor = self.actors[who]
        if ready:
            self.attempt(self.backline.presence.set_ready(actor, "voice"))
        else:
            self.attempt(self.backline.presence.set_not_ready(actor, "voice", "Pause"))

    @rule(seconds=st.sampled_from([1, 20, 31, 301]))
    def time_passes(self, seconds):
        self.run(self.clock.advance(seconds))
        self.run(self.engine.settle())

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def con2_the_customer_is_never_on_a_consultation(self):
        consultations = {i.id for i in self.rows(Interaction, Interaction.kind == InteractionKind.CONSULTATION)}
        for party in self.rows(Party, col(Party.interaction_id).in_(consultations)):
            assert party.role is not PartyRole.CUSTOMER and party.user_id is not None, party

    @invariant()
    def no_agent_has_more_active_voice_calls_than_capacity(self):
        capacity = self.backline.channels.get("voice").capabilities.capacity
        voice = {i.id for i in self.rows(Interaction, Interaction.channel == "voice")}
        active = Counter(p.user_id for p in self.rows(Party, Party.state == PartyState.CONNECTED)
                         if p.user_id is not None and p.interaction_id in voice)
        assert all(n <= min(1, capacity) for n in active.values()), active

    @invariant()
    def every_held_customer_has_someone_to_retrieve_it_or_waits(self):
        for interaction in self.live_interactions(InteractionKind.CUSTOMER):
            parties = self.rows(Party, Party.interaction_id == interaction.id)
            if not any(p.role is PartyRole.CUSTOMER and p.state is PartyState.HELD for p in parties):
                continue
            holder = any(p.user_id is not None and p.state is PartyState.HELD for p in parties)
            pending = self.rows(Offer, Offer.interaction_id == interaction.id,
                                col(Offer.state).in_([OfferState.RINGING, OfferState.WAITING]))
            assert holder or pending, (interaction, parties)

    @invariant()
    def busy_presence_matches_load(self):
        voice = {i.id for i in self.rows(Interaction, Interaction.channel == "voice")}
        load = Counter(p.user_id for p in self.rows(Party, col(Party.state).in_(LIVE))
                       if p.user_id is not None and p.interaction_id in voice)
        capacity = self.backline.channels.get("voice").capabilities.capacity
        for row in self.rows(ChannelPresence, ChannelPresence.channel == "voice"):
            assert row.load == load.get(row.user_id, 0), (row, load)
        presence = self.run(self._presence())
        for user_id, states in presence.items():
            voice_state = next(p for p in states if p.channel == "voice")
            assert (voice_state.state.value == "busy") == (voice_state.load >= capacity), voice_state

    async def _presence(self):
        async with self.backline.store.read() as session:
            return await self.backline.presence.presence_of(session, [a.user_id for a in self.actors])


Engine.TestCase.settings = settings(max_examples=15, stateful_step_count=40, deadline=None)
TestInteractionInvariants = Engine.TestCase
