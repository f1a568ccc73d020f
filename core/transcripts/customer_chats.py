"""Customer-started chats. A customer with no account starts a chat on a queue, group or
routing point and gets a token for that chat only; it writes as the chat's customer party
and reads only what rules.customer_reads allows. Leaving ends the customer's side only:
the chat closes when its agents are done (CH2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.channels import Audience
from core.errors import InvalidInput, InvalidState, UnsupportedOperation
from core.identity.guests import Guest
from core.interactions import targets
from core.interactions.models import (
    Interaction, InteractionKind, InteractionState, OfferPurpose, Party, PartyRole, PartyState,
)
from core.interactions.reading import load_parties
from core.interactions.work import Work
from core.transcripts import rules
from core.transcripts.lines import Line, validate_text

if TYPE_CHECKING:
    from core.identity.guests import GuestTokens
    from core.interactions.engine import InteractionEngine
    from core.transcripts.lines import Lines

MAX_NAME = 80
MAX_EMAIL = 160


@dataclass(frozen=True)
class ChatParty:
    """What the customer knows of a party: a name and whether it is there."""

    display_name: str
    is_customer: bool
    present: bool


@dataclass(frozen=True)
class CustomerChat:
    interaction_id: int
    channel: str
    state: InteractionState
    customer_present: bool
    parties: list[ChatParty]


def customer_view(interaction: Interaction, parties: list[Party], guest: Guest) -> CustomerChat:
    shown = [ChatParty(p.display_name, p.id == guest.party_id, p.state in (PartyState.CONNECTED, PartyState.HELD))
             for p in parties if rules.customer_facing(p) and p.state is not PartyState.ALERTING
             and not (p.state is PartyState.LEFT and p.user_id is None and p.id != guest.party_id)]
    me = next(p for p in parties if p.id == guest.party_id)
    return CustomerChat(interaction.id, interaction.channel, interaction.state,
                        me.state is not PartyState.LEFT, shown)


class CustomerChats:
    def __init__(self, engine: "InteractionEngine", lines: "Lines", guests: "GuestTokens") -> None:
        self.engine, self.lines, self.guests = engine, lines, guests

    async def start(self, channel_name: str, to: str, name: str, first_message: str,
                    email: str | None = None) -> tuple[str, CustomerChat]:
        channel = self.engine.channels.get(channel_name)
        if channel.capabilities.audience is not Audience.CUSTOMER or not getattr(channel, "customer_sessions", False):
            raise UnsupportedOperation(channel.name, "customer session",
                                       f"A customer cannot start a {channel.name} session here.")
        name = (name or "").strip()
        if not name or len(name) > MAX_NAME:
            raise InvalidInput(f"Your name is 1 to {MAX_NAME} characters.", field="name")
        email = (email or "").strip() or None
        if email is not None and (len(email) > MAX_EMAIL or "@" not in email):
            raise InvalidInput("That is not an e-mail address.", field="email")
        text = validate_text(channel, first_message)
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, None)
            target = await targets.target_by_destination(work.rows, to)
            if targets.is_person(target):
                raise InvalidInput("A chat starts on a queue, a group or a routing point.", field="to")
            contact = {"name": name, **({"email": email} if email else {})}
            interaction = await work.create(channel=channel.name, kind=InteractionKind.CUSTOMER,
                                            state=InteractionState.ROUTING, inbound=True, destination=to[:160],
                                            contact=contact, created_at=work.now)
            await work.parties(interaction)
            work.record(interaction, "InteractionCreated", caller=name, destination=to, targetName=target.name)
            customer = await work.add_party(interaction, PartyRole.CUSTOMER, PartyState.HELD, address=email,
                                            display_name=name)
            token = await self.guests.issue(uow, interaction.id, customer.id, name)
            await self.lines.write(work, interaction, customer, text, validated=True)
            await self.engine.routing.open(work, interaction, OfferPurpose.ROUTE, target, requester_id=None)
            work.finish()
            guest = Guest(interaction.id, customer.id, name)
            return token, customer_view(interaction, await work.parties(interaction), guest)

    async def view(self, guest: Guest) -> CustomerChat:
        async with self.engine.store.read() as session:
            interaction = await session.get(Interaction, guest.interaction_id)
            return customer_view(interaction, await load_parties(session, guest.interaction_id), guest)

    async def post(self, guest: Guest, text: str) -> Line:
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, None)
            interaction = await work.interaction(guest.interaction_id)
            text = validate_text(work.channel(interaction), text)
            me = next(p for p in await work.parties(interaction) if p.id == guest.party_id)
            if me.state is PartyState.LEFT or interaction.state is InteractionState.ENDED:
                raise InvalidState("This chat is over for you.")
            entry = await self.lines.write(work, interaction, me, text, validated=True)
            work.finish()
            return Line.of(entry, from_customer=True)

    async def leave(self, guest: Guest) -> CustomerChat:
        async with self.engine.store.write() as uow:
            work = Work(self.engine, uow, None)
            interaction = await work.interaction(guest.interaction_id)
            parties = await work.parties(interaction)
            me = next(p for p in parties if p.id == guest.party_id)
            if me.state is PartyState.LEFT:
                raise InvalidState("You already left this chat.")
            await work.set_state(interaction, me, PartyState.LEFT, because="customer_left")
            work.record(interaction, "CustomerLeft", partyId=me.id)
            # Nobody took it yet: there is no agent to mark it done.
            if interaction.state is InteractionState.ROUTING:
                await work.end(interaction, "customer_left")
            work.finish()
            return customer_view(interaction, parties, guest)
