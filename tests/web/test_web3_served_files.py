"""WEB3 without a browser (these run where Chromium is missing too): the pages and GraphiQL's
page are served by Backline and name only its own paths; every vendored library is served."""

from __future__ import annotations

import re

from schema.pages import VENDOR


async def test_web3_graphiql_page_loads_only_vendored_files(api):
    response = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "GraphiQL" in response.text
    assert "unpkg" not in response.text and "https://" not in response.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sources and all(s.startswith("/vendor/") or s.startswith("data:") for s in sources), sources
    for source in sources:
        if source.startswith("/vendor/"):
            assert (await api.http.get(source)).status_code == 200, source


async def test_web3_pages_and_their_modules_are_served(api):
    for path in ("/", "/desk", "/wallboard"):
        page = await api.http.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
        for source in re.findall(r'(?:src|href)="(/[^"]+)"', page.text) + re.findall(r'": "(/vendor/[^"]+)"', page.text):
            assert (await api.http.get(source)).status_code == 200, (path, source)
    assert (VENDOR / "VERSIONS").is_file()
