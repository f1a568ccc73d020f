"""Reading ids, page sizes and cursors from GraphQL arguments, the same way in every area: a
malformed one is an INVALID_INPUT naming the argument, never a stack trace (SEC2), and a page is
never longer than `max_page_size` (SEC3)."""

from __future__ import annotations

import strawberry
from strawberry.relay import from_base64
from strawberry.types.info import Info

from core.errors import InvalidInput

DEFAULT_PAGE = 20


def int_id(value: object, field: str) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise InvalidInput(f"'{str(value)[:40]}' is not a valid {field}.", field=field) from None
    if number < 1:
        raise InvalidInput(f"'{number}' is not a valid {field}.", field=field)
    return number


def page_size(info: Info, first: int | None) -> int:
    limit = info.context.backline.settings.max_page_size
    first = DEFAULT_PAGE if first is None else first
    if not 1 <= first <= limit:
        raise InvalidInput(f"`first` must be between 1 and {limit}.", field="first")
    return first


def cursor_id(after: str | None, prefix: str) -> int | None:
    """The id in a cursor of the list named `prefix`, or None for the start."""
    if after is None:
        return None
    try:
        kind, value = from_base64(after)
        if kind != prefix:
            raise ValueError(kind)
        return int(value)
    except (ValueError, TypeError):
        raise InvalidInput("`after` is not a cursor from this list.", field="after") from None


def sid(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))
