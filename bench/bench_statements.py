"""SQL statements per interaction command: a deterministic measure of the write path's cost.

Timings on a shared machine wander; statement counts do not. Each command is sent through the
in-process GraphQL app (authentication, the command, the answer's reads) on a migrated demo
database, on SQLite and then on PostgreSQL (an embedded server) in the same run, and every
statement the engines execute is counted until the background listeners (routing's dispatcher,
supervision's follower) are idle again, so their work is counted with the command that caused it.
Prints per command, the two stores side by side (sqlite | postgresql): on SQLite the statements on
the write engine and on the read engine, then for each store how many are INSERTs, UPDATEs and
SELECTs, the total, and the total as a ratio of a bare `logIn` mutation's on the same store (the
cheapest write, measured in the same run), for one consult-then-transfer cycle and one inbound
call routed to a group and accepted; then each store's total for one warm cycle.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import event
from sqlalchemy.engine.interfaces import ExecuteStyle

from bench.cycle import ACCEPT, CALL, COMPLETE, CONSULT, LOG_IN, RELEASE, open_offer
from bench.support import REPO, demo_stores, temporary_folder


class StatementCounter:
    """Counts the statements each engine sends to its driver, through SQLAlchemy's
    `before_cursor_execute` event (every statement goes through SQLAlchemy, on both stores).
    Transaction control (BEGIN, COMMIT) is not counted: it does not pass through a cursor,
    and is skipped if it does. An executemany counts once per row of parameters, as the
    database runs it; a batch of SQLAlchemy's "insertmanyvalues" (one INSERT of many VALUES
    rows, which it uses on PostgreSQL) counts once, as it is one statement. On SQLite the write and read engines are counted apart ("write",
    "read"); on PostgreSQL one pool serves both ("shared")."""

    def __init__(self, engines) -> None:
        self.counts: Counter[str] = Counter()
        named = [("write", engines.write), ("read", engines.read)]
        if engines.shared:  # the write engine's listener hears the reads too
            named = [("shared", engines.write)]
        for name, engine in named:
            event.listen(engines.sync(engine), "before_cursor_execute", self._counter(name))

    def _counter(self, name: str):
        def count(_connection, _cursor, statement: str, parameters, context, executemany: bool) -> None:
            verb = statement.lstrip().split(None, 1)[0].upper()
            if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
                return
            # `executemany` is true for an insertmanyvalues batch too, whose parameters are
            # flattened: only a true executemany runs the statement once per row.
            many = executemany and context is not None and context.execute_style is ExecuteStyle.EXECUTEMANY
            n = len(parameters) if many else 1
            self.counts[name] += n
            self.counts["total"] += n
            self.counts[verb] += n
        return count

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



async def measure(url: str) -> list[tuple[str, Counter[str]]]:
    from core.clock import ManualClock
    from core.config import Settings
    from core.runtime import Backline
    from schema.app import create_app
    from tests.support.config import repository_config

    settings = Settings(database_url=url, plugins_file=REPO / "plugins.toml",
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


Rows = list[tuple[str, Counter[str]]]


def report(results: dict[str, Rows]) -> None:
    """The counts of every store side by side, each against its own store's logIn."""
    stores = list(results)
    baselines = {store: rows[0][1]["total"] for store, rows in results.items()}
    columns = f"{'insert':>6s} {'update':>6s} {'select':>6s} {'total':>6s} {'x logIn':>7s}"
    headers = [(f"{'write':>5s} {'read':>4s} " if store == "sqlite" else "") + columns for store in stores]
    print(f"{'':38s} " + " | ".join(f"{store:^{len(header)}s}" for store, header in zip(stores, headers)))
    print(f"{'command':38s} " + " | ".join(headers))
    first = results[stores[0]]
    skip = 1 if first[0][0] == first[1][0] else 0  # the first logIn is the baseline, the second is shown
    for i, (name, _) in enumerate(first[skip:], start=skip):
        cells = []
        for store in stores:
            row_name, counts = results[store][i]
            assert row_name == name, (store, row_name, name)
            cell = (f"{counts['write']:5d} {counts['read']:4d} " if store == "sqlite" else "")
            cell += (f"{counts['INSERT']:6d} {counts['UPDATE']:6d} {counts['SELECT']:6d} {counts['total']:6d} "
                     f"{counts['total'] / baselines[store]:7.1f}")
            cells.append(cell)
        print(f"{name:38s} " + " | ".join(cells))
    for store, rows in results.items():
        baseline = baselines[store]
        warm = [counts for name, counts in rows if name.endswith("(2nd)")]
        cycle = sum(counts["total"] for counts in warm)
        print(f"{store}: one warm consult-then-transfer cycle (6 mutations): {cycle} statements, "
              f"{cycle / 6:.1f} per mutation, {cycle / 6 / baseline:.1f} x logIn ({baseline} statements)")
        if rows[0][1]["write"]:
            # SQLite's write engine runs its statements under the write lock, which serializes
            # writers (PostgreSQL has no such engine: one engine, row locks).
            writes = sum(counts["write"] for counts in warm)
            print(f"  of which on the write engine (under the write lock): {writes}, {writes / 6:.1f} per mutation, "
                  f"{writes / 6 / rows[0][1]['write']:.1f} x logIn's ({rows[0][1]['write']})")


def main() -> None:
    results: dict[str, Rows] = {}
    with temporary_folder() as folder, demo_stores(Path(folder)) as stores:
        for store, url in stores:
            results[store] = asyncio.run(measure(url))
    report(results)


if __name__ == "__main__":
    main()
