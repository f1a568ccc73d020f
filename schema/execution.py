"""How operations are executed: SharedEventExecution (one execution per subscription event and
audience, schema.presence), with a short path for plain fields.

graphql-core resolves every field alike: it builds a resolve-info object, calls strawberry's
resolver wrapper, which reads the attribute, then completes the value through the
non-null / list / leaf / object dispatch. That is about 5 µs per field, and a directory page
of ten people is some 160 fields, nearly all read off an attribute (a result's id, kind and
name, its channels, a presence's channel, state, since): most of the request.

A field is plain when strawberry calls it basic (no resolver, no field extension or
permission, no exception handler), it takes no arguments and carries no directive, and its
type is a scalar or an enum, a list of them, or an object type (or a list of one) whose
selected fields are all plain in turn. An object whose selected fields are all plain is built
here in one go, reading each attribute and serializing it as strawberry's own resolver and
graphql-core would (a leaf outside such an object is still read directly). Anything unusual
on the way (a null where none is allowed, a value that does not serialize, an attribute that
raises, something that is not a list where one is due, a middleware) sends the whole object
back to graphql-core's path, which then works it out, and reports it, exactly as before:
plain fields only read attributes, so reading them again is harmless.

This module is the one hook into execution: it subclasses graphql-core's execution context
(`complete_object_value`, `execute_field`, `collect_subfields`), and it tells a basic field by
the `_is_default` mark strawberry puts on the resolver it generates for one, which strawberry
does not document. strawberry is pinned to 0.341.x for it (pyproject.toml); without the mark
every field takes graphql-core's path, slower but the same. tests/unit/test_execution_fast_path.py
compares data and errors with strawberry's stock execution context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    is_leaf_type,
    is_object_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema.presence import SharedEventExecution

# (attribute, default resolver, the field's GraphQL type) per type name and field name.
Basic = tuple[str, Callable[[Any, str], Any], Any]
# How one response key of a plain object is read: (name, attribute, resolver, non-null,
# completion of a non-null value).
Plan = tuple[str, str | None, Callable[[Any, str], Any] | None, bool, Callable[[Any], Any]]

_BASIC: WeakKeyDictionary[GraphQLSchema, dict[str, dict[str, Basic]]] = WeakKeyDictionary()
# Each scalar or enum type's serializer, by type name, per schema (an enum's is a table built once).
_SERIALIZERS: WeakKeyDictionary[GraphQLSchema, dict[str, Callable[[Any], Any]]] = WeakKeyDictionary()


class _Unusual(Exception):
    """A value graphql-core must complete itself (and perhaps report)."""


def _basic(field) -> Basic | None:
    strawberry_field = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    # strawberry marks the resolver it gives a basic field; a field with a resolver,
    # extension, permission or exception handler gets another one.
    if strawberry_field is None or not getattr(field.resolve, "_is_default", False) or field.args:
        return None
    return strawberry_field.python_name, strawberry_field.default_resolver, field.type


def _serializer(leaf_type) -> Callable[[Any], Any]:
    """The type's own serializer, raising _Unusual where graphql-core would report an error;
    for a strawberry enum, a lookup by member where strawberry compares the value with each
    member's in turn."""
    coerce = leaf_type.coerce_output_value
    members = getattr(leaf_type, "wrapped_cls", None)
    names: dict[Any, str] = {}
    for name, value in (leaf_type.values.items() if members is not None else ()):
        for member in members:  # the first name whose value is the member's
            if member.value == value.value:
                names.setdefault(member, name)

    def serialize(value: Any) -> Any:
        name = names.get(value) if members is not None and isinstance(value, members) else None
        if name is not None:
            return name
        serialized = coerce(value)
        if serialized is None:
            raise _Unusual
        return serialized

    return serialize


def basic_fields_of(schema: GraphQLSchema) -> dict[str, dict[str, Basic]]:
    """The schema's basic fields, by type name and field name (worked out once)."""
    basic = _BASIC.get(schema)
    if basic is None:
        basic = {}
        for name, graphql_type in schema.type_map.items():
            if is_object_type(graphql_type):
                fields = {field_name: found for field_name, field in graphql_type.fields.items()
                          if (found := _basic(field)) is not None}
                if fields:
                    basic[name] = fields
        _BASIC[schema] = basic
    return basic


def _read_object(plans: list[Plan], source: Any) -> dict[str, Any]:
    data = {}
    for name, attribute, resolve, non_null, complete in plans:
        value = resolve(source, attribute) if resolve is not None else attribute
        if value is None:
            if non_null:
                raise _Unusual
            data[name] = None
        else:
            data[name] = complete(value)
    return data


def _list_of(item_non_null: bool, complete: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def complete_list(values: Any) -> list:
        if not isinstance(values, (list, tuple)):  # any other iterable: graphql-core's rules
            raise _Unusual
        out = []
        for value in values:
            if value is None:
                if item_non_null:
                    raise _Unusual
                out.append(None)
            else:
                out.append(complete(value))
        return out

    return complete_list


class BacklineExecution(SharedEventExecution):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A middleware (a schema extension's `resolve` hook) must see every field.
        middleware = self.middleware_manager
        self._basic = {} if middleware is not None and middleware.middlewares else basic_fields_of(self.schema)
        self._serializers = _SERIALIZERS.setdefault(self.schema, {})
        # Per selection (graphql-core collects each once per execution and keeps it): how to
        # read it when every selected field is plain, else None.
        self._plans: dict[int, tuple[object, list[Plan] | None]] = {}

    def complete_object_value(self, return_type: GraphQLObjectType, field_details_list, info, path, result,
                              position_context):
        """An object whose selected fields are all plain (a directory page, its results,
        their presence) is read in one go, without executing each field."""
        if position_context is None and return_type.name in self._basic:
            plans = self._plans_for(return_type, field_details_list)
            if plans is not None:
                try:
                    return _read_object(plans, result)
                except Exception:  # noqa: BLE001 - graphql-core's path meets it again, and reports it
                    pass
        return super().complete_object_value(return_type, field_details_list, info, path, result,
                                             position_context)

    def _plans_for(self, return_type: GraphQLObjectType, field_details_list) -> list[Plan] | None:
        if return_type.is_type_of is not None:
            return None
        grouped, new_defer_usages, _ = self.collect_subfields(return_type, field_details_list)
        kept = self._plans.get(id(grouped))
        if kept is not None and kept[0] is grouped:
            return kept[1]
        plans: list[Plan] | None = None
        if not new_defer_usages:
            plans = []
            fields = self._basic.get(return_type.name, {})
            for response_name, details in grouped.items():
                plan = self._plan(return_type, fields, response_name, details)
                if plan is None:
                    plans = None
                    break
                plans.append(plan)
        self._plans[id(grouped)] = (grouped, plans)
        return plans

    def _plan(self, return_type, fields: dict[str, Basic], response_name: str, details) -> Plan | None:
        if any(detail.node.directives for detail in details):
            return None
        field_name = details[0].node.name.value
        if field_name == "__typename":
            return response_name, return_type.name, None, True, str
        found = fields.get(field_name)
        if found is None:
            return None
        attribute, resolve, field_type = found
        non_null = isinstance(field_type, GraphQLNonNull)
        complete = self._completion(field_type.of_type if non_null else field_type, details)
        return None if complete is None else (response_name, attribute, resolve, non_null, complete)

    def _completion(self, graphql_type, details) -> Callable[[Any], Any] | None:
        """How a non-null value of this (nullable) type is completed, or None if not plain."""
        if is_leaf_type(graphql_type):
            serialize = self._serializers.get(graphql_type.name)
            if serialize is None:
                serialize = self._serializers[graphql_type.name] = _serializer(graphql_type)
            return serialize
        if isinstance(graphql_type, GraphQLList):
            item_type = graphql_type.of_type
            item_non_null = isinstance(item_type, GraphQLNonNull)
            item = self._completion(item_type.of_type if item_non_null else item_type, details)
            return None if item is None else _list_of(item_non_null, item)
        if is_object_type(graphql_type):
            plans = self._plans_for(graphql_type, details)
            return None if plans is None else (lambda value: _read_object(plans, value))
        return None  # an interface or a union: graphql-core resolves the type

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list, path,
                      position_context):
        """A plain scalar field of an object that is not plain throughout is still read
        directly."""
        fields = self._basic.get(parent_type.name)
        if fields is not None:
            node = field_details_list[0].node
            found = fields.get(node.name.value)
            if found is not None and not node.directives:
                attribute, resolve, field_type = found
                non_null = isinstance(field_type, GraphQLNonNull)
                inner = field_type.of_type if non_null else field_type
                if is_leaf_type(inner):
                    try:
                        value = resolve(source, attribute)
                        if value is not None:
                            return self._completion(inner, field_details_list)(value)
                        if not non_null:
                            return None
                    except Exception:  # noqa: BLE001 - reported by graphql-core's path, which meets it again
                        pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)
