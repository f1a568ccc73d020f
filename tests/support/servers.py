"""Real servers on free loopback ports, always stopped by the test that started them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import AsyncIterator, Iterator

import httpx
import uvicorn

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def serve_in_loop(app, port: int | None = None) -> AsyncIterator[str]:
    """uvicorn in this event loop (so a test can also drive a ManualClock); yields the base URL."""
    port = port or free_port()
    from schema.app import server_options

    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                            **server_options(app.state.backline))  # as `backline serve`
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


@contextlib.contextmanager
def server_process(database_url: str, extra_env: dict[str, str] | None = None,
                   port: int | None = None, keep_handle: bool = False) -> Iterator:
    """`backline serve` as a real process; yields the base URL (with the process, for a test
    that kills it, when `keep_handle`) and stops it afterwards."""
    port = port or free_port()
    env = dict(os.environ)
    env.update({
        "BACKLINE_DATABASE_URL": database_url,
        "BACKLINE_PORT": str(port),
        "BACKLINE_PLUGINS_FILE": str(REPO / "plugins.toml"),
        # Scripted clients and benchmarks send faster than a person; SEC3's limit has its own test.
        "BACKLINE_RATE_LIMIT": "100000",
    })
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "schema.cli", "serve", "--log-level", "warning"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {process.stdout.read().decode(errors='replace')}")
            try:
                if httpx.get(f"{base}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 30 s")
            time.sleep(0.05)
        yield (base, process) if keep_handle else base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
