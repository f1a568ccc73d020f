"""The browser pages Backline serves (WEB1–WEB3): `/` (links and demo logins), `/desk` (the
reference agent desktop), `/wallboard` (supervisors), and GraphiQL's page for `/graphql`.

Each page is static HTML and plain ES modules (static/), built only on the public GraphQL API;
every third-party file they load is in vendor/ (schema/pages/vendor.py rebuilds it from npm),
so that nothing is fetched from outside the server (WEB3)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
VENDOR = HERE / "vendor"

PAGES = {"/": "index.html", "/desk": "desk.html", "/wallboard": "wallboard.html"}


def _page(file: str):
    async def endpoint(_: Request) -> FileResponse:
        return FileResponse(STATIC / file, media_type="text/html")
    return endpoint


def routes() -> list[BaseRoute]:
    return [
        *(Route(path, _page(file), methods=["GET"]) for path, file in PAGES.items()),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Mount("/vendor", StaticFiles(directory=VENDOR), name="vendor"),
    ]


def graphiql_response() -> HTMLResponse:
    """GraphiQL from the vendored files, instead of strawberry's page, which loads React and
    GraphiQL from unpkg.com and never starts offline (WEB3)."""
    return HTMLResponse((HERE / "graphiql.html").read_text(encoding="utf-8"))
