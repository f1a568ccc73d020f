"""Interactions over GraphQL: inbound contacts (integration), offers (accept, decline,
cancel), call control (hold, retrieve, alternate, release, DTMF, attached data),
consultations, single-step transfers, conferences, and the interaction's events live."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, AsyncGenerator, Awaitable, Callable

import strawberry
from strawberry.relay import PageInfo, to_base64
from strawberry.types.info import Info

from core.interactions import rules
from core.interactions.allowed import PartyAction as CorePartyAction
from core.interactions.consultations import Completion
from core.interactions import reasons
from core.interactions.models import InteractionState as CoreState
from core.interactions.models import Offer as CoreOffer
from core.interactions.models import OfferState as CoreOfferState
from core.interactions.models import Party as CoreParty
from core.interactions.models import PartyRole as CoreRole
from core.interactions.models import PartyState as CorePartyState
from core.interactions.reading import may_see_event
from core.interactions.view import InteractionView
from core.interactions.work import TOPIC
from schema.arguments import cursor_id, int_id, page_size, sid
from schema.channels import Operation as ChannelOperation
from schema.errors import attempt, result_union
from schema.interaction_events import (
    EndReason, InteractionEvent, InteractionKind, OfferPurpose, OfferState,
    PartyRole, PartyState, event_of,
)
from schema.streams import PAGE, After, at, every_page, following

InteractionState = strawberry.enum(CoreState, name="InteractionState")
CompletionKind = strawberry.enum(Completion, name="ConsultationCompletion")
PartyAction = strawberry.enum(CorePartyAction, name="PartyAction", description="Something done to one party.")



@strawberry.type
class KeyValue:
    key: str
    value: str


@strawberry.input
class KeyValueInput:
    key: str
    value: str


def pairs(data: dict) -> list[KeyValue]:
    return [KeyValue(key=k, value=str(v)) for k, v in sorted(data.items())]


def as_dict(entries: list[KeyValueInput] | None) -> dict[str, str]:
    return {entry.key: entry.value for entry in entries or []}


@strawberry.type(description="A person on an interaction: the customer, an agent, an outside party.")
class Party:
    id: strawberry.ID
    user_id: strawberry.ID | None
    address: str | None
    display_name: str
    role: PartyRole
    state: PartyState
    muted: bool = strawberry.field(description="Heard by nobody (CNF6).")
    muted_towards: list[strawberry.ID] = strawberry.field(description="Parties that do not hear this one.")
    removed: bool
    joined_at: datetime
    left_at: datetime | None
    hears: list[strawberry.ID] = strawberry.field(description="Parties this one hears now (CNF6).")
    heard_by: list[strawberry.ID] = strawberry.field(
        description="Parties that hear this one now (CNF6, SUP1, SUP2): a front end renders it as is.")
    invited_as: OfferPurpose | None = strawberry.field(description=(
        "While a request rings this party: what it asks (ROUTE, TRANSFER, CONSULT, CONFERENCE) and the "
        "offer; null once it answered. A pending transfer or conference target is marked so."))
    offer_id: strawberry.ID | None
    core: strawberry.Private[CoreParty]
    view: strawberry.Private[InteractionView]

    @strawberry.field(description=(
        "What you may do to this party now: MUTE (CNF6: yourself, or as the owner, a supervisor or an "
        "administrator), REMOVE (CNF7: a conference participant, where your account permits it); the server "
        "decides, the desktop renders."))
    def allowed_actions(self, info: Info) -> list[PartyAction]:
        allowed = info.context.backline.interactions.allowed_on_party(info.context.actor, self.view, self.core)
        return sorted(allowed, key=lambda action: action.value)

    @classmethod
    def of(cls, party: CoreParty, view: InteractionView, hearing: dict[int, list[int]],
           ringing: dict[int, CoreOffer]) -> "Party":
        offer = ringing.get(party.id)
        return cls(id=sid(party.id), user_id=sid(party.user_id), address=party.address,
                   display_name=party.display_name, role=party.role, state=party.state, muted=party.muted,
                   muted_towards=[sid(p) for p in party.muted_towards], removed=party.removed,
                   joined_at=party.joined_at, left_at=party.left_at,
                   hears=[sid(p) for p in hearing.get(party.id, [])],
                   heard_by=[sid(p) for p in rules.heard_by(party, hearing)],
                   invited_as=offer.purpose if offer else None, offer_id=sid(offer.id) if offer else None,
                   core=party, view=view)


@strawberry.type(description="A request for a target to join: it rings one agent or waits in order.")
class Offer:
    id: strawberry.ID
    purpose: OfferPurpose
    state: OfferState
    target_id: strawberry.ID | None
    target_name: str
    requester_id: strawberry.ID | None
    ringing_user_id: strawberry.ID | None
    accepted_by: strawberry.ID | None
    position: int | None = strawberry.field(description="Place among the waiting requests (1 = next).")
    reason: str | None = strawberry.field(description="Why it ended: declined, no answer, cancelled …")
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, offer: CoreOffer, position: int | None) -> "Offer":
        return cls(id=sid(offer.id), purpose=offer.purpose, state=offer.state, target_id=sid(offer.target_id),
                   target_name=offer.target_name, requester_id=sid(offer.requester_id),
                   ringing_user_id=sid(offer.ringing_user_id), accepted_by=sid(offer.accepted_by),
                   position=position, reason=offer.reason, created_at=offer.created_at, closed_at=offer.closed_at)


@strawberry.type
class InteractionEventEdge:
    cursor: str
    node: InteractionEvent


@strawberry.type
class InteractionEventConnection:
    edges: list[InteractionEventEdge]
    page_info: PageInfo


@strawberry.type(description="What a consulted member reads of the interaction it is consulted about (CON3).")
class ParentContext:
    interaction_id: strawberry.ID
    channel: str
    context: list[KeyValue]
    contact: list[KeyValue]


@strawberry.type(description="A call, chat, e-mail, consultation …, with its parties and requests.")
class Interaction:
    id: strawberry.ID
    channel: str
    kind: InteractionKind
    state: InteractionState
    inbound: bool
    parent_id: strawberry.ID | None
    destination: str | None
    context: list[KeyValue] = strawberry.field(description="Attached data; it travels along (TRF2).")
    contact: list[KeyValue]
    created_at: datetime
    ended_at: datetime | None
    end_reason: EndReason | None
    end_reason_text: str | None = strawberry.field(description="Why it ended, for people.")
    parties: list[Party] = strawberry.field(description=(
        "Everyone who is or was on it; one who left keeps its role, with state LEFT (see owner)."))
    offers: list[Offer]
    view: strawberry.Private[InteractionView]

    @strawberry.field(description="The agent who handles it now: its live OWNER party (null while it rings or "
                                  "once ended).")
    def owner(self) -> Party | None:
        return next((p for p in self.parties if p.role is CoreRole.OWNER and p.state is not CorePartyState.LEFT),
                    None)

    @strawberry.field(description="The consultations about it that you may read, oldest first (CON2).")
    async def consultations(self, info: Info) -> list["Interaction"]:
        ctx = info.context
        return [Interaction.of(v) for v in await ctx.backline.interactions.reading.consultations(ctx.actor, int(self.id))]

    @strawberry.field(description="What the caller may do on it now (hold, consult, transfer …); the "
                                  "server decides, the desktop renders.")
    def allowed_operations(self, info: Info) -> list[ChannelOperation]:
        allowed = info.context.backline.interactions.allowed(info.context.actor, self.view)
        return sorted(allowed, key=lambda op: op.value)

    @strawberry.field(description="For a consultation: the context and contact of the interaction it is about.")
    async def parent(self, info: Info) -> ParentContext | None:
        if self.parent_id is None:
            return None
        ctx = info.context
        found = await ctx.backline.interactions.reading.parent_context(ctx.actor, int(self.id))
        return ParentContext(interaction_id=sid(found.interaction_id), channel=found.channel,
                             context=pairs(found.context), contact=pairs(found.contact))

    @strawberry.field(description="Every event of this interaction, oldest first (REL3).")
    async def history(self, info: Info, first: int | None = None,
                      after: str | None = None) -> InteractionEventConnection:
        ctx = info.context
        events, has_next = await ctx.backline.interactions.reading.history(
            ctx.actor, int(self.id), page_size(info, first), cursor_id(after, "InteractionEvent"))
        edges = [InteractionEventEdge(cursor=to_base64("InteractionEvent", e.id), node=event_of(e))
                 for e in events]
        return InteractionEventConnection(edges=edges, page_info=PageInfo(
            has_next_page=has_next, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None))

    @classmethod
    def of(cls, view: InteractionView) -> "Interaction":
        i = view.interaction
        hearing = rules.hears(view.parties)
        ringing = {o.ringing_party_id: o for o in view.offers
                   if o.state is CoreOfferState.RINGING and o.ringing_party_id is not None}
        return cls(id=sid(i.id), channel=i.channel, kind=i.kind, state=i.state, inbound=i.inbound,
                   parent_id=sid(i.parent_id), destination=i.destination, context=pairs(i.context),
                   contact=pairs(i.contact), created_at=i.created_at, ended_at=i.ended_at,
                   end_reason=reasons.end_reason(i.end_reason), end_reason_text=reasons.end_text(i.end_reason),
                   parties=[Party.of(p, view, hearing, ringing) for p in view.parties],
                   offers=[Offer.of(o, view.positions.get(o.id)) for o in view.offers], view=view)


@strawberry.type
class InteractionEdge:
    cursor: str
    node: Interaction


@strawberry.type
class InteractionConnection:
    edges: list[InteractionEdge]
    page_info: PageInfo


@strawberry.input(description="An inbound customer contact, as a switch or a chat server reports it.")
class CustomerContactInput:
    to: str = strawberry.field(description="`queue:Support`, `group:Français`, `agent:marie.dupont`, `routing:5100`.")
    from_: str = strawberry.field(name="from", description="The customer's address (phone number, e-mail).")
    channel: str = "voice"
    context: list[KeyValueInput] | None = None
    contact: list[KeyValueInput] | None = None


InteractionResult = result_union("InteractionResult", Interaction)


async def run(call: Callable[[], Awaitable[InteractionView]]) -> object:
    """A command whose answer is the interaction (ids parsed inside the guard, typed too)."""
    return await attempt(call, Interaction.of)


@strawberry.type
class Query:
    @strawberry.field(description="One interaction the caller is a party to, supervises or administers.")
    async def interaction(self, info: Info, id: strawberry.ID) -> Interaction:
        ctx = info.context
        return Interaction.of(await ctx.backline.interactions.reading.get(ctx.actor, int_id(id, "id")))

    @strawberry.field(description="The caller's interactions, newest first; live ones unless includeEnded.")
    async def my_interactions(self, info: Info, first: int | None = None, after: str | None = None,
                              include_ended: bool = False) -> InteractionConnection:
        ctx = info.context
        views, has_next = await ctx.backline.interactions.reading.mine(
            ctx.actor, include_ended, page_size(info, first), cursor_id(after, "Interaction"))
        edges = [InteractionEdge(cursor=to_base64("Interaction", v.interaction.id), node=Interaction.of(v))
                 for v in views]
        return InteractionConnection(edges=edges, page_info=PageInfo(
            has_next_page=has_next, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None))


@strawberry.type
class Mutation:
    # -- inbound contacts (integration) ----------------------------------------------
    @strawberry.mutation(description="Integration: a customer contact arrives at an agent, group, queue or "
                                     "routing point; it rings one available agent or waits (GRP3, GRP4).")
    async def create_customer_interaction(self, info: Info, input: CustomerContactInput) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.inbound.create(
            ctx.actor, input.channel, input.from_, input.to, as_dict(input.context), as_dict(input.contact)))

    @strawberry.mutation(description="Integration: the customer hung up.")
    async def customer_hang_up(self, info: Info, interaction_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.inbound.hang_up(
            ctx.actor, int_id(interaction_id, "interactionId")))

    # -- offers ----------------------------------------------------------------------
    @strawberry.mutation(description="Take a request that rings you, or one waiting for your pool (REL2: "
                                     "one winner, the other gets CONFLICT).")
    async def accept_offer(self, info: Info, offer_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.routing.accept(ctx.actor, int_id(offer_id, "offerId")))

    @strawberry.mutation(description="Decline a request that rings you.")
    async def decline_offer(self, info: Info, offer_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.routing.decline(ctx.actor, int_id(offer_id, "offerId")))

    @strawberry.mutation(description="Cancel your request while it rings or waits (GRP4).")
    async def cancel_offer(self, info: Info, offer_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.routing.cancel(ctx.actor, int_id(offer_id, "offerId")))

    # -- call control ----------------------------------------------------------------
    @strawberry.mutation(description="Put your leg on hold.")
    async def hold(self, info: Info, interaction_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.calls.hold(ctx.actor, int_id(interaction_id, "interactionId")))

    @strawberry.mutation(description="Take a held interaction back; on voice your other call goes on hold.")
    async def retrieve(self, info: Info, interaction_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.calls.retrieve(ctx.actor, int_id(interaction_id, "interactionId")))

    @strawberry.mutation(description="Switch to this held call, holding the one you talk on (CON4).")
    async def alternate(self, info: Info, interaction_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.calls.retrieve(
            ctx.actor, int_id(interaction_id, "interactionId"), alternating=True))

    @strawberry.mutation(description="Hang up or leave: ends a two-party interaction, leaves a conference "
                                     "(CNF4, CNF5), ends a consultation (CON5).")
    async def release(self, info: Info, interaction_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.calls.release(ctx.actor, int_id(interaction_id, "interactionId")))

    @strawberry.mutation(description="Send keypad digits (DTMF) on your connected leg.")
    async def send_dtmf(self, info: Info, interaction_id: strawberry.ID, digits: str) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.calls.send_dtmf(
            ctx.actor, int_id(interaction_id, "interactionId"), digits))

    @strawberry.mutation(description="Add or replace attached data (and remove keys); it travels along (TRF2).")
    async def attach_data(self, info: Info, interaction_id: strawberry.ID, data: list[KeyValueInput],
                          remove: list[str] | None = None) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.calls.attach_data(
            ctx.actor, int_id(interaction_id, "interactionId"), as_dict(data), remove))

    @strawberry.mutation(description=(
        "Call a target the directory found, from its Action menu (CALL1): an internal call that "
        "rings a colleague, or one available member of a group (or waits in line, GRP3/GRP4). "
        "You are connected on it at once; it opens when the target accepts and ends on a "
        "decline or no answer. Then hold, consult, transfer and conference apply as on any call. "
        "`channel`: one that places calls (default: the first enabled, as the Action menu shows)."))
    async def call_target(self, info: Info, target_id: strawberry.ID, channel: str | None = None) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.direct.call(ctx.actor, int_id(target_id, "targetId"), channel))

    # -- consultation ----------------------------------------------------------------
    @strawberry.mutation(description="Consult a colleague or internal target about this interaction (CON1); "
                                     "returns the consultation. The customer is not on it (CON2).")
    async def start_consultation(self, info: Info, interaction_id: strawberry.ID, target_id: strawberry.ID,
                                 channel: str | None = None) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.consultations.start(
            ctx.actor, int_id(interaction_id, "interactionId"), int_id(target_id, "targetId"), channel))

    @strawberry.mutation(description="End the consultation and take the original interaction back (CON4).")
    async def end_consultation_and_retrieve(self, info: Info, consultation_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.consultations.end_and_retrieve(
            ctx.actor, int_id(consultation_id, "consultationId")))

    @strawberry.mutation(description="Turn the consultation into a transfer or a conference in one step (CON7).")
    async def complete_consultation(self, info: Info, consultation_id: strawberry.ID,
                                    as_: Annotated[CompletionKind, strawberry.argument(name="as")]) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.consultations.complete(
            ctx.actor, int_id(consultation_id, "consultationId"), Completion(as_)))

    # -- transfer --------------------------------------------------------------------
    @strawberry.mutation(description="Single-step transfer to an agent, group, queue or routing point (TRF1).")
    async def transfer(self, info: Info, interaction_id: strawberry.ID, target_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.transfers.single_step(
            ctx.actor, int_id(interaction_id, "interactionId"), int_id(target_id, "targetId")))

    # -- conference ------------------------------------------------------------------
    @strawberry.mutation(description="Add a person, group, routing point, queue or skill (targetId), or an "
                                     "outside number (address), to the call (CNF1).")
    async def add_to_conference(self, info: Info, interaction_id: strawberry.ID,
                                target_id: strawberry.ID | None = None,
                                address: str | None = None) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.conferences.add(
            ctx.actor, int_id(interaction_id, "interactionId"),
            int_id(target_id, "targetId") if target_id is not None else None, address))

    @strawberry.mutation(description="Remove a participant, where your account permits it (CNF7).")
    async def remove_from_conference(self, info: Info, interaction_id: strawberry.ID,
                                     party_id: strawberry.ID) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.conferences.remove(
            ctx.actor, int_id(interaction_id, "interactionId"), int_id(party_id, "partyId")))

    @strawberry.mutation(description="Mute a party for everyone, or towards one party only (CNF6).")
    async def mute_party(self, info: Info, interaction_id: strawberry.ID, party_id: strawberry.ID,
                         towards_party_id: strawberry.ID | None = None) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.conferences.mute(
            ctx.actor, int_id(interaction_id, "interactionId"), int_id(party_id, "partyId"), True,
            int_id(towards_party_id, "towardsPartyId") if towards_party_id is not None else None))

    @strawberry.mutation(description="Undo a mute (for everyone, or towards one party).")
    async def unmute_party(self, info: Info, interaction_id: strawberry.ID, party_id: strawberry.ID,
                           towards_party_id: strawberry.ID | None = None) -> InteractionResult:
        ctx = info.context
        return await run(lambda: ctx.backline.interactions.conferences.mute(
            ctx.actor, int_id(interaction_id, "interactionId"), int_id(party_id, "partyId"), False,
            int_id(towards_party_id, "towardsPartyId") if towards_party_id is not None else None))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Events of the interactions the caller may see, live; with an "
                                         "interactionId, its history so far first. A consultation's events "
                                         "reach only its parties (CON2).")
    async def interaction_events(self, info: Info, interaction_id: strawberry.ID | None = None,
                                 after: After = None,
                                 ) -> AsyncGenerator[InteractionEvent, None]:
        actor = info.context.actor
        engine = info.context.backline.interactions
        wanted = int_id(interaction_id, "interactionId") if interaction_id is not None else None
        async with following(info.context.backline, {TOPIC}, after) as stream:
            if wanted is not None and not stream.resumed:
                async for event in every_page(lambda since: engine.reading.history(actor, wanted, PAGE, since)):
                    stream.passed(event.id)
                    yield at(event_of(event), event.id)
            async for event in stream:
                if wanted is not None and event.payload.get("interactionId") != wanted:
                    continue
                if may_see_event(actor, event):
                    yield at(event_of(event), event.id)
