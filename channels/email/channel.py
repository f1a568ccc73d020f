from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Mapping

from channels.written import check_length
from channels.email.listener import InboundHandler, Listener
from channels.email.relay import RecipientRefused, SmtpRelay, build_reply, new_message_id
from core.channels import Capabilities, Channel, ClosePolicy, Operation
from core.errors import ConfigurationError

if TYPE_CHECKING:
    from core.channel_services import ChannelServices
    from core.transcripts.lines import Line

log = logging.getLogger("backline.email")

# The time-out that retries the replies waiting for the relay: a row in the store (INS3), so
# that another instance retries them when this one is gone.
RELAY_RETRY = "email_relay_retry"

DEFAULTS: dict[str, Any] = {
    "smtp_host": "127.0.0.1",
    "smtp_port": 2525,  # 0: no listener
    "route_to": "queue:email",  # where a new e-mail goes (a queue, group or routing point)
    "max_message_bytes": 10 * 1024 * 1024,  # larger mail is refused by the listener (552)
    "max_reply_chars": 20_000,
    "relay_host": "",  # "": replies are kept, not sent
    "relay_port": 25,
    "relay_retry_seconds": 60,
    "from_address": "support@backline.example",
    "from_name": "Backline Support",
}


class EmailChannel(Channel):
    """E-mail: an SMTP listener turns inbound mail into interactions; replies go through an
    SMTP relay. Transfer only, and only inbound ones (TRF6, CNF2)."""

    name = "email"
    display_name = "Email"
    capabilities = Capabilities(
        operations=frozenset({Operation.TRANSFER}),
        capacity=5,
        close_policy=ClosePolicy.WHEN_ALL_AGENTS_DONE,
        transfer_inbound_only=True,
    )
    option_names = Channel.option_names | frozenset(DEFAULTS)

    def __init__(self) -> None:
        super().__init__()
        self.settings = dict(DEFAULTS)
        self.listener: Listener | None = None
        self.relay: SmtpRelay | None = None
        self.services: "ChannelServices | None" = None

    def configure(self, options: Mapping[str, Any]) -> None:
        super().configure(options)
        settings = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS}}
        for key in ("smtp_port", "relay_port", "max_message_bytes", "max_reply_chars", "relay_retry_seconds"):
            value = settings[key]
            low = 0 if key == "smtp_port" else 1
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= (
                    65535 if key.endswith("port") else 1 << 31):
                raise ConfigurationError(f"Channel 'email': {key} must be a whole number ≥ {low}")
        for key in ("smtp_host", "route_to", "relay_host", "from_address", "from_name"):
            if not isinstance(settings[key], str):
                raise ConfigurationError(f"Channel 'email': {key} must be a string")
        self.settings = settings
        self.relay = SmtpRelay(settings["relay_host"], settings["relay_port"]) if settings["relay_host"] else None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, services: "ChannelServices") -> None:
        self.services = services
        services.timeouts.handle(RELAY_RETRY, self._retry_due)
        if self.settings["smtp_port"] and self.listener is None:
            handler = InboundHandler(self.settings["route_to"],
                                     lambda contact: services.transcripts.inbound.receive(self.name, contact),
                                     # An inbound line holds what a line of this channel may.
                                     max_text_chars=self.settings["max_reply_chars"])
            listener = Listener(self.settings["smtp_host"], self.settings["smtp_port"],
                                self.settings["max_message_bytes"], handler)
            try:
                port = await listener.start()
            except OSError as exc:  # e.g. the port is taken: the rest of the server still runs
                log.error("E-mail: cannot listen on %s:%s (%s); inbound e-mail is off",
                          self.settings["smtp_host"], self.settings["smtp_port"], exc)
            else:
                self.listener = listener
                log.info("E-mail: SMTP listener on %s:%s", self.settings["smtp_host"], port)
        if self.relay is not None and await services.transcripts.lines.undelivered(self.name, limit=1):
            # Replies left waiting: try them at once (a start often follows a fix), not only
            # when the retry time-out in the store falls due.
            services.clock.call_later(0, self._retry)

    async def stop(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None

    @property
    def smtp_port(self) -> int | None:
        return self.listener.port if self.listener else None

    # -- lines -----------------------------------------------------------------------------

    def validate_message(self, text: str) -> str:
        return check_length(self, text, self.settings["max_reply_chars"])

    def new_message_id(self) -> str:
        domain = self.settings["from_address"].rpartition("@")[2] or "backline.example"
        return new_message_id(domain)

    async def deliver(self, line: "Line") -> None:
        if not await self._send(line):
            await self._schedule_retry(self.settings["relay_retry_seconds"])

    async def _send(self, line: "Line") -> bool:
        """True when the line is dealt with (sent, or refused for good)."""
        lines = self.services.transcripts.lines
        if self.relay is None:
            await lines.mark_delivery(line.id, "held", "no SMTP relay is configured")
            return True
        try:
            thread = await lines.thread_of(line.interaction_id)
            if not thread.get("address"):
                await lines.mark_delivery(line.id, "failed", "the customer has no e-mail address")
                return True
            message = build_reply(thread, line.text, self.settings["from_address"], self.settings["from_name"],
                                  line.external_id)
            await self.relay.send(message)
        except RecipientRefused as exc:
            await lines.mark_delivery(line.id, "failed", str(exc))
            return True
        except Exception as exc:  # unreachable, timed out, refused connection: the backend is down
            log.warning("E-mail: relay %s failed: %s", self.relay.name, exc)
            await self.report_outage(f"The SMTP relay {self.relay.name} cannot be reached; replies wait.")
            return False
        await lines.mark_delivery(line.id, "sent")
        await self.report_recovery(f"The SMTP relay {self.relay.name} is reachable again; waiting replies went out.")
        return True

    async def _schedule_retry(self, seconds: float) -> None:
        if self.services is not None:
            await self.services.timeouts.schedule_once(RELAY_RETRY, 0, seconds)

    async def _retry_due(self, uow, _subject_id: int, _round: int) -> None:
        # Sending is network work: it starts once the time-out's removal has committed, not
        # inside that transaction (which would hold SQLite's writer meanwhile).
        uow.after_commit(lambda: self.services.clock.call_later(0, self._retry))

    async def _retry(self) -> None:
        """Sends the waiting replies in order; at the first failure, tries again later. Run
        twice at once (two instances), a reply is sent once: it is marked sent as it goes."""
        try:
            for line in await self.services.transcripts.lines.undelivered(self.name):
                if not await self._send(line):
                    await self._schedule_retry(self.settings["relay_retry_seconds"])
                    return
        except Exception:  # the store is closing, say: try again later, never crash the clock
            log.exception("E-mail: retrying replies failed")
            try:
                await self._schedule_retry(self.settings["relay_retry_seconds"])
            except Exception:  # noqa: BLE001 - the store is gone: the next start retries
                log.warning("E-mail: cannot schedule the next retry; the next start will")
