"""EVT1: every event a stream or the history delivers is a typed object: one GraphQL type per
kind, its fields in the schema's own enums and IDs, read without the (deprecated) payload;
and an interaction reads plainly (its current owner, its consultations, the pending target
marked, why it ended as an enum)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.interactions.work import TOPIC
from schema.app import create_app
from schema.interaction_events import _TYPES
from tests.e2e.desk import (
    BY_ID, COMPLETE, CONSULT, TRANSFER, answered_call, ok, open_offer, ready_agent, target_id,
)
from tests.support.servers import serve_in_loop
from tests.support.ws import Collector, until_subscribed, ws_session

REPO = Path(__file__).resolve().parents[2]

TYPED = """
fragment E on InteractionEvent {
  __typename kind interactionId channel interactionKind knownTo
  ... on PartyStateChangedEvent { partyId userId role state previous because }
  ... on OfferRingingEvent { offerId purpose userId partyId targetName }
  ... on OfferClosedEvent { offerId purpose outcome reason requesterId }
  ... on OfferUnansweredEvent { offerId outcome userId }
  ... on OfferAcceptedEvent { offerId userId partyId }
  ... on InteractionEndedEvent { endReason endReasonText }
  ... on ConsultationStartedEvent { parentId targetName }
  ... on PartyAddedEvent { partyId role state displayName }
}"""
EVENTS = TYPED + "subscription($id: ID) { interactionEvents(interactionId: $id) { ...E } }"
CUSTOMER_EVENTS = TYPED + "subscription($id: ID!) { customerInteractionEvents(interactionId: $id) { ...E } }"
HISTORY = TYPED + "query($id: ID!) { interaction(id: $id) { history(first: 100) { edges { node { ...E } } } } }"
READ = """query($id: ID!) { interaction(id: $id) {
  state endReason endReasonText owner { id userId role state }
  parties { id userId role state invitedAs offerId }
  consultations { id kind state parentId } } }"""


def typed(items: list[dict], field: str) -> list[dict]:
    return [item[field] for item in items]


def of_type(events: list[dict], typename: str) -> list[dict]:
    return [e for e in events if e["__typename"] == typename]


def test_evt1_every_kind_of_event_the_code_records_has_its_own_type():
    """A kind recorded anywhere (core, channels) without a GraphQL type would reach clients as
    OtherInteractionEvent, readable only through the deprecated payload."""
    recorded = set()
    for path in [*REPO.glob("core/**/*.py"), *REPO.glob("channels/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'\.record\(\s*\w+,\s*"([A-Z]\w+)"', text))
        recorded |= set(re.findall(r'"(Party(?:Muted|Unmuted))"', text))
    assert len(recorded) > 25
    assert recorded - set(_TYPES) == set()


def test_evt1_a_field_name_has_one_type_across_every_event_type():
    """So that one fragment can select every kind at once (GraphQL's overlapping-fields rule)."""
    from graphql import build_schema as from_sdl

    from schema.root import build_schema

    schema = from_sdl(build_schema().as_str())  # the public SDL, as a client sees it
    seen: dict[str, tuple[str, str]] = {}
    for typename in [f"{kind}Event" for kind in _TYPES]:
        for name, field in schema.get_type(typename).fields.items():
            earlier = seen.setdefault(name, (str(field.type), typename))
            assert earlier[0] == str(field.type), (name, earlier, typename, str(field.type))


async def test_evt1_a_calls_events_arrive_typed_over_a_real_socket(backline, api, client_for, clock):
    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    async with serve_in_loop(create_app(backline)) as base, ws_session(base, camille.token) as session:
        already = backline.bus.subscriber_count(TOPIC)
        stream = Collector(session, EVENTS)
        try:
            await until_subscribed(backline.bus, TOPIC, already + 1)
            call = await answered_call(backline, admin, camille)
            consultation = await ok(camille, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
            await ok(marie, BY_ID["declineOffer"], id=open_offer(consultation)["id"])
            await ok(admin, BY_ID["customerHangUp"], id=call["id"])
            items = typed(await stream.wait_for(1), "interactionEvents")
            while not any(e["__typename"] == "InteractionEndedEvent" and e["interactionId"] == call["id"]
                          for e in items):
                items = typed(await stream.wait_for(len(items) + 1), "interactionEvents")
        finally:
            await stream.close()
    mine = camille.me["id"]
    on_call = [e for e in items if e["interactionId"] == call["id"]]
    assert {e["channel"] for e in on_call} == {"voice"} and {e["interactionKind"] for e in on_call} == {"CUSTOMER"}
    [accepted] = of_type(on_call, "OfferAcceptedEvent")
    assert accepted["userId"] == mine and isinstance(accepted["offerId"], str)
    held = [e for e in of_type(on_call, "PartyStateChangedEvent") if e["userId"] == mine and e["state"] == "HELD"]
    assert (held[0]["previous"], held[0]["because"], held[0]["role"]) == ("CONNECTED", "ANOTHER_CALL_TAKEN", "OWNER")
    on_consultation = [e for e in items if e["interactionId"] == consultation["id"]]
    [started] = of_type(on_consultation, "ConsultationStartedEvent")
    assert (started["parentId"], started["targetName"]) == (call["id"], "Marie Dupont")
    [ringing] = of_type(on_consultation, "OfferRingingEvent")
    assert (ringing["purpose"], ringing["userId"]) == ("CONSULT", marie.me["id"])
    [declined] = of_type(on_consultation, "OfferClosedEvent")
    assert (declined["outcome"], declined["purpose"], declined["requesterId"]) == ("DECLINED", "CONSULT", mine)
    assert declined["reason"] == "declined by Marie Dupont"
    consultation_end = of_type(on_consultation, "InteractionEndedEvent")[0]
    assert consultation_end["endReason"] == "DECLINED" and "declined" in consultation_end["endReasonText"]
    [ended] = of_type(on_call, "InteractionEndedEvent")
    assert (ended["endReason"], ended["endReasonText"]) == ("CUSTOMER_HUNG_UP", "The customer hung up.")
    # The history reads the same typed events.
    history = [e["node"] for e in (await camille.execute(HISTORY, {"id": call["id"]}))
               ["interaction"]["history"]["edges"]]
    assert [e for e in history if e["__typename"] != "OtherInteractionEvent"] == history
    assert of_type(history, "InteractionEndedEvent") == [ended]


async def test_evt1_the_customer_side_reads_typed_events_without_internal_reasons(backline, api, client_for):
    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent")
    call = await answered_call(backline, admin, camille)
    async with serve_in_loop(create_app(backline)) as base, ws_session(base, admin.token) as session:
        stream = Collector(session, CUSTOMER_EVENTS, {"id": call["id"]})
        try:
            await ok(camille, BY_ID["hold"], id=call["id"])
            items = typed(await stream.wait_for(1), "customerInteractionEvents")
            while not any(e["__typename"] == "PartyStateChangedEvent" and e["state"] == "HELD" for e in items):
                items = typed(await stream.wait_for(len(items) + 1), "customerInteractionEvents")
        finally:
            await stream.close()
    changes = of_type(items, "PartyStateChangedEvent")
    assert changes and all(e["because"] is None and e["knownTo"] is None for e in changes)


async def test_evt1_an_interaction_reads_its_owner_consultations_pending_target_and_end_reason(
        backline, api, client_for):
    admin = await client_for("admin")
    camille = await ready_agent(client_for, "agent")
    marie = await ready_agent(client_for, "marie.dupont")
    helene = await ready_agent(client_for, "helene.durand")
    call = await answered_call(backline, admin, camille)
    consultation = await ok(camille, CONSULT, id=call["id"], t=await target_id(backline, "Marie Dupont"))
    await ok(marie, BY_ID["acceptOffer"], id=open_offer(consultation)["id"])
    read = (await camille.execute(READ, {"id": call["id"]}))["interaction"]
    assert [c["id"] for c in read["consultations"]] == [consultation["id"]]
    assert read["consultations"][0]["parentId"] == call["id"]
    await ok(camille, COMPLETE, id=consultation["id"], **{"as": "TRANSFER"})
    read = (await marie.execute(READ, {"id": call["id"]}))["interaction"]
    assert read["owner"]["userId"] == marie.me["id"]  # not Camille, who left (role kept, state LEFT)
    left = [p for p in read["parties"] if p["userId"] == camille.me["id"]]
    assert [(p["role"], p["state"]) for p in left] == [("OWNER", "LEFT")]
    transfer = await ok(marie, TRANSFER, id=call["id"], t=await target_id(backline, "Hélène Durand"))
    read = (await marie.execute(READ, {"id": call["id"]}))["interaction"]
    [pending] = [p for p in read["parties"] if p["userId"] == helene.me["id"]]
    assert (pending["state"], pending["invitedAs"], pending["offerId"]) == (
        "ALERTING", "TRANSFER", open_offer(transfer)["id"])
    assert read["owner"]["userId"] == marie.me["id"]
    await ok(helene, BY_ID["acceptOffer"], id=open_offer(transfer)["id"])
    read = (await helene.execute(READ, {"id": call["id"]}))["interaction"]
    assert [p["invitedAs"] for p in read["parties"]] == [None] * len(read["parties"])
    await ok(admin, BY_ID["customerHangUp"], id=call["id"])
    read = (await helene.execute(READ, {"id": call["id"]}))["interaction"]
    assert (read["state"], read["endReason"], read["owner"]) == ("ENDED", "CUSTOMER_HUNG_UP", None)
    assert read["endReasonText"] == "The customer hung up."


@pytest.mark.parametrize("word, reason", [("not_answered:no_answer", "NO_ANSWER"), ("voicemail", "VOICEMAIL"),
                                          ("a_plugins_own", "OTHER")])
def test_evt1_end_reasons_are_a_closed_vocabulary_with_a_text(word, reason):
    from core.interactions.reasons import end_reason, end_text

    assert end_reason(word).name == reason
    assert end_text(word) == ("a_plugins_own" if reason == "OTHER" else end_text(word)) and end_text(word)
