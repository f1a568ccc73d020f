"""The yardstick for the presence fan-out benchmark: a bare Starlette WebSocket broadcast.
Clients connect to /ws; POST /publish sends the posted JSON text to every client, with
`at` (the time of the publish) filled in, serialized once."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

clients: set[WebSocket] = set()


async def ws(websocket: WebSocket) -> None:
    await websocket.accept()
    clients.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        clients.discard(websocket)


async def publish(request: Request) -> JSONResponse:
    message = await request.json()
    message["payload"]["data"]["presenceChanged"]["at"] = datetime.now(timezone.utc).isoformat()
    text = json.dumps(message, separators=(",", ":"))  # compact, as Backline's
    for client in tuple(clients):
        await client.send_text(text)
    return JSONResponse({"sent": len(clients)})


async def health(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "clients": len(clients)})


app = Starlette(routes=[WebSocketRoute("/ws", ws), Route("/publish", publish, methods=["POST"]),
                        Route("/health", health)])
