"""A small GraphQL-over-HTTP client for tests, in-process (ASGI) or against a real server."""

from __future__ import annotations

import json
from typing import Any

import httpx

LOGIN = """
mutation Login($u: String!, $p: String!) {
  login(username: $u, password: $p) {
    __typename
    ... on LoginSuccess { token me { id username role } }
    ... on Error { code message }
  }
}
"""


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, path: str = "/graphql") -> None:
        self.http = http
        self.path = path
        self.token: str | None = None
        self.me: dict[str, Any] | None = None

    async def raw(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        # JSON with \u escapes, as browsers send it: a test may send a lone surrogate (SEC2),
        # which has no UTF-8 form.
        headers = {"Content-Type": "application/json"}
        token = token if token is not None else self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.http.post(self.path, content=json.dumps({"query": query, "variables": variables or {}}),
                                        headers=headers)
        return response.json()

    async def execute(self, query: str, variables: dict | None = None, **kwargs) -> dict:
        """The `data` of a response that must have no errors."""
        body = await self.raw(query, variables, **kwargs)
        assert not body.get("errors"), body
        return body["data"]

    async def login(self, username: str, password: str = "demo") -> "GraphQLClient":
        data = await self.execute(LOGIN, {"u": username, "p": password})
        assert data["login"]["__typename"] == "LoginSuccess", data
        self.token = data["login"]["token"]
        self.me = data["login"]["me"]
        return self

    def as_user(self) -> "GraphQLClient":
        """Another client on the same transport, logged in separately."""
        return GraphQLClient(self.http, self.path)
