"""Statements built once and, on SQLite, compiled once and run straight on the driver.

A Core statement run through SQLAlchemy costs tens of microseconds around what SQLite spends
on it (execution context, parameter and result set-up), and an interaction command runs a
dozen. A `Prepared` statement keeps its SQL and the column types' own bind and result
processors, so running it is: process the parameters, call the driver, process the rows —
the same values in and out as SQLAlchemy would give. Statements whose SQL depends on their
parameters (expanding IN lists) are not prepared: they run through SQLAlchemy as usual, as
does everything on another database.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence


class Compiled:
    """One statement's SQL for one dialect, with its positional parameters' processors and
    its result columns' processors."""

    def __init__(self, statement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        # The SQL must not depend on the parameters, and they must be positional.
        self.usable = (dialect.paramstyle == "qmark" and not compiled.post_compile_params
                       and not compiled.literal_execute_params)
        self.sql = compiled.string
        self.params: list[tuple[str, Callable | None, Any, bool]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            self.params.append((name, bind.type.dialect_impl(dialect).bind_processor(dialect),
                                bind.value, bind.required))
        self.results: list[Callable | None] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in getattr(statement, "selected_columns", ())
        ]
        self.any_result_processor = any(self.results)

    def parameters(self, given: dict[str, Any] | None) -> tuple:
        given = given or {}
        values = []
        for name, process, default, required in self.params:
            value = given[name] if required or name in given else default
            values.append(process(value) if process is not None else value)
        return tuple(values)

    def rows(self, raw: Sequence[tuple]) -> list[tuple]:
        if not self.any_result_processor:
            return list(raw)
        processors = self.results
        return [tuple(value if p is None else p(value) for p, value in zip(processors, row)) for row in raw]


class Prepared:
    """A statement built once (a module-level constant), compiled once per dialect."""

    def __init__(self, statement) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled | None] = {}

    def compiled(self, dialect) -> Compiled | None:
        """None where the statement cannot run straight on the driver."""
        key = dialect.name
        if key not in self._compiled:
            compiled = Compiled(self.statement, dialect)
            self._compiled[key] = compiled if compiled.usable else None
        return self._compiled[key]


class RawResult:
    """The part of SQLAlchemy's Result that callers of a prepared statement use: rows as
    plain tuples (no attribute access), and the count of rows an UPDATE changed."""

    def __init__(self, rows: list[tuple], rowcount: int = -1) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self):
        return iter(self._rows)

    def all(self) -> list[tuple]:
        return list(self._rows)

    def first(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            raise ValueError(f"expected one row, got {len(self._rows)}")
        return self._rows[0][0]


class DriverRunner:
    """Runs prepared statements on a SQLite connection's own sqlite3 connection, inside the
    transaction SQLAlchemy began on it."""

    def __init__(self, sync_connection) -> None:
        self.dialect = sync_connection.dialect
        self.driver = sync_connection.connection.driver_connection

    def execute(self, compiled: Compiled, params: dict[str, Any] | None) -> RawResult:
        cursor = self.driver.execute(compiled.sql, compiled.parameters(params))
        try:
            rows = compiled.rows(cursor.fetchall()) if compiled.results else []
            return RawResult(rows, cursor.rowcount)
        finally:
            cursor.close()

    def insert(self, compiled: Compiled, params: dict[str, Any]) -> int:
        cursor = self.driver.execute(compiled.sql, compiled.parameters(params))
        try:
            return cursor.lastrowid
        finally:
            cursor.close()

    def execute_many(self, compiled: Compiled, params: Iterable[dict[str, Any]]) -> None:
        self.driver.executemany(compiled.sql, [compiled.parameters(p) for p in params]).close()

    def last_insert_rowid(self) -> int:
        # sqlite3 leaves cursor.lastrowid unchanged after executemany().
        cursor = self.driver.execute("SELECT last_insert_rowid()")
        try:
            return cursor.fetchone()[0]
        finally:
            cursor.close()
