"""WEB1 and WEB2, story 1, in three real browsers with the network cut: two agent desks and a
supervisor's wallboard on `backline serve` (SQLite). Agent A signs in and goes ready; a customer
call (created as an integration would) rings A's desk; A finds B in the Team Communicator,
consults B over voice (B's desk rings, B accepts), completes the transfer and wraps up with a
disposition; the wallboard follows each change live."""

from __future__ import annotations

import time

CALL = """mutation($to: String!) { createCustomerInteraction(input: {to: $to, from: "+33612345678",
  context: [{key: "order", value: "SO-981"}]}) { __typename ... on Interaction { id } ... on Error { message } } }"""
HISTORY = """query($id: ID!) { interaction(id: $id) { parties { userId role state } } }"""


def button(text: str, within: str = "") -> str:
    return f"{within}//button[normalize-space()='{text}']"


def voice_state(board, agent: str) -> str:
    return board.xpath(f"//tr[@data-agent='{agent}']//span[@data-channel='voice']").get_attribute("data-state")


def test_web1_web2_story_call_consult_transfer_and_wrap_up(browser, integration):
    started = time.monotonic()
    board = browser("wallboard").open("/wallboard").sign_in("lead")
    a = browser("desk-a").open("/desk").sign_in("agent")
    b = browser("desk-b").open("/desk").sign_in("helene.durand")
    board.wait(lambda: board.xpath("//tr[@data-agent='Camille Martin']"), "Camille on the wallboard")
    # A and B log in to voice and go ready; the wallboard shows it live.
    for desk in (a, b):
        desk.click(button("Log in", "//tr[@data-channel='voice']"))
        desk.click(button("Ready", "//tr[@data-channel='voice']"))
        desk.wait_text("Ready", "tr[data-channel=voice]")
    board.wait(lambda: voice_state(board, "Camille Martin") == "READY", "Camille ready on the wallboard")
    board.wait(lambda: voice_state(board, "Hélène Durand") == "READY", "Hélène ready on the wallboard")
    a.shot("ready")
    # A customer calls A: A's desk rings with who is calling and the call's context.
    call = integration(CALL, {"to": "agent:agent"})["createCustomerInteraction"]
    assert call["__typename"] == "Interaction", call
    offer = "//article[@data-testid='offer']"
    a.wait(lambda: "+33612345678" in a.text(offer) and "SO-981" in a.text(offer), "the call ringing")
    a.shot("ringing")
    a.click(button("Accept", offer))
    customer_card = f"//article[@data-id='{call['id']}']"
    a.wait(lambda: a.xpath(customer_card + "//li[@data-party='+33612345678']").get_attribute("data-state") == "CONNECTED",
           "A talking with the customer")
    board.wait(lambda: voice_state(board, "Camille Martin") == "BUSY", "Camille busy on the wallboard")
    board.wait(lambda: "voice CUSTOMER" in board.text("tr[data-agent='Camille Martin']"), "Camille's current call")
    # A finds Hélène in the Team Communicator (presence per channel, the server's Action menu).
    a.css("[data-testid=tc-search]").send_keys("helene")
    helene = "//li[@data-name='Hélène Durand']"
    a.wait(lambda: a.xpath(helene + "//button[@data-action='CONSULT']").is_enabled(), "the Consult action for Hélène")
    assert "voice: Ready" in a.text(helene)
    a.shot("team-communicator")
    a.click(helene + "//button[@data-action='CONSULT']")
    # The customer is held; B's desk rings with a consultation, and B accepts.
    a.wait(lambda: a.xpath(customer_card + "//li[@data-party='+33612345678']").get_attribute("data-state") == "HELD",
           "the customer on hold")
    b.wait(lambda: "Consultation" in b.text("section.ringing") and "Camille Martin" in b.text("section.ringing"),
           "the consultation ringing B")
    b.shot("consultation-ringing")
    b.click(button("Accept", offer))
    consultation = "//article[@data-kind='CONSULTATION']"
    a.wait(lambda: a.xpath(consultation + "//li[@data-party='Hélène Durand']").get_attribute("data-state") == "CONNECTED",
           "A talking with B")
    a.shot("mid-call")
    board.shot("mid-call")
    # A completes the consultation as a transfer: B has the customer, A wraps up.
    a.click(button("Complete as transfer", consultation))
    b.wait(lambda: b.xpath(customer_card + "//li[@data-party='+33612345678']").get_attribute("data-state") == "CONNECTED",
           "B talking with the customer")
    wrap = "//form[@data-testid='wrapup']"
    a.wait(lambda: a.xpath(wrap), "A's wrap-up")
    board.wait(lambda: voice_state(board, "Camille Martin") == "WRAP_UP", "Camille in wrap-up on the wallboard")
    board.wait(lambda: "voice CUSTOMER" in board.text("tr[data-agent='Hélène Durand']"), "Hélène's current call")
    a.shot("wrap-up")
    a.click(wrap + "//label[normalize-space()='Resolved']/input")
    a.click(button("Complete wrap-up", wrap))
    a.wait(lambda: not a.all("form[data-testid=wrapup]"), "the wrap-up completed")
    board.wait(lambda: voice_state(board, "Camille Martin") == "READY", "Camille ready again on the wallboard")
    board.wait(lambda: board.text("tr[data-agent='Camille Martin'] [data-testid=current]") == "—", "Camille free")
    parties = integration(HISTORY, {"id": call["id"]})["interaction"]["parties"]
    assert [p["role"] for p in parties if p["state"] == "CONNECTED"] == ["CUSTOMER", "OWNER"] or \
        {p["role"] for p in parties if p["state"] == "CONNECTED"} == {"CUSTOMER", "OWNER"}
    board.shot("after")
    for page in (a, b, board):
        assert page.outside_requests() == [] and page.console_errors() == [], page.name
    assert time.monotonic() - started < 60
