"""WEB1, story 2, in a real browser with the network cut: a customer's chat rings the desk and
is answered in its window (with an internal note the customer never reads), an instant message
is sent from the Team Communicator and its answer arrives live, and an administrator's
broadcast pops up as a preview in My Messages."""

from __future__ import annotations

LOG_IN = 'mutation($c: String!) { logIn(channel: $c, ready: true) { __typename } }'
START_CHAT = """mutation { startChat(input: {to: "group:Español", name: "Léon Blum", text: "Bonjour, ma commande ?"}) {
  __typename ... on ChatSession { token chat { id } } ... on Error { message } } }"""
CUSTOMER_LINES = "{ customerChatLines(first: 50) { edges { node { text } } } }"
CUSTOMER_SAYS = 'mutation { sendCustomerMessage(text: "Merci !") { __typename } }'
OFFERS = "{ myOffers { id kind fromName } }"
ACCEPT = "mutation($id: ID!) { acceptOffer(offerId: $id) { __typename } }"
WRITE = "mutation($id: ID!, $t: String!) { sendMessage(interactionId: $id, text: $t) { __typename } }"
BROADCAST = """mutation { broadcastMessage(everyone: true, title: "Incident", text: "Le serveur vocal redémarre à 17 h.") {
  __typename ... on BroadcastSent { recipientCount } } }"""
LOGIN = 'mutation($u: String!) { login(username: $u, password: "demo") { ... on LoginSuccess { token } } }'


def button(text: str, within: str = "") -> str:
    return f"{within}//button[normalize-space()='{text}']"


def answered_chat(a, integration, channels: tuple[str, ...]):
    """The agent signed in on `a`, ready on `channels`; a customer starts a chat (no account):
    it rings the desk, which answers in its window. (page, the chat, the window's XPath)"""
    a.open("/desk").sign_in("agent")
    for channel in channels:
        a.click(button("Log in", f"//tr[@data-channel='{channel}']"))
        a.click(button("Ready", f"//tr[@data-channel='{channel}']"))
        a.wait_text("Ready", f"tr[data-channel={channel}]")
    chat = integration(START_CHAT)["startChat"]
    assert chat["__typename"] == "ChatSession", chat
    offer = "//article[@data-testid='offer']"
    a.wait(lambda: "Léon Blum" in a.text(offer) and "(chat)" in a.text(offer), "the chat ringing")
    a.click(button("Accept", offer))
    window = f"//article[@data-id='{chat['chat']['id']}']"
    a.wait(lambda: "Bonjour, ma commande ?" in a.text(window), "the customer's first line")
    return a, chat, window


def test_web1_story_customer_chat_instant_message_and_broadcast_preview(browser, integration, web_server):
    import httpx

    a, chat, window = answered_chat(browser("desk-chat"), integration, ("chat", "im"))
    a.xpath(window + "//input[@name='text']").send_keys("Bonjour Léon, je regarde.")
    a.click(button("Send", window + "//form"))
    a.xpath(window + "//input[@name='text']").send_keys("client pressé")
    a.xpath(window + "//input[@name='internal']").click()
    a.click(button("Send", window + "//form"))
    a.wait(lambda: "client pressé" in a.text(window), "the internal note")
    seen = integration(CUSTOMER_LINES, bearer=chat["token"])["customerChatLines"]["edges"]
    assert [e["node"]["text"] for e in seen] == ["Bonjour, ma commande ?", "Bonjour Léon, je regarde."]
    integration(CUSTOMER_SAYS, bearer=chat["token"])
    a.wait(lambda: "Merci !" in a.text(window), "the customer's next line, live")
    a.shot("chat")
    # An instant message to Hélène from the Team Communicator; her answer arrives live.
    with httpx.Client(base_url=web_server, timeout=15) as http:
        helene = http.post("/graphql", json={"query": LOGIN, "variables": {"u": "helene.durand"}}).json()["data"]["login"]["token"]
    integration(LOG_IN, {"c": "im"}, bearer=helene)
    a.css("[data-testid=tc-search]").send_keys("helene")
    a.css("[data-testid=tc-im-text]").send_keys("Tu as 2 minutes ?")
    a.click("//li[@data-name='Hélène Durand']//button[@data-action='INSTANT_MESSAGE']")
    a.wait(lambda: integration(OFFERS, bearer=helene)["myOffers"], "the IM ringing Hélène")
    request = integration(OFFERS, bearer=helene)["myOffers"][0]
    assert request["kind"] == "IM_REQUEST" and request["fromName"] == "Camille Martin"
    integration(ACCEPT, {"id": request["id"]}, bearer=helene)
    im = "//article[@data-channel='im']"
    a.wait(lambda: "Tu as 2 minutes ?" in a.text(im), "the IM window")
    im_id = a.xpath(im).get_attribute("data-id")
    integration(WRITE, {"id": im_id, "t": "Oui, j'arrive."}, bearer=helene)
    a.wait(lambda: "Oui, j'arrive." in a.text(im), "Hélène's answer, live")
    a.shot("instant-message")
    # A broadcast: its preview pops up and My Messages counts it unread.
    assert integration(BROADCAST)["broadcastMessage"]["recipientCount"] > 0
    a.wait(lambda: "Incident" in a.text("[data-testid=preview]"), "the broadcast's preview")
    a.wait_text("1 unread", "[data-testid=unread]")
    a.shot("broadcast")
    a.click(button("Mark read", "//section[@aria-labelledby='msg-h']"))
    a.wait_text("0 unread", "[data-testid=unread]")
    assert a.outside_requests() == [] and a.console_errors() == []


def test_web1_a_line_is_cleared_as_it_leaves_and_given_back_when_it_could_not_be_sent(browser, integration):
    """An agent types the next line while the last one is on its way: the answer to the last
    must not wipe it (the input is cleared as the line leaves), and a line the server never
    received is given back to be sent again."""
    a, chat, window = answered_chat(browser("desk-chat-lines"), integration, ("chat",))
    field = a.xpath(window + "//input[@name='text']")

    def network(latency_ms: int = 0, offline: bool = False) -> None:  # Chromium's own emulation
        a.driver.set_network_conditions(offline=offline, latency=latency_ms,
                                        download_throughput=100_000_000, upload_throughput=100_000_000)

    # A slow network: the line's request takes two seconds to come back.
    network(latency_ms=2000)
    field.send_keys("Bonjour Léon, je regarde.")
    a.click(button("Send", window + "//form"))
    assert field.get_attribute("value") == "", "the line stayed in the input while on its way"
    field.send_keys("Une seconde")
    network()
    a.wait(lambda: "Bonjour Léon, je regarde." in a.text(window), "the first line")
    a.click(button("Send", window + "//form"))
    a.wait(lambda: "Une seconde" in a.text(window + "//ol"), "the line typed meanwhile, sent")

    # No network at all: the send fails, says so, and the line is back in the input.
    network(offline=True)
    field.send_keys("Pas encore parti")
    a.click(button("Send", window + "//form"))
    a.wait(lambda: a.text(window + "//*[@role='alert']"), "the failed send, said")
    assert field.get_attribute("value") == "Pas encore parti"
    network()
    a.click(button("Send", window + "//form"))
    a.wait(lambda: "Pas encore parti" in a.text(window + "//ol"), "the line sent again")
    seen = integration(CUSTOMER_LINES, bearer=chat["token"])["customerChatLines"]["edges"]
    assert [e["node"]["text"] for e in seen] == [
        "Bonjour, ma commande ?", "Bonjour Léon, je regarde.", "Une seconde", "Pas encore parti"]
