"""A check that runs before a root field's resolver and may refuse it: authentication
(schema.auth), clean text (schema.clean_text), an enabled channel (schema.channel_fields).
Each says only what it refuses; running the resolver otherwise, sync or async, is here."""

from __future__ import annotations

from typing import Any, Callable

from strawberry.extensions import FieldExtension
from strawberry.types.info import Info
from strawberry.types.union import StrawberryUnion


class Guard(FieldExtension):
    def refusal(self, info: Info, kwargs: dict[str, Any]) -> Any | None:
        """None to run the resolver; else the answer instead (a typed error), or raise."""
        raise NotImplementedError

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        refused = self.refusal(info, kwargs)
        return refused if refused is not None else next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        refused = self.refusal(info, kwargs)
        if refused is not None:
            return refused
        result = next_(source, info, **kwargs)
        if hasattr(result, "__await__"):
            result = await result
        return result


def answers_with(field, error_type: type) -> bool:
    """Whether the field's result is a union with `error_type` (then a refusal is typed)."""
    kind = field.type
    return isinstance(kind, StrawberryUnion) and error_type in (getattr(t, "origin", t) for t in kind.types)
