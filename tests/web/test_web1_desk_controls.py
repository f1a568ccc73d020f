"""WEB1, story 3, in a real browser with the network cut: the desk's call controls the other
stories do not drive. Françoise, on one desk, holds and retrieves a customer, sends keypad
digits, consults Hélène and alternates between the two calls, adds Marie to a conference,
mutes and removes her (Remove is on the participant alone), transfers the customer single-step to Hélène; a caller finds her busy
and leaves a voicemail, whose message-waiting indicator lights up live; she calls her
mailbox, types a wrong PIN then the right one on its keypad, hears the message (the indicator
goes out); an e-mail with an attachment rings, and she replies in its window. Colleagues and
customers act through the API, as their own desks and an integration would."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.channels.mail_support import customer_mail, send_mail

LOGIN = 'mutation($u: String!) { login(username: $u, password: "demo") { ... on LoginSuccess { token } } }'
READY = 'mutation { logIn(channel: "voice", ready: true) { __typename } }'
CALL = """mutation($to: String!, $from: String!) { createCustomerInteraction(input: {to: $to, from: $from}) {
  __typename ... on Interaction { id state endReason } ... on Error { message } } }"""
OFFERS = "{ myOffers { id kind } }"
ACCEPT = "mutation($id: ID!) { acceptOffer(offerId: $id) { __typename ... on Error { message } } }"
EVENTS = "query($id: ID!) { interaction(id: $id) { history(first: 100) { edges { node { kind } } } } }"
PARTIES = "query($id: ID!) { interaction(id: $id) { state parties { displayName state muted } } }"
LINES = "query($id: ID!) { transcript(interactionId: $id, first: 20) { edges { node { text fromCustomer } } } }"
CUSTOMER = "+33612345678"


REMOVERS = 'remove_participant_allowed = ["supervisor", "administrator"'


@pytest.fixture
def web_plugins(web_plugins: str) -> str:
    """Françoise's account may remove a conference's participants (CNF7: by role or username)."""
    assert REMOVERS in web_plugins
    return web_plugins.replace(REMOVERS, REMOVERS + ', "francoise.gauthier"', 1)


def button(text: str, within: str = "") -> str:
    return f"{within}//button[normalize-space()='{text}']"


def test_web1_story_call_controls_voicemail_by_keypad_and_email_reply(browser, integration, web_server, mail_port,
                                                                      tmp_path):
    started = time.monotonic()
    with httpx.Client(base_url=web_server, timeout=15) as http:
        def token(user: str) -> str:
            return http.post("/graphql", json={"query": LOGIN, "variables": {"u": user}}).json()["data"]["login"]["token"]
        helene, marie = token("helene.durand"), token("marie.dupont")
    for colleague in (helene, marie):
        integration(READY, bearer=colleague)

    def answer(colleague: str) -> None:
        """A colleague's desk accepts what rings it."""
        offers = []

        def ringing():
            offers[:] = integration(OFFERS, bearer=colleague)["myOffers"]
            return offers
        desk.wait(ringing, "the colleague's desk ringing")
        assert integration(ACCEPT, {"id": offers[0]["id"]}, bearer=colleague)["acceptOffer"]["__typename"] == "Interaction"

    desk = browser("desk-controls").open("/desk").sign_in("francoise.gauthier")
    for channel in ("voice", "email"):
        desk.click(button("Log in", f"//tr[@data-channel='{channel}']"))
        desk.click(button("Ready", f"//tr[@data-channel='{channel}']"))
        desk.wait_text("Ready", f"tr[data-channel={channel}]")
    call = integration(CALL, {"to": "agent:francoise.gauthier", "from": CUSTOMER})["createCustomerInteraction"]
    desk.click(button("Accept", "//article[@data-testid='offer']"))
    card = f"//article[@data-id='{call['id']}']"

    def state(party: str, within: str = card) -> str:
        return desk.xpath(f"{within}//li[@data-party='{party}']").get_attribute("data-state")
    desk.wait(lambda: state(CUSTOMER) == "CONNECTED", "talking with the customer")

    # Hold and retrieve: her own leg.
    desk.click(button("Hold", card))
    desk.wait(lambda: state("Françoise Gauthier") == "HELD", "her leg on hold")
    desk.click(button("Retrieve", card))
    desk.wait(lambda: state("Françoise Gauthier") == "CONNECTED", "her leg retrieved")
    # Keypad digits on the call.
    desk.xpath(card + "//form[@class='keypad']//input").send_keys("12#")
    desk.click(button("Send", card + "//form[@class='keypad']"))
    desk.wait(lambda: desk.text(card + "//*[@data-testid='dtmf-sent']") == "Sent: 12#", "the digits said back")
    desk.wait(lambda: "DtmfSent" in [e["node"]["kind"] for e in
                                     integration(EVENTS, {"id": call["id"]})["interaction"]["history"]["edges"]],
              "the digits sent")

    # A consultation with Hélène, then alternate between the customer and her.
    def look_up(text: str) -> None:
        """Types in the Team Communicator, over what was there (a typed selection fires one input event)."""
        from selenium.webdriver.common.keys import Keys
        desk.css("[data-testid=tc-search]").send_keys(Keys.CONTROL, "a")
        desk.css("[data-testid=tc-search]").send_keys(text)
    look_up("helene")
    helene_row = "//li[@data-name='Hélène Durand']"
    desk.click(helene_row + "//button[@data-action='CONSULT']")
    answer(helene)
    consultation = "//article[@data-kind='CONSULTATION']"
    desk.wait(lambda: state("Hélène Durand", consultation) == "CONNECTED", "talking with Hélène")
    desk.wait(lambda: state("Françoise Gauthier") == "HELD", "the customer's call held")
    desk.click(button("Alternate", card))
    desk.wait(lambda: state("Françoise Gauthier") == "CONNECTED" and
              state("Françoise Gauthier", consultation) == "HELD", "back to the customer, Hélène held")
    desk.shot("alternated")
    desk.click(button("End consultation and retrieve", consultation))
    desk.wait(lambda: not desk.all("article[data-kind=CONSULTATION]"), "the consultation ended")

    # Conference: add Marie from the Team Communicator, mute her, remove her.
    look_up("dupont")
    desk.click("//li[@data-name='Marie Dupont']//button[@data-action='CONFERENCE']")
    answer(marie)
    desk.wait(lambda: state("Marie Dupont") == "CONNECTED", "Marie in the conference")
    desk.click(button("Mute", card + "//li[@data-party='Marie Dupont']"))
    desk.wait(lambda: "🔇" in desk.text(card + "//li[@data-party='Marie Dupont']"), "Marie muted")
    assert [p["muted"] for p in integration(PARTIES, {"id": call["id"]})["interaction"]["parties"]
            if p["displayName"] == "Marie Dupont"] == [True]
    desk.shot("conference")
    # Remove is offered where the server allows it (CNF7): a participant, not the customer.
    removable = [li.get_attribute("data-party") for li in desk.all(f"article[data-id='{call['id']}'] li[data-party]")
                 if li.find_elements("xpath", ".//button[normalize-space()='Remove']")]
    assert removable == ["Marie Dupont"], removable
    desk.click(button("Remove", card + "//li[@data-party='Marie Dupont']"))
    desk.wait(lambda: not desk.all(f"article[data-id='{call['id']}'] li[data-party='Marie Dupont']"), "Marie removed")

    # A caller finds her busy and leaves a voicemail: the indicator lights up live.
    missed = integration(CALL, {"to": "agent:francoise.gauthier", "from": "+33699999999"})["createCustomerInteraction"]
    assert missed["endReason"] == "VOICEMAIL", missed
    mailbox = "//li[@data-mailbox='Françoise Gauthier']"
    desk.wait(lambda: desk.xpath(mailbox + "//span[@class='mwi']") and "1 new" in desk.text(mailbox), "the indicator")

    # Single-step transfer of the customer to Hélène; Françoise wraps up.
    look_up("helene")
    desk.click(helene_row + "//button[@data-action='TRANSFER']")
    answer(helene)
    desk.wait(lambda: not desk.all(f"article[data-id='{call['id']}']"), "the customer transferred")
    assert {p["displayName"]: p["state"] for p in integration(PARTIES, {"id": call["id"]})["interaction"]["parties"]
            }["Hélène Durand"] == "CONNECTED"
    wrap = "//form[@data-testid='wrapup']"
    desk.click(button("Complete wrap-up", wrap))
    desk.wait(lambda: not desk.all("form[data-testid=wrapup]"), "the wrap-up completed")

    # Voicemail by keypad: a wrong PIN is refused with the tries left, the right one opens it.
    desk.click(button("Call voicemail", mailbox))
    session = "[data-testid=vm-session]"
    desk.wait(lambda: desk.css(session).get_attribute("data-state") == "AUTHENTICATING", "the mailbox asking for the PIN")
    pin = "//section[@aria-labelledby='vm-h']//input[@name='digits']"
    desk.xpath(pin).send_keys("9999\n")
    desk.wait(lambda: "2 tries left · wrong PIN" in desk.text(session), "the wrong PIN refused")
    desk.xpath(pin).send_keys("1234\n")
    desk.wait(lambda: desk.css(session).get_attribute("data-state") == "OPEN", "the mailbox open")
    heard = "//li[@data-testid='voicemail']"
    desk.wait(lambda: "+33699999999" in desk.text(heard), "the message listed")
    desk.shot("voicemail")
    desk.click(button("Mark heard", heard))
    desk.wait(lambda: not desk.all("li[data-mailbox] span.mwi") and "0 new" in desk.text(mailbox), "the indicator out")
    desk.click(button("Hang up", "//section[@aria-labelledby='vm-h']"))

    # An e-mail with an attachment rings; she replies in its window.
    asyncio.run(send_mail(mail_port, customer_mail()))
    desk.click(button("Accept", "//article[@data-testid='offer']"))
    window = "//article[@data-channel='email']"
    desk.wait(lambda: "Bonjour, ma facture est fausse." in desk.text(window) and "facture.pdf" in desk.text(window),
              "the e-mail and its attachment")
    # Its attachment downloads, byte for byte (fetched with her token, saved as a file).
    downloads = tmp_path / "downloads"
    desk.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    desk.click(window + "//button[contains(., 'facture.pdf')]")
    desk.wait(lambda: (downloads / "facture.pdf").is_file() and
              (downloads / "facture.pdf").read_bytes() == customer_mail().get_payload()[1].get_content(), "the download")
    desk.xpath(window + "//input[@name='text']").send_keys("Bonjour, je corrige la facture.")
    desk.click(button("Send", window + "//form"))
    email_id = desk.xpath(window).get_attribute("data-id")
    desk.wait(lambda: "Bonjour, je corrige la facture." in desk.text(window), "the reply in the window")
    lines = integration(LINES, {"id": email_id})["transcript"]["edges"]
    assert [(e["node"]["text"], e["node"]["fromCustomer"]) for e in lines] == [
        ("Bonjour, ma facture est fausse.", True), ("Bonjour, je corrige la facture.", False)]
    desk.shot("email-reply")
    assert desk.outside_requests() == [] and desk.console_errors() == []
    assert time.monotonic() - started < 40
