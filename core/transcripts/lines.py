"""Writing and reading transcript lines. A line is written inside the unit of work of the
command that writes it and announced on the `transcript` topic after commit (REL1); readers
are filtered line by line (rules.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence

from sqlmodel import col, select

from core.channels import Channel
from core.errors import InvalidInput, InvalidState, UnsupportedOperation
from core.events import Event
from core.identity.actor import Actor
from core.interactions import rules as interaction_rules
from core.interactions.models import Interaction, InteractionKind, InteractionState, Party, PartyState
from core.interactions.reading import load_parties, may_see_event
from core.interactions.work import Work
from core.transcripts import attachments as attached, rules
from core.transcripts.attachments import NewAttachment
from core.transcripts.models import TranscriptEntry

if TYPE_CHECKING:
    from core.interactions.engine import InteractionEngine

TOPIC = "transcript"
DEFAULT_MAX_CHARS = 4000


def subject(interaction_id: int) -> str:
    return f"transcript:{interaction_id}"


@dataclass(frozen=True)
class Line:
    id: int
    interaction_id: int
    party_id: int | None
    author_user_id: int | None
    author_name: str
    audience: str
    text: str
    meta: dict[str, Any]
    created_at: datetime
    from_customer: bool
    external_id: str | None = None
    html: str | None = None  # an e-mail's HTML, sanitised on arrival (EML1)

    @classmethod
    def of(cls, entry: TranscriptEntry, from_customer: bool) -> "Line":
        return cls(entry.id, entry.interaction_id, entry.party_id, entry.author_user_id, entry.author_name,
                   entry.audience, entry.text, dict(entry.meta), entry.created_at, from_customer, entry.external_id,
                   entry.html)

    @classmethod
    def from_event(cls, event: Event) -> "Line":
        p = event.payload
        return cls(p["entryId"], p["interactionId"], p.get("partyId"), p.get("authorUserId"), p["authorName"],
                   p["audience"], p["text"], dict(p.get("meta") or {}), event.at, bool(p.get("fromCustomer")),
                   html=p.get("html"))

    @property
    def attachments(self) -> list[dict[str, Any]]:
        """The stored files that came with the line (id, name, contentType, size)."""
        return [a for a in self.meta.get("attachments") or () if isinstance(a, dict) and "id" in a]


def validate_text(channel: Channel, text: str | None) -> str:
    """A channel that carries written lines says so by a `validate_message` method (its size
    limit is its own option); any other channel refuses, naming itself (CH4)."""
    validate = getattr(channel, "validate_message", None)
    if validate is None:
        raise UnsupportedOperation(channel.name, "message")
    text = (text or "").strip()
    if not text:
        raise InvalidInput("A message has some text.", field="text")
    return validate(text)


def hidden_user_ids(parties: list[Party], hidden: list[int]) -> list[int]:
    """Users all of whose parties on the interaction are hidden from a line."""
    by_user: dict[int, set[int]] = {}
    for party in parties:
        if party.user_id is not None:
            by_user.setdefault(party.user_id, set()).add(party.id)
    return sorted(user for user, ids in by_user.items() if ids <= set(hidden))


class Lines:
    def __init__(self, engine: "InteractionEngine") -> None:
        self.engine = engine

    async def write(self, work: Work, interaction: Interaction, author: Party | None, text: str,
                    audience: rules.LineAudience = rules.LineAudience.CUSTOMER, *, author_name: str | None = None,
                    meta: dict[str, Any] | None = None, external_id: str | None = None,
                    validated: bool = False, html: str | None = None,
                    attachments: Sequence[NewAttachment] = ()) -> TranscriptEntry:
        if not validated:
            text = validate_text(work.channel(interaction), text)
        parties = await work.parties(interaction)
        internal = interaction.kind is not InteractionKind.CUSTOMER
        audience = rules.audience_for(audience, author, internal)
        hidden = rules.hidden_from(parties, author)
        from_customer = author is not None and author.role.value == "customer"
        entry = TranscriptEntry(interaction_id=interaction.id, party_id=author.id if author else None,
                                author_user_id=author.user_id if author else None,
                                author_name=(author_name or (author.display_name if author else "System"))[:160],
                                audience=audience.value, text=text, html=html, hidden_from=hidden,
                                meta=dict(meta or {}), external_id=external_id, created_at=work.now)
        work.session.add(entry)
        await work.session.flush()
        if attachments:  # stored with the line, in its unit of work; its details list them by id
            entry.meta = {**entry.meta, "attachments": await attached.store(work.session, entry, attachments)}
        work.touch(interaction)
        work.uow.record(Event(
            topic=TOPIC, kind="LineWritten", at=work.now, actor_id=work.actor_id, subject=subject(interaction.id),
            payload={
                "interactionId": interaction.id, "channel": interaction.channel, "entryId": entry.id,
                "partyId": entry.party_id, "authorUserId": entry.author_user_id, "authorName": entry.author_name,
                "audience": entry.audience, "text": text, "meta": entry.meta, "fromCustomer": from_customer,
                **({"html": html} if html is not None else {}),
                "hiddenFrom": hidden, "hiddenUserIds": hidden_user_ids(parties, hidden),
                "visibleTo": interaction_rules.visible_user_ids(parties),
                "teamIds": interaction_rules.team_ids(parties),
            },
        ))
        return entry

    # -- agents ----------------------------------------------------------------------------

    async def post(self, actor: Actor, interaction_id: int, text: str, internal: bool = False) -> Line:
        """An agent writes on an interaction it is connected to; `internal` makes an internal
        note the customer never reads."""
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, actor.user_id)
            interaction = await work.interaction(interaction_id)
            interaction_rules.require_visible(actor, await work.parties(interaction), interaction_id)  # SEC5
            text = validate_text(work.channel(interaction), text)
            leg = interaction_rules.require_leg(actor, await work.parties(interaction), interaction_id,
                                                (PartyState.CONNECTED,), "write on it")
            if interaction.state is InteractionState.ENDED:
                raise InvalidState("The interaction has ended.")
            audience = rules.LineAudience.INTERNAL if internal else rules.LineAudience.CUSTOMER
            channel = work.channel(interaction)
            # A channel that sends lines out (e-mail) names them and delivers them after commit.
            deliver = getattr(channel, "deliver", None)
            outbound = deliver is not None and not internal and interaction.kind is InteractionKind.CUSTOMER
            make_id = getattr(channel, "new_message_id", None)
            entry = await self.write(work, interaction, leg, text, audience, validated=True,
                                     meta={"delivery": "pending"} if outbound else None,
                                     external_id=make_id() if outbound and make_id else None)
            work.finish()
        line = Line.of(entry, from_customer=False)
        if outbound:
            await deliver(line)  # never raises: a failing backend is reported (MSG1) and retried
        return line

    # -- outbound delivery -----------------------------------------------------------------

    async def thread_of(self, interaction_id: int) -> dict[str, Any]:
        """What a channel needs to send a reply: the customer's address and name, the first
        subject and the ids of the lines so far (for In-Reply-To / References)."""
        async with self.engine.store.read() as session:
            parties = await load_parties(session, interaction_id)
            customer = next((p for p in parties if p.role.value == "customer"), None)
            entries = list((await session.exec(select(TranscriptEntry).where(
                TranscriptEntry.interaction_id == interaction_id).order_by(col(TranscriptEntry.id)))).all())
        customer_ids = {p.id for p in parties if p.role.value == "customer"}
        return {
            "address": customer.address if customer else None,
            "name": customer.display_name if customer else None,
            "subject": next((e.meta.get("subject") for e in entries if e.meta.get("subject")), ""),
            "ids": [e.external_id for e in entries if e.external_id],
            "last_from_customer": next((e.external_id for e in reversed(entries)
                                        if e.party_id in customer_ids and e.external_id), None),
        }

    async def mark_delivery(self, entry_id: int, status: str, detail: str = "") -> None:
        async with self.engine.store.write() as uow:
            entry = await uow.session.get(TranscriptEntry, entry_id)
            if entry is not None:
                entry.meta = {**entry.meta, "delivery": status, **({"deliveryDetail": detail[:200]} if detail else {})}
                uow.session.add(entry)

    async def undelivered(self, channel: str, limit: int = 500) -> list[Line]:
        """Outbound lines not sent yet (after a restart or while the backend is down)."""
        async with self.engine.store.read() as session:
            rows = (await session.exec(
                select(TranscriptEntry).join(Interaction, col(Interaction.id) == col(TranscriptEntry.interaction_id))
                .where(Interaction.channel == channel, col(TranscriptEntry.author_user_id).is_not(None),
                       col(TranscriptEntry.external_id).is_not(None))
                .order_by(col(TranscriptEntry.id)).limit(limit))).all()
            return [Line.of(e, False) for e in rows if e.meta.get("delivery") == "pending"]

    async def for_agent(self, actor: Actor, interaction_id: int, first: int,
                        after: int | None = None) -> tuple[list[Line], bool]:
        async with self.engine.store.read() as session:
            parties = await self.reader_parties(session, actor, interaction_id)
            if parties is None:
                raise interaction_rules.unknown_interaction(interaction_id)
            mine = [p.id for p in parties if p.user_id == actor.user_id]
            customers = {p.id for p in parties if p.role.value == "customer"}
            entries, more = await self._page(session, interaction_id, first, after,
                                             lambda e: rules.agent_reads(e.hidden_from, mine))
            return [Line.of(e, e.party_id in customers) for e in entries], more

    async def reader_parties(self, session, actor: Actor, interaction_id: int) -> list[Party] | None:
        """The interaction's parties when `actor` may read its lines (SEC1, CON3), else None
        (an unknown interaction too). Which lines it reads is then `rules.agent_reads`."""
        if await session.get(Interaction, interaction_id) is None:
            return None
        parties = await load_parties(session, interaction_id)
        if interaction_rules.may_read(actor, parties) or await self._consulted_about(session, actor, interaction_id):
            return parties
        return None

    async def _consulted_about(self, session, actor: Actor, interaction_id: int) -> bool:
        """CON3: a party of a consultation reads the transcript it is consulted about."""
        row = (await session.exec(
            select(Party.id).join(Interaction, col(Interaction.id) == col(Party.interaction_id))
            .where(Interaction.parent_id == interaction_id, Party.user_id == actor.user_id)
        )).first()
        return row is not None

    @staticmethod
    async def _page(session, interaction_id: int, first: int, after: int | None, keep) -> tuple[list, bool]:
        query = select(TranscriptEntry).where(TranscriptEntry.interaction_id == interaction_id)
        if after is not None:
            query = query.where(col(TranscriptEntry.id) > after)
        kept: list[TranscriptEntry] = []
        # Filtered in Python (hidden lines are few); read in batches until the page is full.
        while len(kept) <= first:
            batch = list((await session.exec(query.order_by(col(TranscriptEntry.id)).limit(200))).all())
            kept.extend(e for e in batch if keep(e))
            if len(batch) < 200:
                break
            query = query.where(col(TranscriptEntry.id) > batch[-1].id)
        return kept[:first], len(kept) > first

    @staticmethod
    def agent_sees(actor: Actor, event: Event) -> bool:
        return may_see_event(actor, event) and actor.user_id not in event.payload.get("hiddenUserIds", ())

    # -- the customer ----------------------------------------------------------------------

    async def for_customer(self, interaction_id: int, customer_party_id: int, first: int,
                           after: int | None = None) -> tuple[list[Line], bool]:
        async with self.engine.store.read() as session:
            entries, more = await self._page(
                session, interaction_id, first, after,
                lambda e: rules.customer_reads(e.audience, e.hidden_from, customer_party_id))
            return [Line.of(e, e.party_id == customer_party_id) for e in entries], more

    @staticmethod
    def customer_sees(interaction_id: int, customer_party_id: int, event: Event) -> bool:
        p = event.payload
        return p.get("interactionId") == interaction_id and rules.customer_reads(
            p.get("audience", ""), p.get("hiddenFrom", ()), customer_party_id)
