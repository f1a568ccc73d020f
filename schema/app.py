"""The ASGI application: GraphQL over HTTP (with GraphiQL) and over WebSockets
(graphql-transport-ws only), on Starlette with uvicorn."""

from __future__ import annotations

import contextlib
import functools
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Mapping

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.parse_content_type import parse_content_type
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from core.errors import NotAuthenticated
from core.identity.service import bearer_token
from core.runtime import Backline
from core.store.readiness import readiness
from schema import pages, quiet_logs
from schema.attachment_download import attachment_endpoint
from schema.broadcast import BroadcastingTransportWSHandler
from schema.context import Context
from schema.customer_chat import guest_or_none as customer_chat_guest
from schema.metrics import metrics_endpoint
from schema.body_limit import BodyLimitMiddleware
from schema.open_sockets import OpenSockets
from schema.rate_limit import RateLimiter, RateLimitMiddleware
from schema.root import build_schema
from schema.wire import compact_json, data_payload_text, next_text

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter  # strawberry's request adapters


class SharedEncodingWebSocketAdapter(ASGIWebSocketAdapter):
    async def send_json(self, message: Mapping[str, object]) -> None:
        payload = message.get("payload")
        if message.get("type") != "next" or not isinstance(payload, dict) or payload.keys() != {"data"}:
            return await super().send_json(message)  # errors, extensions, protocol messages
        text = next_text(message["id"], data_payload_text(payload["data"]))
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


@functools.lru_cache(maxsize=64)  # bounded: the values come from clients
def _mime_type(content_type: str) -> str:
    return parse_content_type(content_type)[0]


class BacklineGraphQL(GraphQL):
    websocket_adapter_class = SharedEncodingWebSocketAdapter
    graphql_transport_ws_handler_class = BroadcastingTransportWSHandler

    def __init__(self, backline: Backline, limiter: RateLimiter) -> None:
        super().__init__(
            build_schema(backline.settings),
            graphql_ide="graphiql" if backline.settings.graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=backline.settings.allowed_origins,
            # Closed with 4408 when connection_init does not come in time, on Backline's clock
            # (schema.broadcast).
            connection_init_wait_timeout=timedelta(seconds=backline.settings.connection_init_timeout_seconds),
        )
        self.backline = backline
        self.limiter = limiter  # its WebSocket handler limits each `subscribe` (schema.broadcast)
        self.sockets = OpenSockets(backline.identity)  # closed when their token is revoked

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData | list[GraphQLRequestData]:
        """What clients send, a POST of one JSON operation, read as strawberry reads it but
        without its per-request work that cannot change the outcome here: the Content-Type
        parsed by the email package (the few values clients send are parsed once), and the
        Accept header matched against HTTP streaming transports, none of which is enabled.
        Anything else (GET, a batch, a malformed body or field) is strawberry's to read and
        to report, from the same body (Starlette keeps it). ~20 µs a request."""
        if (request.method != "POST" or self._stream_transport_map
                or "application/json" not in _mime_type(request.content_type or "")):
            return await super().parse_http_body(request)
        data = self.parse_json(await request.get_body())
        if isinstance(data, dict):
            query, variables, extensions = data.get("query"), data.get("variables"), data.get("extensions")
            if (isinstance(query, (str, type(None))) and isinstance(variables, (dict, type(None)))
                    and isinstance(extensions, (dict, type(None)))):
                return GraphQLRequestData(query=query, variables=variables, operation_name=data.get("operationName"),
                                          extensions=extensions, protocol="http")
        return await super().parse_http_body(request)

    def encode_json(self, data: object) -> str:
        return compact_json(data)  # strawberry's encoding, with an encoder made once

    async def render_graphql_ide(self, request: Request) -> Response:
        return pages.graphiql_response()  # the vendored GraphiQL (WEB3)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """strawberry's (no status, no headers), without building a header view of the
        response to delete the content-length it has just set."""
        sub_response = Response()
        sub_response.status_code = None  # type: ignore[assignment]
        sub_response.raw_headers = []
        return sub_response

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """strawberry's response; when nothing was set on the sub-response (no resolver
        does), without building header views to copy its empty headers over."""
        if sub_response.raw_headers or sub_response.status_code or sub_response.background:
            return super().create_response(response_data, sub_response)
        return Response(self.encode_json(response_data), media_type="application/json")

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        # Runs once per HTTP request, and once per WebSocket connection (whose caller is
        # established in on_ws_connect).
        context = Context(backline=self.backline, request=request, response=response)
        if isinstance(request, Request):
            await context.authenticate(bearer_token(request.headers.get("authorization")))
        return context

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        header = params.get("Authorization") or params.get("authorization")
        await context.authenticate(bearer_token(header if isinstance(header, str) else None))
        if context.authenticated is None:
            guest = await customer_chat_guest(context)  # a chat customer: its chat token only
            if guest is not None:
                return {"chatId": str(guest.interaction_id)}
            reason = context.auth_error or (
                'Authentication required: send {"Authorization": "Bearer <token>"} in connection_init.'
            )
            raise ConnectionRejectionError({"code": NotAuthenticated.code, "message": reason})
        self.sockets.add(context.authenticated.user_id, context.token, context.request)
        return {"userId": str(context.authenticated.user_id)}


class StraightToGraphQL:
    """GraphQL over HTTP (GET or POST at /graphql) handed straight to the endpoint, past
    Starlette's ExceptionMiddleware and router, which can do nothing for it: the router
    would pick the same endpoint, and the endpoint raises no exception of Starlette's
    (strawberry answers its own HTTP errors), so the exception middleware has none to
    handle; anything else still propagates to ServerErrorMiddleware. ~8 µs a request.
    Everything else (WebSockets, other paths and methods) takes the router as before."""

    def __init__(self, app: ASGIApp, graphql: ASGIApp, path: str) -> None:
        self.app = app
        self.graphql = graphql
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["path"] == self.path and scope["method"] in ("GET", "POST")
                and not scope.get("root_path")):
            await self.graphql(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def health(_: Request) -> JSONResponse:
    """Liveness (INS5): the process answers; nothing else is checked."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> JSONResponse:
    """Readiness (INS5): 200 when this instance can take work, 503 with what is missing."""
    checks = await readiness(request.app.state.backline.store)
    ok = all(checks.values())
    return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503)


def server_options(backline: Backline) -> dict[str, Any]:
    """uvicorn's options for this app, the same for `backline serve` and the tests' servers."""
    # No per-message deflate: compressing each small event for each socket cost more CPU
    # than the bytes it saved on a LAN (presence fan-out benchmark). A WebSocket message
    # larger than the limit closes the socket with 1009 (SEC3).
    return {"ws": "websockets-sansio", "ws_per_message_deflate": False,
            "ws_max_size": backline.settings.max_websocket_message_bytes}


def create_app(backline: Backline) -> Starlette:
    quiet_logs.install()
    limiter = RateLimiter(backline)
    graphql = BacklineGraphQL(backline, limiter)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):
        await backline.start()
        try:
            yield
        finally:
            await backline.stop()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/health", health),
            Route("/healthz", health),
            Route("/readyz", ready),
            Route("/metrics", metrics_endpoint(backline)),
            Route("/attachments/{attachment_id}", attachment_endpoint(backline), methods=["GET"]),
            *pages.routes(),  # /, /desk, /wallboard and their static files (WEB1–WEB3)
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(RateLimitMiddleware, limiter=limiter, path="/graphql"),
            Middleware(BodyLimitMiddleware, max_bytes=backline.settings.max_request_bytes, path="/graphql"),
            Middleware(StraightToGraphQL, graphql=graphql, path="/graphql"),
        ],
    )
    app.state.backline = backline
    app.state.rate_limiter = limiter
    return app
