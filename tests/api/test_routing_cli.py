"""`backline simulate call`: a customer call into a running server process (GRP4 when nobody
is available), as a front-end team would use it."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from tests.support.servers import REPO, server_process


def simulate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "schema.cli", "simulate", "call", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=60)


async def test_grp4_simulated_call_waits_in_the_queue_of_a_running_server(backline, database_url):
    with server_process(database_url) as base:
        url = f"{base}/graphql"
        done = await asyncio.to_thread(simulate, "--from", "+33123456789", "--to", "queue:Support",
                                       "--data", "order=SO-1", "--url", url)
        assert done.returncode == 0, done.stderr
        assert "routing: waiting at Support (position 1)" in done.stdout
        refused = await asyncio.to_thread(simulate, "--from", "+33123456789", "--to", "queue:Nowhere", "--url", url)
        assert refused.returncode != 0 and "NOT_FOUND" in refused.stderr
