"""How operations are executed: SharedEventExecution (one execution per subscription event and
audience, schema.presence), with a short path for plain scalar fields.

graphql-core resolves every field alike: it builds a resolve-info object, calls strawberry's
resolver wrapper, which reads the attribute, then completes the value through the
non-null / list / leaf dispatch. That is about 5 µs per field, and a directory page of ten
people is some 160 fields, mostly scalars read off an attribute (a presence's channel, state,
since): a third of the request. A field that strawberry calls basic (no resolver, no field
extension or permission, no exception handler), without arguments and of a scalar or enum
type, is read and serialized here directly, as strawberry's own resolver would; an object
whose selected fields are all such fields is built in one go. Anything else, and anything
unusual on the way (a null, an error, a middleware), takes graphql-core's path, which then
reports it exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    is_leaf_type,
    is_object_type,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema.presence import SharedEventExecution

# (attribute, default resolver, serializer, non-null) per type name and field name.
Leaf = tuple[str, Callable[[Any, str], Any], Callable[[Any], Any], bool]

_LEAVES: WeakKeyDictionary[GraphQLSchema, dict[str, dict[str, Leaf]]] = WeakKeyDictionary()


def _leaf(field) -> Leaf | None:
    strawberry_field = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    # strawberry marks the resolver it gives a basic field; a field with a resolver,
    # extension, permission or exception handler gets another one.
    if strawberry_field is None or not getattr(field.resolve, "_is_default", False) or field.args:
        return None
    non_null = isinstance(field.type, GraphQLNonNull)
    inner = field.type.of_type if non_null else field.type
    if not is_leaf_type(inner):
        return None
    return strawberry_field.python_name, strawberry_field.default_resolver, _serializer(inner), non_null


def _serializer(leaf_type) -> Callable[[Any], Any]:
    """The type's own serializer; for a strawberry enum, a lookup by member where strawberry
    compares the value with each member's in turn."""
    coerce = leaf_type.coerce_output_value
    members = getattr(leaf_type, "wrapped_cls", None)
    if members is None:
        return coerce
    names: dict[Any, str] = {}
    for name, value in leaf_type.values.items():  # the first name whose value is the member's
        for member in members:
            if member.value == value.value:
                names.setdefault(member, name)

    def serialize(value: Any) -> Any:
        name = names.get(value) if isinstance(value, members) else None
        return coerce(value) if name is None else name

    return serialize


def leaves_of(schema: GraphQLSchema) -> dict[str, dict[str, Leaf]]:
    """The schema's plain scalar fields, by type name and field name (worked out once)."""
    leaves = _LEAVES.get(schema)
    if leaves is None:
        leaves = {}
        for name, graphql_type in schema.type_map.items():
            if is_object_type(graphql_type):
                fields = {field_name: leaf for field_name, field in graphql_type.fields.items()
                          if (leaf := _leaf(field)) is not None}
                if fields:
                    leaves[name] = fields
        _LEAVES[schema] = leaves
    return leaves


class BacklineExecution(SharedEventExecution):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A middleware (a schema extension's `resolve` hook) must see every field.
        middleware = self.middleware_manager
        self._leaves = {} if middleware is not None and middleware.middlewares else leaves_of(self.schema)
        # Per selection (graphql-core collects each once per execution and keeps it): its
        # fields' plans when every one is a plain scalar field, else None.
        self._all_leaves: dict[int, tuple[object, list[tuple[str, Leaf]] | None]] = {}

    def complete_object_value(self, return_type: GraphQLObjectType, field_details_list, info, path, result,
                              position_context):
        """An object whose selected fields are all plain scalars (a presence in a list of
        them) is read in one go, without executing each field."""
        fields = self._leaves.get(return_type.name)
        if fields is not None and return_type.is_type_of is None and position_context is None:
            plans = self._plans_for(fields, return_type, field_details_list)
            if plans is not None:
                data = {}
                for response_name, leaf in plans:
                    value = _read(result, leaf)
                    if value is Undefined:
                        break
                    data[response_name] = value
                else:
                    return data
        return super().complete_object_value(return_type, field_details_list, info, path, result,
                                             position_context)

    def _plans_for(self, fields: dict[str, Leaf], return_type: GraphQLObjectType, field_details_list
                   ) -> list[tuple[str, Leaf]] | None:
        grouped, new_defer_usages, _ = self.collect_subfields(return_type, field_details_list)
        kept = self._all_leaves.get(id(grouped))
        if kept is not None and kept[0] is grouped:
            return kept[1]
        plans: list[tuple[str, Leaf]] | None = []
        for response_name, details in grouped.items():
            node = details[0].node
            leaf = fields.get(node.name.value)
            if leaf is None or node.directives or new_defer_usages:
                plans = None
                break
            plans.append((response_name, leaf))
        self._all_leaves[id(grouped)] = (grouped, plans)
        return plans

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list, path,
                      position_context):
        fields = self._leaves.get(parent_type.name)
        if fields is not None:
            node = field_details_list[0].node
            leaf = fields.get(node.name.value)
            if leaf is not None and not node.directives:
                value = _read(source, leaf)
                if value is not Undefined:
                    return value
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


def _read(source: Any, leaf: Leaf) -> Any:
    """The field's serialized value, or Undefined for graphql-core's path to work out (and
    report) whatever is unusual: a null where none is allowed, a value that does not
    serialize, an error."""
    attribute, resolve, serialize, non_null = leaf
    try:
        value = resolve(source, attribute)
        if value is None:
            return Undefined if non_null else None
        serialized = serialize(value)
    except Exception:  # noqa: BLE001 - reported by graphql-core's path, which meets it again
        return Undefined
    return Undefined if serialized is None else serialized
