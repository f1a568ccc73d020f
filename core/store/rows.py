"""The rows a unit of work changes most (interactions, parties, offers, presence), read and
written through the unit of work's ORM session: one identity map per transaction, the same
code on every store, mapper defaults and events applying to every row.

What this adds to the session is a small vocabulary the engine speaks:
- `load` / `all` read ORM statements built once (module constants: SQLAlchemy compiles each
  once and keeps it in its compiled cache);
- `add` / `create` insert a new row at once (its generated id is needed for the events);
- `known` answers from the identity map without a statement;
- `execute` runs a Core statement in the transaction after the session's pending changes
  (autoflush), so what it reads includes what this unit changed.

Contended rows are locked where they are read (`FOR UPDATE` in the statements of the
callers: an interaction, an agent); SQLite ignores the clause, its writer holds the whole
database (core.store.unit_of_work).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session


class Rows:
    """One unit of work's rows: its session, spoken to in the engine's terms."""

    def __init__(self, session) -> None:
        self.session = session
        # The session's identity map holds its objects weakly: an unchanged row nobody
        # refers to would be forgotten (and read again). Kept here until the unit ends.
        self._held: list[Any] = []

    # -- reading -------------------------------------------------------------------------

    async def execute(self, statement, params: dict[str, Any] | None = None):
        """A Core statement (or an ORM one whose result the caller reads itself)."""
        return await self.session.execute(statement, params)

    async def load(self, statement, params: dict[str, Any] | None, *models: type) -> list[tuple]:
        """Rows of an ORM statement that selects the entities `models`, in that order (a
        join); None for an outer join's missing side. A row already in the identity map keeps
        its object (it holds what this unit changed)."""
        result = await self.session.execute(statement, params)
        rows = [tuple(row) for row in result.all()]
        self._held.extend(rows)
        return rows

    async def all(self, model: type, statement, params: dict[str, Any] | None = None) -> list:
        rows = list((await self.session.execute(statement, params)).scalars().all())
        self._held.extend(rows)
        return rows

    async def get(self, model: type, key):
        """The row with this primary key (a tuple for a composite one), or None. A row this
        unit of work holds already is answered from the identity map, as `Session.get`
        would, without its cost (the engine asks for the same agent several times)."""
        row = self.known(model, key)
        if row is None or inspect(row).expired:
            row = await self.session.get(model, key)
            self._held.append(row)
        return row

    def known(self, model: type, key):
        """The row if this unit of work has it already, without a statement."""
        return self.session.identity_map.get(Session.identity_key(model, key))

    # -- writing -------------------------------------------------------------------------

    async def add(self, instance: Any) -> Any:
        """Inserts a new row now: its generated id is set on it, and later reads find it."""
        self.session.add(instance)
        await self.session.flush()
        return instance

    async def create(self, model: type, **values: Any) -> Any:
        """A new row of `model` built by its own constructor (defaults apply), inserted now."""
        return await self.add(model(**values))
