"""The interaction engine, wired into `core.runtime.Backline` as `backline.interactions`: one
service per command family, sharing the store, the clock, presence and the channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.clock import Clock
from core.events import EventBus
from core.identity.actor import Actor
from core.interactions import rules
from core.interactions.after_call import AfterCallWork
from core.interactions.allowed import PartyAction, allowed_on_party, allowed_operations
from core.interactions.behaviour import Behaviour
from core.interactions.calls import Calls
from core.interactions.conferences import Conferences
from core.interactions.consultations import Consultations
from core.interactions.inbound import Inbound
from core.interactions.direct_calls import DirectCalls
from core.interactions.internal import InternalCalls
from core.interactions.models import OfferPurpose
from core.interactions.options import InteractionOptions
from core.interactions.reading import Reading
from core.interactions.routing import Routing
from core.interactions.transfers import Transfers

if TYPE_CHECKING:
    from core.channels import ChannelRegistry
    from core.directory.service import DirectoryService
    from core.presence.service import PresenceService
    from core.store.unit_of_work import Store
    from core.timeouts.service import Timeouts
    from core.voicemail.service import VoicemailService


class InteractionEngine:
    """`voicemail`: where a call nobody takes can leave a message (VM1);
    `directory`: told of each target used (recents) and asked for the caller's current
    interaction (DIR3)."""

    def __init__(self, *, store: "Store", bus: EventBus, clock: Clock, channels: "ChannelRegistry",
                 presence: "PresenceService", options: InteractionOptions, timeouts: "Timeouts",
                 directory: "DirectoryService", voicemail: "VoicemailService") -> None:
        self.store, self.bus, self.clock = store, bus, clock
        self.channels, self.presence, self.options = channels, presence, options
        self.timeouts, self.directory, self.voicemail = timeouts, directory, voicemail
        self.routing = Routing(self)
        self.inbound = Inbound(self)
        self.calls = Calls(self)
        self.transfers = Transfers(self)
        self.consultations = Consultations(self)
        self.conferences = Conferences(self)
        self.reading = Reading(self)
        self.internal = InternalCalls(self)  # VM2: voicemail access calls in
        self.direct = DirectCalls(self)  # CALL1: calls from the directory
        self.after_call = AfterCallWork(self)  # WRP1-WRP3
        directory.current_interaction = self.current_for_directory  # DIR3
        self._handlers = {
            OfferPurpose.ROUTE: self.inbound,
            OfferPurpose.TRANSFER: self.transfers,
            OfferPurpose.CONSULT: self.consultations,
            OfferPurpose.CONFERENCE: self.conferences,
        }

    async def current_for_directory(self, actor: Actor, interaction_id: int | None = None):
        """DIR3: the caller's current interaction (or the one named), with what it allows
        now, for the directory's actions."""
        from core.directory.actions import CurrentInteraction

        view = await (self.reading.get(actor, interaction_id) if interaction_id is not None
                      else self.reading.current(actor))
        if view is None:
            return None
        return CurrentInteraction(channel=view.interaction.channel, allowed=self.allowed(actor, view),
                                  interaction_id=view.interaction.id)

    def allowed(self, actor: Actor, view):
        channel = self.channels.get(view.interaction.channel)
        return allowed_operations(actor.user_id, view.interaction, view.parties, view.offers,
                                  channel.capabilities, self.options.conference_max_parties)

    def allowed_on_party(self, actor: Actor, view, party) -> frozenset[PartyAction]:
        channel = self.channels.get(view.interaction.channel)
        return allowed_on_party(actor, party, view.parties, channel.capabilities,
                                rules.may_remove_participant(actor, self.options.remove_participant_allowed))

    def handler(self, purpose: OfferPurpose):
        return self._handlers[purpose]

    def behaviour(self, channel: str) -> Behaviour:
        return Behaviour(self.channels.get(channel))

    def may_integrate(self, actor: Actor) -> bool:
        allowed = set(self.options.integration_roles)
        return actor.role.value in allowed or actor.username in allowed

    async def start(self) -> None:
        await self.routing.start()

    async def stop(self) -> None:
        await self.routing.stop()

    async def settle(self) -> None:
        await self.routing.settle()
