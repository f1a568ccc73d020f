"""INS5: on SIGTERM a server process stops taking work, closes its WebSockets with 1012
("service restart": the client reconnects, to another instance behind the load balancer)
and exits; what it had committed stays (REL1)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import websockets

from tests.support.servers import REPO, free_port

LOGIN = 'mutation { login(username: "agent", password: "demo") { ... on LoginSuccess { token } } }'


def started(database_url: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, BACKLINE_DATABASE_URL=database_url, BACKLINE_PORT=str(port),
               BACKLINE_PLUGINS_FILE=str(REPO / "plugins.toml"))
    process = subprocess.Popen([sys.executable, "-m", "schema.cli", "serve", "--log-level", "warning"],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=0.5).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"server did not start: {process.stderr.read().decode()}")


async def test_ins5_sigterm_closes_websockets_with_1012_and_the_process_exits(database_url):
    port = free_port()
    process = started(database_url, port)
    try:
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(f"{base}/graphql", json={"query": LOGIN}).json()["data"]["login"]["token"]
        async with websockets.connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": "subscription { presenceChanged { agentId state } }"}}))
            assert json.loads(await ws.recv())["type"] == "next"  # the stream is live
            process.send_signal(signal.SIGTERM)
            try:
                while True:
                    await ws.recv()
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 1012
        # uvicorn re-raises the signal once it has shut down cleanly: killed by SIGTERM, not crashed.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
        assert b"Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
