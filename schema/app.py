"""The ASGI application: GraphQL over HTTP (with GraphiQL) and over WebSockets
(graphql-transport-ws only), on Starlette with uvicorn."""

from __future__ import annotations

import contextlib
from typing import Any, Mapping

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from core.errors import NotAuthenticated
from core.identity.service import bearer_token
from core.runtime import Backline
from schema.broadcast import BroadcastingTransportWSHandler
from schema.context import Context
from schema.customer_chat import guest_or_none as customer_chat_guest
from schema.rate_limit import RateLimitMiddleware
from schema.root import build_schema
from schema.wire import data_payload_text, next_text


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


class BacklineGraphQL(GraphQL):
    websocket_adapter_class = SharedEncodingWebSocketAdapter
    graphql_transport_ws_handler_class = BroadcastingTransportWSHandler

    def __init__(self, backline: Backline) -> None:
        super().__init__(
            build_schema(backline.settings, backline.channels.names()),
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=backline.settings.allowed_origins,
        )
        self.backline = backline

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
        return {"userId": str(context.authenticated.user_id)}


async def health(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(backline: Backline) -> Starlette:
    graphql = BacklineGraphQL(backline)

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
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(
                RateLimitMiddleware,
                clock=backline.clock,
                rate_per_second=backline.settings.rate_limit_per_second,
                burst=max(1, int(backline.settings.rate_limit_per_second * 2)),
            )
        ],
    )
    app.state.backline = backline
    return app
