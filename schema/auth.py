"""Every root query and mutation needs an authenticated caller unless it is listed as
public. The check is attached to each root field when the schema is built, so a new field
is protected without anyone remembering to do it."""

from __future__ import annotations

from typing import Any, Iterable

from strawberry.types.base import get_object_definition
from strawberry.types.info import Info

from schema.guards import Guard


class RequireActor(Guard):
    def refusal(self, info: Info, kwargs: dict[str, Any]) -> None:
        info.context.actor  # raises NotAuthenticated
        return None


def protect(root_type: type, public: Iterable[str] = ()) -> type:
    """Attach `RequireActor` to every field of `root_type` but the public ones (by Python
    name). Subscriptions are authenticated once, when the WebSocket connects."""
    public = set(public)
    definition = get_object_definition(root_type, strict=True)
    for field in definition.fields:
        if field.python_name not in public and not any(isinstance(e, RequireActor) for e in field.extensions):
            field.extensions.append(RequireActor())
    return root_type
