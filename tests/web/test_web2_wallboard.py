"""WEB2 and SUP3 on the wallboard, in a real browser with the network cut: a team lead sees
the agents of the team it leads and no other; a request waiting in a queue is counted with its
waiting time; the charts of the last hour open with what happened before the page did
(wallboardHistory); monitor, coach, barge-in and stop from an agent's row act on the server."""

from __future__ import annotations

import json
import time

import httpx

from core.demo_data import AGENTS, LEADS

LOGIN = 'mutation($u: String!) { login(username: $u, password: "demo") { ... on LoginSuccess { token } } }'
LOG_IN = 'mutation { logIn(channel: "voice", ready: true) { __typename } }'
CALL = """mutation { createCustomerInteraction(input: {to: "agent:agent", from: "+33600000001"}) {
  ... on Interaction { id offers { id } } } }"""
ACCEPT = "mutation($id: ID!) { acceptOffer(offerId: $id) { __typename } }"
QUEUE = '{ directory(search: "support", kinds: [INTERACTION_QUEUE]) { edges { node { id name } } } }'
TRANSFER = "mutation($i: ID!, $t: ID!) { transfer(interactionId: $i, targetId: $t) { __typename ... on Error { message } } }"
WAITING_CALL = """mutation { createCustomerInteraction(input: {to: "queue:support", from: "+33699999999"}) {
  __typename } }"""
SUPERVISIONS = "{ mySupervisions { agentId mode } }"


def plotted(board, chart: str) -> list[list]:
    """What a chart draws: [x seconds, then one list per series] (its data-plot)."""
    return json.loads(board.css(f"figure[aria-label='{chart}']").get_attribute("data-plot"))


def before(plot: list[list], moment: float, series: int) -> list:
    """A series' values at the points before `moment`, in order."""
    return [y for x, y in zip(plot[0], plot[series]) if x < moment]


def test_web2_team_lead_sees_its_team_waiting_requests_and_supervises_from_a_row(browser, integration, web_server):
    with httpx.Client(base_url=web_server, timeout=15) as http:
        def token(user: str) -> str:
            return http.post("/graphql", json={"query": LOGIN, "variables": {"u": user}}).json()["data"]["login"]["token"]
        camille, lead = token("agent"), token("lead")
    board = browser("wallboard-lead").open("/wallboard").sign_in("lead")
    board.wait(lambda: board.xpath("//tr[@data-agent='Camille Martin']"), "Camille's row")
    # SUP3: Support Paris only; nobody of Ventes Lyon or Montréal.
    paris = {name for _, name, team in AGENTS if team == 0}
    others = {name for _, name, team in AGENTS if team != 0} | {name for _, name, teams in LEADS if 0 not in teams}

    def rows() -> set[str]:
        return {tr.get_attribute("data-agent") for tr in board.all("tr[data-agent]")}
    board.wait(lambda: paris <= rows(), "every Support Paris agent")
    assert not rows() & others
    # Camille takes a call, then transfers it to the Support queue, where nobody is ready: it waits.
    integration(LOG_IN, bearer=camille)
    call = integration(CALL)["createCustomerInteraction"]
    integration(ACCEPT, {"id": call["offers"][0]["id"]}, bearer=camille)
    queue = integration(QUEUE, bearer=camille)["directory"]["edges"][0]["node"]
    result = integration(TRANSFER, {"i": call["id"], "t": queue["id"]}, bearer=camille)["transfer"]
    assert result["__typename"] == "Interaction", result
    board.wait_text("Waiting requests: 1", "#queues-h")
    board.wait(lambda: board.xpath(f"//tr[@data-queue='{queue['name']}']/td[@data-testid='waiting']").text == "1",
               "the queue's waiting count")
    board.wait(lambda: board.xpath(f"//tr[@data-queue='{queue['name']}']/td[2]").text.endswith(" s"), "its waiting time")
    # A customer calling the queue directly, before any agent is on it, is counted too.
    integration(WAITING_CALL)
    board.wait(lambda: board.xpath(f"//tr[@data-queue='{queue['name']}']/td[@data-testid='waiting']").text == "2",
               "the customer waiting with no agent yet")
    board.shot("waiting")
    # Opened again, the charts start an hour back, with every change before the page opened:
    # Camille ready, then busy with the call, still hers while its transfer waits (TRF3); 0, 1, 2 waiting.
    opened = time.time()
    board.driver.refresh()
    board.wait(lambda: len(plotted(board, "Waiting requests")[0]) >= 4, "the history in the charts")
    queue_plot, agents_plot = plotted(board, "Waiting requests"), plotted(board, "Agents by state")
    assert opened - 3600 - 60 < queue_plot[0][0] < opened - 3600 + 60
    assert before(queue_plot, opened, 1) == [0, 0, 0, 1, 2]
    assert before(agents_plot, opened, 1) == [0, 1, 0, 0, 0]  # ready
    assert before(agents_plot, opened, 3) == [0, 0, 1, 1, 1]  # busy
    board.driver.execute_script("document.getElementById('charts-h').scrollIntoView()")
    board.shot("charts-history")
    # Monitor, then barge in, then stop, from Camille's row.
    row = "//tr[@data-agent='Camille Martin']"
    board.click(row + "//button[normalize-space()='Monitor']")
    board.wait(lambda: board.xpath(row + "//button[normalize-space()='Monitor']").get_attribute("aria-pressed") == "true",
               "monitoring shown")
    assert integration(SUPERVISIONS, bearer=lead)["mySupervisions"][0]["mode"] == "MONITOR"
    board.click(row + "//button[normalize-space()='Barge in']")
    board.wait(lambda: integration(SUPERVISIONS, bearer=lead)["mySupervisions"][0]["mode"] == "BARGE", "barge-in")
    board.shot("barge-in")
    board.click(row + "//button[normalize-space()='Stop']")
    board.wait(lambda: integration(SUPERVISIONS, bearer=lead)["mySupervisions"] == [], "supervision stopped")
    assert board.outside_requests() == [] and board.console_errors() == []
