"""Default factories for the tables' JSON fields.

Each time a row object is built, pydantic asks a field's default factory for its signature
(does it want the validated data?). For a builtin such as `dict` that means parsing its text
signature with tokenize and ast: microseconds per field per row, a few percent of a command.
A function that carries its signature answers at once.
"""

from __future__ import annotations

import inspect
from typing import Any


def empty_dict() -> dict[str, Any]:
    return {}


def empty_list() -> list[Any]:
    return []


for _factory in (empty_dict, empty_list):
    _factory.__signature__ = inspect.Signature()  # type: ignore[attr-defined]
