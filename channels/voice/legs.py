"""The engine's calls carried onto a switch's legs, and the phones' acts carried back.

After each committed change to a voice interaction (never before: "committed before anyone
is told"), the parties of the interactions it touched, and of the agents on them, are read
and each leg is set to what they say: an alerting agent's phone rings; an agent connected
to a call is bridged with the other connected party's leg (three or more talking, on a
switch that mixes: each joins the call's conference); a held customer is re-INVITEd
`sendonly`, an agent with no connected call `inactive`; a party that left is released. The
other way, a phone's answer, refusal or hang-up becomes the same act as through the API
(acceptOffer, declineOffer, release, customerHangUp: VOX2)."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import TYPE_CHECKING

from sqlmodel import col, select

from channels.voice.switch import LegKey, LegState, Switch
from core.errors import BacklineError
from core.identity.actor import Actor
from core.identity.models import User
from core.identity.service import load_actor
from core.interactions import rules
from core.interactions.models import Interaction, Offer, OfferState, Party, PartyRole, PartyState
from core.listener import BusListener

if TYPE_CHECKING:
    from core.channel_services import ChannelServices

log = logging.getLogger("backline.voice.legs")

TOPIC = "interaction"
UP = (LegState.UP, LegState.HELD)
CREATED_KEPT = 1000  # new calls whose parties wait for `placed`; beyond, the oldest (hung up first) go


class CallLegs:
    def __init__(self, services: "ChannelServices", switch: Switch, channel: str) -> None:
        self.services, self.switch, self.channel = services, switch, channel
        # Everywhere: the switch holds the legs, whichever instance an agent's request went to.
        self.listener = BusListener(services.bus, {TOPIC}, self._changed, log, everywhere=True)
        self._actors: dict[int, Actor] = {}
        self._lock = asyncio.Lock()
        # Each decision on a leg gets a number; a leg's operations run one at a time, and one
        # superseded by a later decision (made on newer state) is skipped.
        self._decisions = 0
        self._latest: dict[LegKey, int] = {}
        self._leg_locks: dict[LegKey, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task] = set()  # decisions being carried out, DTMF being sent
        self._trunk: Actor | None = None
        self._created: dict[int, list[Party]] = {}  # new calls' parties, until their leg is placed

    def start(self) -> None:
        self.listener.start()

    async def stop(self) -> None:
        await self.listener.stop()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- the engine → the legs -------------------------------------------------------------

    async def _changed(self, events) -> None:
        ids, digits = set(), []
        for event in events:
            if event.payload.get("channel") != self.channel:
                continue
            ids.add(event.payload["interactionId"])
            if event.kind == "DtmfSent":
                digits.append(event.payload.get("partyId"))
        if ids:
            self._carry_out_later(await self.decide(ids))
        for party_id in digits:
            self._spawn(self._send_digits(party_id))

    async def reconcile(self, interaction_ids: set[int]) -> None:
        """Decides on the legs of these interactions and carries it out (awaited)."""
        await self._carry_out_all(await self.decide(interaction_ids))

    async def decide(self, interaction_ids: set[int]) -> list:
        """What each leg is to become, read from the committed state. Deciding is one batch at
        a time (each decision is numbered on the state it read); carrying the decisions out
        (network round trips) is not: the listener that decides must not wait for phones, or
        every call's next step would queue behind the slowest re-INVITE."""
        async with self._lock:
            parties = await self._parties(interaction_ids)
            return self._number(self._decisions_for(interaction_ids, parties))

    def _decisions_for(self, interaction_ids: set[int], parties: list[Party]) -> list:
        by_interaction: dict[int, list[Party]] = defaultdict(list)
        for party in parties:
            by_interaction[party.interaction_id].append(party)
        agents = {p.user_id for p in parties if p.user_id is not None and p.role in rules.AGENT_ROLES}
        decisions: list[tuple[LegKey, object]] = []
        for user_id in agents:
            decisions += self._agent_leg(user_id, by_interaction)
        for interaction_id, its_parties in by_interaction.items():
            if interaction_id in interaction_ids:
                decisions += self._customer_leg(interaction_id, its_parties)
        return decisions

    def _number(self, decisions: list) -> list:
        numbered = []
        for leg, operation in decisions:
            self._decisions += 1
            self._latest[leg] = self._decisions
            numbered.append((self._decisions, leg, operation))
        return numbered

    async def _carry_out_all(self, numbered: list) -> None:
        if len(numbered) == 1:  # at once, in this task: a ring goes out now, not after the loop's turn
            await self._carry_out(*numbered[0])
            return
        await asyncio.gather(*(self._carry_out(n, leg, operation) for n, leg, operation in numbered))

    def _carry_out_later(self, numbered: list) -> None:
        if numbered:
            self._spawn(self._carry_out_all(numbered))

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _carry_out(self, number: int, leg: LegKey, operation) -> None:
        async with self._leg_locks[leg]:
            if self._latest.get(leg) != number:
                return  # a later decision on this leg supersedes it
            try:
                await operation()
            except Exception:  # one leg's failure must not stop the others
                log.exception("Voice: %s failed on leg %s", operation, leg)
            if self.switch.leg_state(leg) is LegState.GONE and self._latest.get(leg) == number:
                self._latest.pop(leg, None)
                self._leg_locks.pop(leg, None)

    async def _parties(self, interaction_ids: set[int]) -> list[Party]:
        """The parties of these interactions, and of every live voice interaction their
        agents are on (an agent's one phone carries whichever call it is connected to)."""
        async with self.services.store.read() as session:
            first = (await session.exec(select(Party).where(col(Party.interaction_id).in_(interaction_ids)))).all()
            agents = {p.user_id for p in first if p.user_id is not None}
            more = []
            if agents:
                others = select(Party.interaction_id).join(Interaction, Interaction.id == Party.interaction_id).where(
                    col(Party.user_id).in_(agents), col(Party.state).in_(rules.LIVE),
                    Interaction.channel == self.channel, col(Party.interaction_id).not_in(interaction_ids))
                more = (await session.exec(select(Party).where(col(Party.interaction_id).in_(others)))).all()
            return [*first, *more]

    def _agent_leg(self, user_id: int, by_interaction: dict[int, list[Party]]) -> list:
        mine = [(p, ps) for ps in by_interaction.values() for p in ps
                if p.user_id == user_id and p.state in rules.LIVE and p.role in rules.AGENT_ROLES]
        leg = LegKey("agent", user_id)
        state = self.switch.leg_state(leg)
        switch = self.switch
        if not mine:
            return [(leg, lambda: switch.release(leg))] if state is not LegState.GONE else []
        connected = next(((p, ps) for p, ps in mine if p.state is PartyState.CONNECTED), None)
        alerting = next(((p, ps) for p, ps in mine if p.state is PartyState.ALERTING), None)
        if state is LegState.GONE or state is LegState.RINGING:
            if connected is not None:  # accepted through the API while the phone rang (or not yet)
                media = self._media_of(connected[1], connected[0])
                return [(leg, lambda: switch.ring(leg, media, auto_answer=True))]
            if alerting is not None and state is LegState.GONE and not any(p.state is PartyState.HELD for p, _ in mine):
                media = self._media_of(alerting[1], alerting[0])
                return [(leg, lambda: switch.ring(leg, media))]
            return []
        if connected is None:
            if any(p.state is PartyState.HELD for p, _ in mine):
                return [(leg, lambda: switch.hold(leg, "inactive"))]
            return []  # only alerting: the phone answered and its acceptance is on its way
        room = self._conference_of(connected[1], connected[0])
        if room is not None:
            return [(leg, lambda: switch.join(leg, room))]
        peer = self._media_of(connected[1], connected[0])
        peer_state = self.switch.leg_state(peer) if peer is not None else LegState.GONE
        # A customer still ringing is answered by the bridge (with this phone's media).
        if peer_state in UP or (peer_state is LegState.RINGING and peer.kind == "customer"):
            return [(leg, lambda: switch.connect(leg, peer)), (peer, lambda: switch.connect(peer, leg))]
        if peer is not None and peer.kind == "customer":
            return []  # the customer's leg is still being set up (the switch reconciles once it is)
        return [(leg, lambda: switch.hold(leg, "inactive"))]

    def _customer_leg(self, interaction_id: int, parties: list[Party]) -> list:
        leg = LegKey("customer", interaction_id)
        switch = self.switch
        if switch.leg_state(leg) is LegState.GONE:
            return []
        customer = next((p for p in parties if p.role is PartyRole.CUSTOMER), None)
        if customer is None or customer.state is PartyState.LEFT:
            return [(leg, lambda: switch.release(leg))]
        if customer.state is PartyState.CONNECTED:
            room = self._conference_of(parties, customer)
            if room is not None:
                return [(leg, lambda: switch.join(leg, room))]
            peer = self._media_of(parties, customer)
            if peer is not None and switch.leg_state(peer) in UP:
                return [(leg, lambda: switch.connect(leg, peer)), (peer, lambda: switch.connect(peer, leg))]
            return []
        if switch.leg_state(leg) in UP:
            return [(leg, lambda: switch.hold(leg, "sendonly"))]
        return []

    def _conference_of(self, parties: list[Party], me: Party) -> int | None:
        """The conference `me` is mixed in: its interaction, when three or more talk on it
        and the switch mixes (otherwise conference is not declared and cannot happen)."""
        if not self.switch.mixes or me.state is not PartyState.CONNECTED:
            return None
        talking = [p for p in parties if p.state is PartyState.CONNECTED and not rules.is_silent(p)
                   and (p.role is PartyRole.CUSTOMER or p.user_id is not None)]
        return me.interaction_id if len(talking) >= 3 else None

    def _media_of(self, parties: list[Party], me: Party) -> LegKey | None:
        """The leg `me` talks with: the other connected party (the customer first)."""
        others = [p for p in parties if p.id != me.id and p.state is PartyState.CONNECTED and not rules.is_silent(p)]
        if me.state is PartyState.ALERTING:  # ringing: the media it will get once answered
            others = [p for p in parties if p.id != me.id and p.state in rules.ON_CALL]
        others.sort(key=lambda p: p.role is not PartyRole.CUSTOMER)
        for party in others:
            if party.role is PartyRole.CUSTOMER:
                return LegKey("customer", party.interaction_id)
            if party.user_id is not None:
                return LegKey("agent", party.user_id)
        return None

    async def _send_digits(self, party_id: int | None) -> None:
        digits = self.switch.take_digits(party_id) if party_id is not None else None
        if not digits:
            return
        async with self.services.store.read() as session:
            party = await session.get(Party, party_id)
        if party is None:
            return
        leg = (LegKey("agent", party.user_id) if party.user_id is not None
               else LegKey("customer", party.interaction_id))
        peer = self.switch.bridged_to(leg)
        if peer is not None:
            await self.switch.send_dtmf(peer, digits)

    # -- the phones → the engine -----------------------------------------------------------

    async def incoming(self, caller: str, caller_name: str, destination: str, number: str) -> int:
        view = await self.services.interactions.inbound.create(
            await self._trunk_actor(), self.channel, caller, destination, context={"dialled": number},
            contact={"name": caller_name})
        self._created[view.interaction.id] = list(view.parties)
        while len(self._created) > CREATED_KEPT:  # calls hung up before being placed
            self._created.pop(next(iter(self._created)))
        return view.interaction.id

    async def placed(self, interaction_id: int) -> None:
        """The customer's leg is known to the switch: ring the agent the call is offered to.
        A new call's parties are those its creation returned (committed): an agent with no
        leg yet is decided on from them without reading them again, since with calls arriving
        together each one's set-up waits for the work of those before it."""
        parties = self._created.pop(interaction_id, None)
        agents = {p.user_id for p in parties or () if p.user_id is not None and p.role in rules.AGENT_ROLES}
        if parties is None or any(self.switch.leg_state(LegKey("agent", a)) is not LegState.GONE for a in agents):
            await self.reconcile({interaction_id})
            return
        async with self._lock:
            numbered = self._number(self._decisions_for({interaction_id}, parties))
        await self._carry_out_all(numbered)

    async def answered(self, user_id: int) -> None:
        offer = await self._ringing(user_id)
        if offer is None:  # accepted through the API already: carry on with the legs
            await self.reconcile(await self._live_interactions(user_id))
            return
        try:
            await self.services.interactions.routing.accept(await self._actor(user_id), offer.id)
        except BacklineError as exc:  # somebody else took it, or it stopped ringing
            log.info("SIP: user %s answered an offer they cannot take (%s)", user_id, exc.message)
            await self.switch.release(LegKey("agent", user_id))

    async def refused(self, user_id: int, why: str) -> None:
        offer = await self._ringing(user_id)
        if offer is not None:
            log.info("SIP: user %s: %s; the offer goes on", user_id, why)
            try:
                await self.services.interactions.routing.decline(await self._actor(user_id), offer.id)
            except BacklineError:
                pass

    async def hung_up(self, leg: LegKey) -> None:
        try:
            if leg.kind == "customer":
                await self.services.interactions.inbound.hang_up(await self._trunk_actor(), leg.id)
                return
            actor = await self._actor(leg.id)
            for interaction_id in await self._live_interactions(leg.id, rules.ON_CALL):
                await self.services.interactions.calls.release(actor, interaction_id)
            offer = await self._ringing(leg.id)
            if offer is not None:
                await self.services.interactions.routing.decline(actor, offer.id)
        except BacklineError as exc:  # already over
            log.info("SIP: hang-up of %s: %s", leg, exc.message)

    async def unregistered(self, user_id: int) -> None:
        """A registration that expires or is removed makes voice unavailable (VOX1)."""
        try:
            await self.services.presence.set_not_ready(await self._actor(user_id), self.channel, None)
        except BacklineError:
            pass  # not logged in to voice: nothing to change

    # -- reading ---------------------------------------------------------------------------

    async def _ringing(self, user_id: int) -> Offer | None:
        async with self.services.store.read() as session:
            return (await session.exec(select(Offer).where(
                Offer.ringing_user_id == user_id, Offer.state == OfferState.RINGING,
                Offer.channel == self.channel))).first()

    async def _live_interactions(self, user_id: int, states=rules.LIVE) -> set[int]:
        async with self.services.store.read() as session:
            return set((await session.exec(select(Party.interaction_id).join(
                Interaction, Interaction.id == Party.interaction_id).where(
                Party.user_id == user_id, col(Party.state).in_(states),
                Interaction.channel == self.channel))).all())

    async def _actor(self, user_id: int) -> Actor:
        if user_id not in self._actors:
            async with self.services.store.read() as session:
                user = await session.get(User, user_id)
                self._actors[user_id] = await load_actor(session, user)
        return self._actors[user_id]

    async def _trunk_actor(self) -> Actor:
        """The account customer calls are created as, read once (as agents' actors are)."""
        if self._trunk is None:
            self._trunk = await self._actor_named(self.switch.options.trunk_account)
        return self._trunk

    async def _actor_named(self, username: str) -> Actor:
        async with self.services.store.read() as session:
            user = (await session.exec(select(User).where(User.username == username))).first()
            if user is None:
                raise BacklineError(f"The trunk account '{username}' does not exist.")
            return await load_actor(session, user)
