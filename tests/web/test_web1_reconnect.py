"""WEB1 (usable by people): a desk whose socket drops says so, reconnects by itself and
resumes its streams after their last cursor, so that what happened meanwhile still arrives:
here a broadcast sent while the desk was disconnected (a fresh subscription would never
deliver it: My Messages' stream has no snapshot)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.servers import server_process
from tests.web.browser import Page, chromium, require_chromium

BROADCAST = """mutation { broadcastMessage(everyone: true, title: "Pendant la coupure", text: "Reprise.") { __typename } }"""
LOGIN = 'mutation { login(username: "admin", password: "demo") { ... on LoginSuccess { token } } }'


def broadcast(base: str) -> None:
    with httpx.Client(base_url=base, timeout=15) as http:
        token = http.post("/graphql", json={"query": LOGIN}).json()["data"]["login"]["token"]
        body = http.post("/graphql", json={"query": BROADCAST}, headers={"Authorization": f"Bearer {token}"}).json()
        assert body["data"]["broadcastMessage"]["__typename"] == "BroadcastSent", body


def test_web1_a_dropped_socket_reconnects_and_resumes_after_its_cursor(sqlite_database_url, shots: Path):
    require_chromium()
    from tests.support.servers import free_port
    port = free_port()
    with chromium() as driver:
        with server_process(sqlite_database_url, port=port) as base:
            desk = Page(driver, base, shots, "reconnect").open("/desk").sign_in("agent")
            desk.wait_text("Connected", "[data-testid=connection]")
            desk.wait_text("0 unread", "[data-testid=unread]")
        # The server is gone: the desk says it is reconnecting.
        desk.wait_text("Reconnecting", "[data-testid=connection]")
        desk.shot("reconnecting")
        with server_process(sqlite_database_url, port=port) as base:
            broadcast(base)  # before the desk is back: it must come from the resumed stream
            desk.wait_text("Connected", "[data-testid=connection]")
            desk.wait(lambda: "Pendant la coupure" in desk.text("[data-testid=preview]"), "the missed broadcast")
            desk.wait_text("1 unread", "[data-testid=unread]")
            desk.shot("resumed")
