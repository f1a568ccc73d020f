"""One schema whatever `plugins.toml` enables (IM4, CH3): the fields of a channel plugin's
module (its `CHANNEL`) stay in the schema, so that a client built against
`docs/schema.graphql` validates on every server; where that channel is not enabled they are
refused, typed, with UNSUPPORTED_OPERATION naming the channel, before any resolver runs."""

from __future__ import annotations

import sys
from typing import Any, Iterable

from strawberry.types.base import get_object_definition
from strawberry.types.info import Info

from core.errors import UnsupportedOperation
from schema.errors import UnsupportedOperationError, as_error
from schema.guards import Guard, answers_with


def channel_of(module_type: type) -> str | None:
    return getattr(sys.modules[module_type.__module__], "CHANNEL", None)


def refusal(channel: str, operation: str) -> UnsupportedOperation:
    return UnsupportedOperation(channel, operation, f"The {channel} channel is not enabled on this server.")


def require_channel(info: Info, channel: str, operation: str) -> None:
    """For a subscription (field extensions wrap results, not streams): raises the refusal."""
    if channel not in info.context.backline.channels:
        raise refusal(channel, operation)


class RequireChannel(Guard):
    def __init__(self, channel: str, typed: bool) -> None:
        self.channel = channel
        self.typed = typed  # the field's result is a union with UnsupportedOperationError

    def refusal(self, info: Info, kwargs: dict[str, Any]) -> Any | None:
        if self.channel in info.context.backline.channels:
            return None
        error = refusal(self.channel, info.field_name)
        if self.typed:
            return as_error(error)
        raise error


def guard_channel_fields(types: Iterable[type]) -> tuple[type, ...]:
    """Attach `RequireChannel` to every query and mutation field of channel modules."""
    types = tuple(types)
    for module_type in types:
        channel = channel_of(module_type)
        if channel is None:
            continue
        for field in get_object_definition(module_type, strict=True).fields:
            if not any(isinstance(e, RequireChannel) for e in field.extensions):
                field.extensions.append(RequireChannel(channel, answers_with(field, UnsupportedOperationError)))
    return types
