"""Browser tests: a real `backline serve` on the demo (SQLite only: a browser test is about
the pages, the stores have their own tests, and each browser story costs seconds), and
headless Chromium with the network cut (browser.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.servers import REPO, free_port, server_process
from tests.web.browser import Page, chromium, require_chromium


@pytest.fixture
def mail_port() -> int:
    """The web server's inbound SMTP port: a free one, so that parallel servers do not collide."""
    return free_port()


@pytest.fixture
def web_plugins(mail_port: int) -> str:
    """The web server's plugins.toml: the repository's, with after-call work on voice (WRP1) and
    inbound mail on a port of its own. A story that needs another setting overrides this fixture."""
    plugins = (REPO / "plugins.toml").read_text()
    return plugins.replace("wrap_up = false", "wrap_up = true", 1).replace(
        "smtp_port = 2525", f"smtp_port = {mail_port}", 1)


@pytest.fixture
def web_server(sqlite_database_url: str, tmp_path: Path, web_plugins: str):
    require_chromium()
    (tmp_path / "plugins.toml").write_text(web_plugins)
    with server_process(sqlite_database_url, {"BACKLINE_PLUGINS_FILE": str(tmp_path / "plugins.toml")}) as base:
        yield base


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Each step's screenshot, in the test's temporary folder."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(web_server: str, shots: Path):
    """`browser(name)` opens one more Chromium on the server; all are closed afterwards."""
    stack = []

    def open_browser(name: str, language: str = "en-GB") -> Page:
        context = chromium(language)
        driver = context.__enter__()
        stack.append(context)
        return Page(driver, web_server, shots, name)
    yield open_browser
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture
def integration(web_server: str):
    """The API as an integration uses it: an administrator's client over HTTP."""
    with httpx.Client(base_url=web_server, timeout=15) as http:
        token = http.post("/graphql", json={"query": 'mutation { login(username: "admin", password: "demo") '
                                                       "{ ... on LoginSuccess { token } } }"}).json()["data"]["login"]["token"]

        def run(query: str, variables: dict | None = None, bearer: str | None = None) -> dict:
            response = http.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers={"Authorization": f"Bearer {bearer or token}"})
            body = response.json()
            assert "errors" not in body, body
            return body["data"]
        yield run
