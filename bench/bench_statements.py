"""SQL statements per interaction command: a deterministic measure of the write path's cost.

Timings on a shared machine wander; statement counts do not. Each command is sent through the
in-process GraphQL app (authentication, the command, the answer's reads) on a migrated demo
database, and every statement the engines execute is counted until the background listeners
(routing's dispatcher, supervision's follower) are idle again, so their work is counted with the
command that caused it. Prints per command: statements on the write engine, on the read engine,
how many of them are INSERTs, and the total as a ratio of a bare `logIn` mutation's (the cheapest
write, measured in the same run), for one consult-then-transfer cycle and one inbound call routed
to a group and accepted.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import event

from bench.cycle import ACCEPT, CALL, COMPLETE, CONSULT, LOG_IN, RELEASE, open_offer
from bench.support import REPO, demo_database, sqlite_url, temporary_folder


class StatementCounter:
    """Counts the statements SQLite runs for each engine, whether SQLAlchemy sent them or a
    prepared statement went straight to the driver (core.store.prepared): sqlite3's trace
    callback sees both. Transaction control (BEGIN, COMMIT) is not counted; an executemany
    counts once per row, as SQLite runs it."""

    def __init__(self, engines) -> None:
        self.counts: Counter[str] = Counter()
        for name, engine in (("write", engines.write), ("read", engines.read)):
            event.listen(engines.sync(engine).pool, "checkout", self._tracer(name))

    def _tracer(self, name: str):
        def count(statement: str) -> None:
            verb = statement.lstrip().split(None, 1)[0].upper()
            if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
                return
            self.counts[name] += 1
            self.counts[f"{name}:{verb}"] += 1

        def on_checkout(dbapi_connection, _record, _proxy) -> None:
            dbapi_connection.set_trace_callback(count)
        return on_checkout

    def take(self) -> Counter[str]:
        taken, self.counts = self.counts, Counter()
        return taken


class Desk:
    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}

    async def send(self, query: str, variables: dict | None = None) -> dict:
        body = (await self.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                     headers=self.headers)).json()
        result = body.get("data", {}).get("r") if body.get("data") else None
        if body.get("errors") or result is None or result.get("__typename") in ("Error",) or "code" in result:
            raise RuntimeError(f"failed: {str(body)[:300]}")
        return result



async def measure(path: Path) -> list[tuple[str, Counter[str]]]:
    from core.clock import ManualClock
    from core.config import Settings
    from core.runtime import Backline
    from schema.app import create_app
    from tests.support.config import repository_config

    settings = Settings(database_url=sqlite_url(path), plugins_file=REPO / "plugins.toml",
                        rate_limit_per_second=1_000_000)
    backline = Backline(settings, repository_config(settings.plugins_file), clock=ManualClock())
    await backline.start()
    rows: list[tuple[str, Counter[str]]] = []
    try:
        transport = httpx.ASGITransport(app=create_app(backline))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as http:
            async def desk(name: str) -> Desk:
                login = "mutation($u: String!) { login(username: $u, password: \"demo\") { ... on LoginSuccess { token } } }"
                body = (await http.post("/graphql", json={"query": login, "variables": {"u": name}})).json()
                return Desk(http, body["data"]["login"]["token"])

            admin, a, b = await desk("admin"), await desk("agent"), await desk("marie.dupont")
            counter = StatementCounter(backline.store.engines)

            async def step(name: str, coro) -> dict:
                await settle(backline)
                counter.take()
                result = await coro
                await settle(backline)
                rows.append((name, counter.take()))
                return result

            await step("logIn (baseline)", a.send(LOG_IN))
            await step("logIn (baseline)", b.send(LOG_IN))
            b_target = await b_target_id(backline)
            for round_ in range(2):  # the second round runs on warm caches
                suffix = "" if round_ == 0 else " (2nd)"
                call = await step("createCustomerInteraction agent" + suffix,
                                  admin.send(CALL, {"to": "agent:agent"}))
                call = await step("acceptOffer (call)" + suffix, a.send(ACCEPT, {"id": open_offer(call)}))
                consult = await step("startConsultation" + suffix,
                                     a.send(CONSULT, {"id": call["id"], "t": b_target}))
                await step("acceptOffer (consult)" + suffix, b.send(ACCEPT, {"id": open_offer(consult)}))
                await step("completeConsultation TRANSFER" + suffix, a.send(COMPLETE, {"id": consult["id"]}))
                await step("release" + suffix, b.send(RELEASE, {"id": call["id"]}))
            # Both bench agents are members of the demo queue "Support"; only they are logged in.
            call = await step("createCustomerInteraction queue", admin.send(CALL, {"to": "queue:Support"}))
            who = await ringing_desk(backline, call, {"agent": a, "marie.dupont": b})
            call = await step("acceptOffer (routed)", who.send(ACCEPT, {"id": open_offer(call)}))
            await step("release (routed)", who.send(RELEASE, {"id": call["id"]}))
    finally:
        await backline.stop()
    return rows


async def settle(backline) -> None:
    await backline.interactions.settle()
    await backline.supervision.settle()


async def b_target_id(backline) -> str:
    from sqlalchemy import text

    async with backline.store.read() as session:
        row = (await session.execute(text(
            "SELECT t.id FROM target t JOIN app_user u ON u.id = t.user_id WHERE u.username = 'marie.dupont'"
        ))).first()
    return str(row[0])


async def ringing_desk(backline, call: dict, desks: dict) -> Desk:
    from sqlalchemy import text

    async with backline.store.read() as session:
        row = (await session.execute(text(
            "SELECT u.username FROM interaction_offer o JOIN app_user u ON u.id = o.ringing_user_id WHERE o.id = :id"
        ), {"id": int(open_offer(call))})).first()
    return desks[row[0]]


def report(rows: list[tuple[str, Counter[str]]]) -> None:
    baseline = rows[0][1]["write"] + rows[0][1]["read"]
    print(f"{'command':36s} {'write':>6s} {'read':>5s} {'insert':>6s} {'update':>6s} {'select':>6s} {'total':>6s} "
          f"{'x logIn':>8s}")
    cycle = writes = 0
    for name, counts in rows[1:] if rows[0][0] == rows[1][0] else rows:
        total = counts["write"] + counts["read"]
        selects = counts["write:SELECT"] + counts["read:SELECT"]
        if name.endswith("(2nd)"):
            cycle += total
            writes += counts["write"]
        print(f"{name:36s} {counts['write']:6d} {counts['read']:5d} {counts['write:INSERT']:6d} "
              f"{counts['write:UPDATE']:6d} {selects:6d} {total:6d} {total / baseline:8.1f}")
    print(f"one warm consult-then-transfer cycle (6 mutations): {cycle} statements, "
          f"{cycle / 6:.1f} per mutation, {cycle / 6 / baseline:.1f} x logIn ({baseline} statements)")
    # The write engine's statements are those run under the write lock, which serializes writers.
    print(f"  of which on the write engine (under the write lock): {writes}, {writes / 6:.1f} per mutation, "
          f"{writes / 6 / rows[0][1]['write']:.1f} x logIn's ({rows[0][1]['write']})")


def main() -> None:
    with temporary_folder() as folder:
        path = demo_database(Path(folder))
        report(asyncio.run(measure(path)))


if __name__ == "__main__":
    main()
