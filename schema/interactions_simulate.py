"""`backline simulate call --from +33… --to queue:Support`: a customer call into a running
server, for front-end teams who have no switch. It goes through the GraphQL API (as an
integration would), so the server's routing and time-outs handle it."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename ... on LoginSuccess { token } ... on Error { code message } } }"
CREATE = """mutation($i: CustomerContactInput!) { createCustomerInteraction(input: $i) {
  __typename
  ... on Interaction { id state offers { id state targetName ringingUserId position } }
  ... on Error { code message } } }"""


def _post(url: str, query: str, variables: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps({"query": query, "variables": variables}).encode(),
                                     headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    if body.get("errors"):
        raise RuntimeError(body["errors"][0]["message"])
    return body["data"]


def add_arguments(simulate: argparse.ArgumentParser) -> None:
    kinds = simulate.add_subparsers(dest="simulate_command", required=True)
    call = kinds.add_parser("call", help="an inbound customer call (or chat, e-mail) into a running server")
    call.add_argument("--from", dest="caller", required=True, help="the customer's number or address")
    call.add_argument("--to", required=True, help="queue:Support, group:Français, agent:marie.dupont, routing:5100")
    call.add_argument("--channel", default="voice")
    call.add_argument("--data", action="append", default=[], metavar="KEY=VALUE", help="attached data")
    call.add_argument("--url", help="the server's GraphQL URL (default from BACKLINE_HOST/PORT)")
    call.add_argument("--user", default="admin", help="an account allowed to create customer contacts")
    call.add_argument("--password", default=os.environ.get("BACKLINE_SIMULATOR_PASSWORD", "demo"))
    call.set_defaults(func=cmd_simulate_call)


def cmd_simulate_call(settings, args) -> None:
    url = args.url or f"http://{settings.host}:{settings.port}/graphql"
    context = []
    for item in args.data:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"backline: --data takes KEY=VALUE, not {item!r}")
        context.append({"key": key, "value": value})
    try:
        login = _post(url, LOGIN, {"u": args.user, "p": args.password})["login"]
        if login["__typename"] != "LoginSuccess":
            raise SystemExit(f"backline: cannot log in as {args.user}: {login['message']}")
        result = _post(url, CREATE, {"i": {"to": args.to, "from": args.caller, "channel": args.channel,
                                            "context": context}}, login["token"])["createCustomerInteraction"]
    except (urllib.error.URLError, RuntimeError) as exc:
        raise SystemExit(f"backline: cannot reach {url}: {exc}") from None
    if result["__typename"] != "Interaction":
        raise SystemExit(f"backline: refused ({result['code']}): {result['message']}")
    offers = result["offers"]
    where = ""
    if offers:
        offer = offers[-1]
        where = (f"ringing agent {offer['ringingUserId']}" if offer["state"] == "RINGING"
                 else f"{offer['state'].lower()} at {offer['targetName']}"
                 + (f" (position {offer['position']})" if offer["position"] else ""))
    print(f"Interaction {result['id']} {result['state'].lower()}{': ' + where if where else ''}")
    sys.stdout.flush()
