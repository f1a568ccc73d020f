"""The rows a unit of work changes most (interactions, parties, offers, presence), read and
written with Core statements built once, outside the ORM session.

Every interaction command loads a handful of these rows, changes a few and adds one or two.
Through the ORM session that cost several times what SQLite spends: each flush sorts its
work by mapper and dependency, each query sets up ORM loading and the identity map. Here a
unit of work keeps its own identity map (one object per row), inserts a new row at once (its
id is needed for the events), and writes every row changed since the last write with one
UPDATE per table (executemany) before it reads again and when it commits, so what it reads
always includes what it changed.

The objects are the ordinary model instances, never attached to a session: changing one
means saying so (`save`). Everything else (transcripts, voicemail, supervisions …) stays
with the session of the same transaction.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from sqlalchemy import bindparam, insert, select, update


class RowMapper:
    """How one table model's rows become instances and go back: statements built once."""

    def __init__(self, model: type) -> None:
        table = model.__table__
        self.model = model
        self.names = tuple(column.name for column in table.c)
        self.key_names = tuple(column.name for column in table.primary_key.columns)
        self.width = len(self.names)
        self._key_positions = tuple(self.names.index(name) for name in self.key_names)
        self._new = model._sa_class_manager.new_instance  # what the ORM's loading uses
        self.insert = insert(table)
        self.update = update(table).where(
            *(table.c[name] == bindparam(f"key_{name}") for name in self.key_names)
        ).values({name: bindparam(name) for name in self.names if name not in self.key_names})
        self.by_key = select(table).where(*(table.c[name] == bindparam(name) for name in self.key_names))

    def build(self, values: Sequence[Any]) -> Any:
        instance = self._new()
        instance.__dict__.update(zip(self.names, values))
        return instance

    def key_of_values(self, values: Sequence[Any]):
        if len(self._key_positions) == 1:
            return values[self._key_positions[0]]
        return tuple(values[i] for i in self._key_positions)

    def key(self, instance: Any):
        state = instance.__dict__
        if len(self.key_names) == 1:
            return state[self.key_names[0]]
        return tuple(state[name] for name in self.key_names)

    def key_params(self, key) -> dict[str, Any]:
        keys = key if isinstance(key, tuple) else (key,)
        return dict(zip(self.key_names, keys))

    def values(self, instance: Any) -> dict[str, Any]:
        state = instance.__dict__
        return {name: state.get(name) for name in self.names}

    def update_params(self, instance: Any) -> dict[str, Any]:
        params = self.values(instance)
        for name in self.key_names:
            params[f"key_{name}"] = params.pop(name)
        return params


_MAPPERS: dict[type, RowMapper] = {}


def mapper_of(model: type) -> RowMapper:
    mapper = _MAPPERS.get(model)
    if mapper is None:
        mapper = _MAPPERS[model] = RowMapper(model)
    return mapper


class Rows:
    """One unit of work's rows of the models above: an identity map, the rows changed since
    they were last written, and the statements that read and write them. Runs its
    statements on the unit of work's own connection (its transaction)."""

    def __init__(self, session) -> None:
        self.session = session
        self._connection = None
        self._known: dict[tuple[type, Any], Any] = {}
        self._changed: dict[int, Any] = {}  # by id(): a dict keeps the order they changed in

    async def connection(self):
        if self._connection is None:
            self._connection = await self.session.connection()
        return self._connection

    # -- reading -------------------------------------------------------------------------

    async def execute(self, statement, params: dict[str, Any] | None = None):
        """A Core statement in this transaction, after the changes so far are written."""
        await self.write()
        return await (await self.connection()).execute(statement, params)

    async def load(self, statement, params: dict[str, Any] | None, *models: type) -> list[tuple]:
        """Rows of a statement that selects the whole tables of `models`, in that order (a
        join); each as the unit of work's instance of it, None for an outer join's missing
        side. A row already known keeps its instance (it holds what this unit changed)."""
        mappers = [mapper_of(model) for model in models]
        result = await self.execute(statement, params)
        loaded = []
        for row in result:
            start, instances = 0, []
            for mapper in mappers:
                values = row[start:start + mapper.width]
                start += mapper.width
                instances.append(self._instance(mapper, values))
            loaded.append(tuple(instances))
        return loaded

    async def all(self, model: type, statement, params: dict[str, Any] | None = None) -> list:
        return [instance for (instance,) in await self.load(statement, params, model)]

    async def get(self, model: type, key):
        """The row with this primary key (a tuple for a composite one), or None."""
        known = self._known.get((model, key))
        if known is not None:
            return known
        mapper = mapper_of(model)
        found = await self.all(model, mapper.by_key, mapper.key_params(key))
        return found[0] if found else None

    def known(self, model: type, key):
        """The row if this unit of work has it already, without a statement."""
        return self._known.get((model, key))

    def _instance(self, mapper: RowMapper, values: Sequence[Any]):
        key = mapper.key_of_values(values)
        if key is None or (isinstance(key, tuple) and None in key):
            return None
        known = self._known.get((mapper.model, key))
        if known is None:
            known = self._known[(mapper.model, key)] = mapper.build(values)
        return known

    # -- writing -------------------------------------------------------------------------

    async def add(self, instance: Any) -> Any:
        """Inserts a new row now: its generated id is set on it, and later reads find it."""
        mapper = mapper_of(type(instance))
        values = {name: value for name, value in mapper.values(instance).items()
                  if value is not None or name not in mapper.key_names}
        result = await (await self.connection()).execute(mapper.insert, values)
        if len(mapper.key_names) == 1 and values.get(mapper.key_names[0]) is None:
            setattr(instance, mapper.key_names[0], result.inserted_primary_key[0])
        self._known[(mapper.model, mapper.key(instance))] = instance
        return instance

    def save(self, instance: Any) -> None:
        """This row changed: it is written before the next read and at commit."""
        self._changed[id(instance)] = instance

    def save_all(self, instances: Iterable[Any]) -> None:
        for instance in instances:
            self.save(instance)

    async def write(self) -> None:
        """Every changed row, one UPDATE (executemany) per table."""
        if not self._changed:
            return
        by_model: dict[type, list[dict[str, Any]]] = {}
        for instance in self._changed.values():
            mapper = mapper_of(type(instance))
            by_model.setdefault(mapper.model, []).append(mapper.update_params(instance))
        self._changed.clear()
        connection = await self.connection()
        for model, params in by_model.items():
            await connection.execute(mapper_of(model).update, params)
