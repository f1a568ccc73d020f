"""What a channel plugin is given when it starts: the services a channel uses, not the whole
runtime. A channel receives its contacts and reports its calls through these, the way the
built-in ones do (docs/plugins.md): the store (its own rows, in the core's transactions),
the clock (every delay runs on it), the event bus (what changed, after commit), the
interaction engine (inbound contacts, answers, releases), presence (an agent whose device
went away goes not ready), the time-outs (durable delays) and the transcripts (written
lines in and out)."""

from __future__ import annotations

from dataclasses import dataclass

from core.clock import Clock
from core.events import EventBus
from core.interactions.engine import InteractionEngine
from core.presence.service import PresenceService
from core.store.unit_of_work import Store
from core.timeouts.service import Timeouts
from core.transcripts.service import TranscriptsService


@dataclass(frozen=True)
class ChannelServices:
    store: Store
    clock: Clock
    bus: EventBus
    interactions: InteractionEngine
    presence: PresenceService
    timeouts: Timeouts
    transcripts: TranscriptsService
