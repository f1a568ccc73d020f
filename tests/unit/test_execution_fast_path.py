"""schema.execution reads plain scalar fields directly: results and errors must be exactly
graphql-core's own."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import BacklineExecution


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Broken:
    @property
    def name(self) -> str:
        raise ValueError("no name")


@strawberry.type
class Item:
    name: str
    count: int
    colour: Colour
    at: datetime
    note: str | None = None

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        return [Item(name="a", count=1, colour=Colour.RED, at=at),
                Item(name="b", count=2, colour=Colour.BLUE, at=at, note="n")]

    @strawberry.field
    def missing(self) -> list[Item]:
        return [Item(name=None, count=3, colour=Colour.RED, at=datetime.now(UTC))]  # type: ignore[arg-type]

    @strawberry.field
    def broken(self) -> list[Item]:
        return [Broken()]  # type: ignore[list-item]


QUERY = """query($yes: Boolean!) {
  items { __typename name n: count colour at note shout(times: 2) skipped: name @skip(if: $yes)
          ... on Item { count } }
}"""


LEAVES_ONLY = "{ items { name colour at note } again: items { n: count at } }"


def run(context_class, query: str, variables=None):
    schema = strawberry.Schema(query=Query, execution_context_class=context_class)
    return schema.execute_sync(query, variable_values=variables)


def test_plain_fields_give_the_same_data():
    plain = run(StrawberryGraphQLCoreExecutionContext, QUERY, {"yes": True})
    fast = run(BacklineExecution, QUERY, {"yes": True})
    assert fast.errors is None
    assert fast.data == plain.data
    assert fast.data["items"][1] == {"__typename": "Item", "name": "b", "n": 2, "colour": "BLUE",
                                     "at": "2026-01-05T09:00:00+00:00", "note": "n", "shout": "BB", "count": 2}


def test_objects_of_plain_fields_only_give_the_same_data():
    plain = run(StrawberryGraphQLCoreExecutionContext, LEAVES_ONLY)
    fast = run(BacklineExecution, LEAVES_ONLY)
    assert fast.errors is None
    assert fast.data == plain.data
    assert list(fast.data["again"][0]) == ["n", "at"]


def test_a_null_or_a_failing_field_is_reported_as_graphql_core_does():
    for query in ("{ missing { name count } }", "{ broken { name } }", "{ missing { count } broken { count } }"):
        plain = run(StrawberryGraphQLCoreExecutionContext, query)
        fast = run(BacklineExecution, query)
        assert fast.data == plain.data
        assert [(e.message, e.path) for e in fast.errors] == [(e.message, e.path) for e in plain.errors]
        assert fast.errors
