"""The composition root: one `Backline` holds the settings, the store, the event bus, the
clock, the channels and the services built on them. The API layer and the CLI create one;
tests create one per test with a temporary database and a manual clock."""

from __future__ import annotations

import logging
from datetime import timedelta

from core.channel_services import ChannelServices
from core.clock import Clock, SystemClock
from core.config import ConfigFile, Settings, load_config
from core.directory.service import DirectoryService
from core.events import EventBus, InProcessBus
from core.identity.guests import GuestTokens
from core.identity.service import IdentityService
from core.identity.throttle import LoginThrottle, ThrottlePolicy
from core.interactions.engine import InteractionEngine
from core.interactions.options import InteractionOptions
from core.messages.outages import ChannelOutages
from core.metrics import Tally
from core.messages.service import MessagesService
from core.plugins import load_plugins
from core.presence.service import PresenceService
from core.store.db import create_engines
from core.store.event_log import EventLog
from core.store.unit_of_work import Store
from core.supervision.service import SupervisionService
from core.timeouts.service import Timeouts
from core.transcripts.service import TranscriptsService
from core.voicemail.options import VoicemailOptions
from core.voicemail.service import VoicemailService

log = logging.getLogger("backline")


class Backline:
    def __init__(
        self,
        settings: Settings,
        config: ConfigFile | None = None,
        *,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        plugins: dict[str, object] | None = None,
    ) -> None:
        self.settings = settings
        self.config = config if config is not None else load_config(settings.plugins_file)
        self.clock = clock or SystemClock()
        self.bus = bus or InProcessBus()
        self.tally = Tally()  # what an operator watches (GET /metrics)
        # Plugins load here, synchronously, so a broken one stops start-up before anything
        # listens.
        self.plugin_manager, self.channels = load_plugins(self.config, plugins)
        self.store = Store(create_engines(settings.database_url, settings.database_pool_size), self.bus)
        self.events = EventLog(self.store, settings.resume_window)  # where resumed streams start (INS2)
        self.identity = IdentityService(self.store, self.clock, timedelta(hours=settings.token_ttl_hours), LoginThrottle(
            self.clock,
            per_username=ThrottlePolicy(settings.login_free_failures, settings.login_lock_after,
                                        settings.login_lock_seconds, settings.login_max_backoff_seconds),
            per_address=ThrottlePolicy(settings.login_address_free_failures, settings.login_address_lock_after,
                                       settings.login_lock_seconds, settings.login_max_backoff_seconds)))
        self.presence = PresenceService(
            self.store, self.clock, self.channels, self.config.contact_centre.get("reason_codes", ())
        )
        self.directory = DirectoryService(self.store, self.clock, self.channels, self.presence,
                                          settings.max_page_size)
        self.messages = MessagesService(self.store, self.clock)
        ChannelOutages(self.messages).watch(self.channels)  # MSG1: backends down and back
        # Time-outs as rows, fired once by any live instance (INS3).
        self.timeouts = Timeouts(self.store, self.clock,
                                 on_fired=lambda kind: self.tally.add("timeouts_fired", kind=kind))
        self.voicemail = VoicemailService(self.store, self.clock, self.channels, self.messages,
                                          VoicemailOptions.from_config(self.config.contact_centre), self.timeouts)
        self.interactions = InteractionEngine(
            store=self.store, bus=self.bus, clock=self.clock, channels=self.channels, presence=self.presence,
            options=InteractionOptions.from_config(self.config.contact_centre), timeouts=self.timeouts,
            directory=self.directory, voicemail=self.voicemail)
        self.voicemail.link(self.interactions.internal)  # VM2: a session is an internal voice call
        # Chat, e-mail and IM lines, customer chats with their guest tokens, the done step.
        self.guests = GuestTokens(self.store, self.clock, timedelta(hours=settings.token_ttl_hours))
        self.transcripts = TranscriptsService(self.interactions, self.guests)
        # SUP1-SUP3: monitor, coach, barge in; IM4: message the agent while supervising.
        self.supervision = SupervisionService(self.interactions, self.transcripts.internal)
        self._started: list = []

    async def start(self) -> None:
        await self.store.start()
        await self.identity.start()
        services = self.channel_services()
        for channel in self.channels:
            await channel.start(services)
            self._started.append(channel)
        await self.interactions.start()
        self.timeouts.start()
        await self.voicemail.start()
        await self.supervision.start_listening()
        log.info("Backline started with channels: %s", ", ".join(self.channels.names()))

    def channel_services(self) -> ChannelServices:
        """What a channel is given when it starts: what it uses, not this whole runtime."""
        return ChannelServices(store=self.store, clock=self.clock, bus=self.bus, interactions=self.interactions,
                               presence=self.presence, timeouts=self.timeouts, transcripts=self.transcripts)

    async def stop(self) -> None:
        self.timeouts.stop()
        await self.supervision.stop_listening()
        await self.interactions.stop()
        while self._started:
            channel = self._started.pop()
            try:
                await channel.stop()
            except Exception:  # one channel failing to stop must not keep the others open
                log.exception("Channel %s failed to stop", channel.name)
        await self.identity.stop()
        await self.store.close()

    async def __aenter__(self) -> "Backline":
        await self.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.stop()
