"""What `make run` does, on a real process and an empty database file: migrate, load the demo
(twice: nothing duplicated), serve GraphQL with GraphiQL, answer `{ __typename }` and a login.
A restart keeps everything (REL1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.database import sqlite_url
from tests.support.servers import REPO, server_process


def backline(*args: str, url: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, BACKLINE_DATABASE_URL=url, BACKLINE_PLUGINS_FILE=str(REPO / "plugins.toml"))
    return subprocess.run([sys.executable, "-m", "schema.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_make_run_steps_serve_graphql_on_an_empty_database(tmp_path: Path):
    url = sqlite_url(tmp_path / "fresh.db")
    assert backline("migrate", url=url).returncode == 0
    assert "Demo contact centre loaded." in backline("demo", "load", url=url).stdout
    assert "nothing duplicated" in backline("demo", "load", url=url).stdout
    login = 'mutation { login(username: "agent", password: "demo") { ... on LoginSuccess { token } } }'
    with server_process(url) as base:
        assert httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}).json() == {
            "data": {"__typename": "Query"}
        }
        token = httpx.post(f"{base}/graphql", json={"query": login}).json()["data"]["login"]["token"]
        assert len(token) > 20
        graphiql = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
        assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()
    # A restart keeps users and sessions.
    with server_process(url) as base:
        me = httpx.post(f"{base}/graphql", json={"query": "{ me { username } }"},
                        headers={"Authorization": f"Bearer {token}"}).json()
        assert me == {"data": {"me": {"username": "agent"}}}
