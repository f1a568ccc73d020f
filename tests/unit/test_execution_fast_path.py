"""schema.execution reads plain fields directly (scalars, lists of them, and objects made of
them, nested): results and errors must be exactly graphql-core's own."""

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
class Shelf:
    label: str
    tags: list[str]
    items: list[Item]
    first: Item | None = None
    maybe_tags: list[str | None] | None = None


def _shelf(**changes) -> Shelf:
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    values = dict(label="s", tags=["x", "y"], items=[Item(name="a", count=1, colour=Colour.RED, at=at)],
                  first=Item(name="f", count=0, colour=Colour.BLUE, at=at), maybe_tags=["t", None])
    values.update(changes)
    return Shelf(**values)


def _generator():
    yield "g"


@strawberry.type
class Page:
    shelves: list[Shelf]


@strawberry.type
class Query:
    @strawberry.field
    def page(self) -> Page:
        return Page(shelves=[_shelf(), _shelf(label="t", first=None, maybe_tags=None)])

    @strawberry.field
    def odd_pages(self) -> list[Page | None]:  # an error nulls its page alone
        at = datetime.now(UTC)
        return [Page(shelves=[_shelf(tags=["x", None])]),  # type: ignore[list-item] # a null in [String!]!
                Page(shelves=[_shelf(items=[Item(name=None, count=1, colour=Colour.RED, at=at)])]),  # type: ignore[arg-type]
                Page(shelves=[_shelf(tags=_generator())]),  # type: ignore[arg-type] # an iterable, not a list
                Page(shelves=[_shelf(first=Broken())]),  # type: ignore[arg-type]
                Page(shelves=[_shelf(label=3)])]  # type: ignore[arg-type] # coerced to "3"

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


NESTED = """{ page { __typename shelves { label tags maybeTags t: __typename
  first { name colour at } items { ... on Item { name n: count } } } } }"""


def test_nested_objects_and_lists_of_plain_fields_give_the_same_data():
    plain = run(StrawberryGraphQLCoreExecutionContext, NESTED)
    fast = run(BacklineExecution, NESTED)
    assert fast.errors is None
    assert fast.data == plain.data
    assert fast.data["page"]["shelves"][1] == {
        "label": "t", "tags": ["x", "y"], "maybeTags": None, "t": "Shelf", "first": None,
        "items": [{"name": "a", "n": 1}]}


def test_an_unusual_value_deep_in_a_plain_object_is_reported_as_graphql_core_does():
    query = "{ oddPages { shelves { label tags items { name } first { name } } } }"
    plain = run(StrawberryGraphQLCoreExecutionContext, query)
    fast = run(BacklineExecution, query)
    assert fast.data == plain.data
    assert [(e.message, e.path) for e in fast.errors] == [(e.message, e.path) for e in plain.errors]
    assert len(fast.errors) == 3
    assert fast.data["oddPages"][2]["shelves"][0]["tags"] == ["g"]
    assert fast.data["oddPages"][4]["shelves"][0]["label"] == "3"


def test_the_short_path_builds_plain_objects_itself(monkeypatch):
    """Fails if the short path stops being taken (every field through graphql-core)."""
    import schema.execution as execution

    read = []
    original = execution._read_object
    monkeypatch.setattr(execution, "_read_object", lambda plans, source: read.append(source) or original(plans, source))
    assert run(BacklineExecution, NESTED).errors is None
    assert sum(isinstance(source, Shelf) for source in read) == 2
