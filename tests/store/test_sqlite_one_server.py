"""INS1 on SQLite: a second `backline serve` on the same database file would share no live
event with the first, so it refuses to start with a message saying why (and what to use
instead), rather than letting its subscribers silently miss changes (core.store.one_server)."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.support.servers import REPO, free_port, server_process


def test_ins1_a_second_server_on_one_sqlite_file_refuses_to_start_and_says_why(sqlite_database_url):
    with server_process(sqlite_database_url) as first:
        env = dict(os.environ, BACKLINE_DATABASE_URL=sqlite_database_url, BACKLINE_PORT=str(free_port()),
                   BACKLINE_PLUGINS_FILE=str(REPO / "plugins.toml"))
        second = subprocess.run([sys.executable, "-m", "schema.cli", "serve"], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert "Another `backline serve` already serves" in second.stderr and "PostgreSQL" in second.stderr
        assert "Traceback" not in second.stderr
        assert httpx.post(f"{first}/graphql", json={"query": "{ __typename }"}).status_code == 200
    # Once the first has stopped, the file can be served again.
    with server_process(sqlite_database_url) as again:
        assert httpx.post(f"{again}/graphql", json={"query": "{ __typename }"}).status_code == 200
