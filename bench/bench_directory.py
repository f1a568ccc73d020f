"""Directory search over 100,000 targets, against a real `backline serve` process, on SQLite
and then on PostgreSQL (an embedded server) in the same run.

Prints for each store, measured in the same run on the same server:
- saturated throughput of `directory(search: …)` and of a field that returns a constant
  (`reasonCodes`: same authentication and GraphQL pipeline, no data), and their ratio
  (goal ≥ 0.5), measured in alternating half-second turns so that both see the same
  share of a machine that other work also uses;
- p50/p99 latency of the search at half of its saturated throughput (goal p99 ≤ 20 ms),
  measured from each request's scheduled start, so a stall is not hidden;
and last, one line with both stores' directory/constant ratios (goal ≥ 0.5 on both).

Both processes freeze their long-lived objects before measuring (`gc.freeze()`): the server
does so at start-up (schema/cli.py), and this client does too, because a full garbage
collection walking its ~150,000 start-up objects paused it for ~30 ms, which the open-loop
measurement then charged to every request in flight (it showed as p99 tails of 20-50 ms on
the constant field as much as on the search).
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

from sqlalchemy import Connection, insert, text

from bench.support import demo_stores, describe, percentile, temporary_folder
from core.directory.indexing import word_rows
from core.directory.models import Target, TargetKind, TargetMember, TargetWord
from core.directory.text import search_key
from core.identity.models import Role, User
from core.presence.models import ChannelPresence
from core.store.db import create_engines

TARGETS = 100_000
CONCURRENCY = 8
SECONDS = 4.0
ROUNDS = 8

FIRST = ["Camille", "Hélène", "François", "Zoë", "Noémie", "Jérôme", "Inès", "Loïc", "Céline", "André",
         "Élodie", "Gaëtan", "Béatrice", "José", "Bjørn", "Jürgen", "Anaïs", "Raphaël", "Océane", "Maël",
         "Agnès", "Cédric", "Léa", "Sébastien", "Chloé", "Joël", "Renée", "Françoise", "Éloïse", "Gaël",
         "Mélanie", "Stéphane", "Thérèse", "Émeric", "Aurélie", "Frédéric", "Geneviève", "Hervé", "Óscar",
         "Søren", "Zoé", "Marie", "Paul", "Lucas", "Emma", "Louis", "Jade", "Hugo", "Alice", "Arthur"]
LAST = ["Martin", "Dupont", "Durand", "Lefèvre", "Moreau", "García", "Petit", "Roux", "Fournier", "Girard",
        "Bonnet", "Mercier", "Blanc", "Faure", "Muñoz", "Østergaard", "Müller", "Chevalier", "Dupuis",
        "Lambert", "Fontaine", "Rousseau", "Vincent", "Morel", "André", "Masson", "Picard", "Gauthier",
        "Tremblay", "Gagnon", "Côté", "Bouchard", "Leblanc", "Pelletier", "Bélanger", "Lévesque",
        "Bergeron", "Paquette", "Núñez", "Lindqvist", "Lemaire", "Leclerc", "Rivière", "Ouellet",
        "Bernard", "Thomas", "Robert", "Richard", "Laurent", "Simon", "Michel", "Garnier", "Chevallier",
        "Legrand", "Gauthier", "Perrin", "Clément", "Morin", "Nicolas", "Henry", "Mathieu", "Brun"]
POOL_WORDS = ["Support", "Ventes", "Français", "Español", "Deutsch", "English", "Crédit", "Assurance",
              "Hypothèque", "Rétention", "Facturation", "Technique", "Niveau", "Sécurité", "Priorité",
              "Entreprise", "Particuliers", "Export", "Réclamations", "Fidélité"]
POOL_KINDS = [TargetKind.AGENT_GROUP, TargetKind.SKILL, TargetKind.ROUTING_POINT, TargetKind.INTERACTION_QUEUE]

CONSTANT = "{ reasonCodes }"
SEARCH = """query($s: String!) { directory(search: $s, first: 10) { edges { node {
  id kind name availableChannels presence { channel state since } } } } }"""
SEARCH_FULL = """query($s: String!) { directory(search: $s, first: 10) { edges { node {
  id kind name favourite availableChannels presence { channel state reason since }
  availability { channel available } actions { kind available channels reason } } } } }"""
LOGIN = 'mutation { login(username: "agent", password: "demo") { ... on LoginSuccess { token } } }'


def populate(url: str, rng: random.Random) -> int:
    """Adds people and pools until the directory holds TARGETS targets (bulk SQL: seconds), on
    either store: SQLAlchemy Core executemany in one transaction, then ANALYZE."""
    async def fill() -> int:
        engines = create_engines(url)
        try:
            if engines.on_loop:  # SQLite: a synchronous engine
                with engines.write.begin() as connection:
                    total = _fill(connection, rng)
                # The write engine never checkpoints (the server does, on a thread): copy the
                # bulk insert out of the write-ahead log now, so the server starts on a small log.
                raw = engines.write.raw_connection()
                try:
                    raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    raw.close()
                return total
            async with engines.write.begin() as connection:
                total = await connection.run_sync(_fill, rng)
            # PostgreSQL: vacuumed now, as autovacuum would do soon after a bulk load. Left to
            # autovacuum, it ran during the measurement, on one of the machine's two cores; and
            # until a table is vacuumed its pages are not marked all-visible, so the search's
            # index-only scans still read the table. Steady state is what is measured.
            async with engines.write.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("VACUUM ANALYZE"))
            return total
        finally:
            await engines.dispose()

    return asyncio.run(fill())


def _fill(db: Connection, rng: random.Random) -> int:
    scalar = lambda sql: db.execute(text(sql)).scalar_one()  # noqa: E731
    existing = scalar("SELECT count(*) FROM target")
    teams = list(db.execute(text("SELECT id FROM team")).scalars())
    password_hash = scalar("SELECT password_hash FROM app_user ORDER BY id LIMIT 1")
    now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    people = (TARGETS - existing) * 6 // 10
    pools = TARGETS - existing - people
    user_base = scalar("SELECT max(id) FROM app_user") + 1
    target_base = scalar("SELECT max(id) FROM target") + 1
    users, targets, words, presence, members = [], [], [], [], []
    for i in range(people):
        uid, tid = user_base + i, target_base + i
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        users.append((uid, f"bench.{i}", name, Role.AGENT, rng.choice(teams), password_hash))
        targets.append((tid, TargetKind.AGENT, name, search_key(name), uid, None, False))
        words.extend(word_rows(tid, name, TargetKind.AGENT))
        if rng.random() < 0.3:
            presence.append((uid, "voice", True, rng.random() < 0.6, None, 0, now, now))
        if rng.random() < 0.2:
            presence.append((uid, "im", True, True, None, 0, now, now))
    for j in range(pools):
        tid = target_base + people + j
        name = f"{rng.choice(POOL_WORDS)} {rng.choice(POOL_WORDS)} {j}"
        kind = rng.choice(POOL_KINDS)
        targets.append((tid, kind, name, search_key(name), None, None, rng.random() < 0.5))
        words.extend(word_rows(tid, name, kind))
        members.extend((tid, uid) for uid in rng.sample(range(user_base, user_base + people), 5))

    def rows(columns: str, values: list[tuple]) -> list[dict]:
        names = columns.split()
        return [dict(zip(names, row)) for row in values]

    db.execute(insert(User.__table__), rows("id username display_name role team_id password_hash", users))
    db.execute(insert(Target.__table__),
               rows("id kind name search_key user_id address show_availability", targets))
    db.execute(insert(TargetWord.__table__), words)
    db.execute(insert(TargetMember.__table__), rows("target_id user_id", members))
    db.execute(insert(ChannelPresence.__table__),
               rows("user_id channel logged_in ready reason load since idle_since", presence))
    if db.dialect.name == "postgresql":
        # The ids were given explicitly: move the sequences past them, as an ordinary insert would.
        for table in ("app_user", "target"):
            db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
    # Statistics for the planner (both stores), or it would plan the search for empty tables.
    db.execute(text("ANALYZE"))
    return scalar("SELECT count(*) FROM target")


def search_terms(rng: random.Random, n: int = 500) -> list[str]:
    terms = []
    for _ in range(n):
        word = rng.choice(FIRST + LAST + POOL_WORDS)
        r = rng.random()
        if r < 0.6:
            terms.append(word[: rng.randint(2, 4)].lower())  # a few letters typed
        elif r < 0.8:
            terms.append(word)
        else:
            terms.append(f"{rng.choice(FIRST)} {rng.choice(LAST)[:3]}")
    return terms


async def post(http: httpx.AsyncClient, query: str, variables: dict) -> None:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"benchmark request failed: {response.status_code} {str(body)[:300]}")


async def burst(http, query: str, terms: list[str], seconds: float, first: int = 0) -> tuple[int, float]:
    """Requests done, and the time taken, with CONCURRENCY clients sending back to back for
    `seconds` (the search terms taken in turn from `first` on)."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def client(k: int) -> None:
        nonlocal done
        i = first + k
        while time.perf_counter() < deadline:
            await post(http, query, {"s": terms[i % len(terms)]} if "$s" in query else {})
            done += 1
            i += CONCURRENCY

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(CONCURRENCY)))
    return done, time.perf_counter() - started


async def saturate(http, queries: list[str], terms: list[str]) -> list[float]:
    """Requests per second of each query, SECONDS each, taken in ROUNDS turns: the machine is
    shared, and another process busy during one query's slot and idle during the next one's
    would otherwise move the ratio between them."""
    done, spent = [0] * len(queries), [0.0] * len(queries)
    for _ in range(ROUNDS):
        for k, query in enumerate(queries):
            n, seconds = await burst(http, query, terms, SECONDS / ROUNDS, first=done[k])
            done[k] += n
            spent[k] += seconds
    return [n / seconds for n, seconds in zip(done, spent)]


async def paced(http, query: str, terms: list[str], rate: float) -> list[float]:
    """Open loop at `rate` requests per second; latency from each scheduled start (ms)."""
    latencies: list[float] = []
    count = int(rate * SECONDS)
    start = time.perf_counter() + 0.05

    async def one(i: int) -> None:
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        await post(http, query, {"s": terms[i % len(terms)]})
        latencies.append((time.perf_counter() - scheduled) * 1000)

    await asyncio.gather(*(one(i) for i in range(count)))
    return latencies


async def measure(base: str, terms: list[str]) -> float:
    """Prints the figures; returns the search's saturated rate as a ratio of the constant field's."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        token = (await http.post("/graphql", json={"query": LOGIN})).json()["data"]["login"]["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        for query in (SEARCH, CONSTANT, SEARCH_FULL):  # warm up caches and connections
            await burst(http, query, terms, 0.5)
        constant, search, full = await saturate(http, [CONSTANT, SEARCH, SEARCH_FULL], terms)
        print(f"saturated, {CONCURRENCY} concurrent clients, {SECONDS:.0f} s each in {ROUNDS} turns:")
        print(f"  constant field (reasonCodes)      {constant:8.0f} req/s")
        print(f"  directory(search:) 10 results     {search:8.0f} req/s   ratio {search / constant:.2f} (goal >= 0.5)")
        print(f"  same with actions and availability{full:8.0f} req/s   ratio {full / constant:.2f}")
        half = search / 2
        latencies = await paced(http, SEARCH, terms, half)
        print(f"directory(search:) at half load ({half:.0f} req/s): {describe(latencies)}")
        print(f"  p99 {percentile(latencies, 99):.2f} ms (goal <= 20 ms)")
        constant_latencies = await paced(http, CONSTANT, terms, half)
        print(f"constant field at the same rate:            {describe(constant_latencies)}")
        return search / constant


def main() -> None:
    from tests.support.servers import server_process

    # Both stores in one run, one after the other on the same machine, each against its own
    # constant field; the same seed gives both the same directory and the same search terms.
    ratios: dict[str, float] = {}
    with temporary_folder() as folder, demo_stores(Path(folder)) as stores:
        for store, url in stores:
            print(f"\n--- store: {store}", flush=True)
            rng = random.Random(20260105)
            started = time.perf_counter()
            total = populate(url, rng)
            print(f"directory of {total} targets built in {time.perf_counter() - started:.1f} s", flush=True)
            terms = search_terms(rng)
            # Rate limiting (SEC3) is per caller; the benchmark is one caller on purpose.
            with server_process(url, extra_env={"BACKLINE_RATE_LIMIT": "1000000"}) as base:
                # The client's own heap (this module, SQLAlchemy, the models…) is frozen too, so
                # that a full collection in the client does not stall it for ~30 ms in the middle
                # of the paced run and get counted as the server's latency.
                gc.collect()
                gc.freeze()
                ratios[store] = asyncio.run(measure(base, terms))
    print("\ndirectory/constant ratio: " + ", ".join(f"{store} {ratio:.2f}" for store, ratio in ratios.items())
          + " (goal >= 0.5 on both)")


if __name__ == "__main__":
    main()
