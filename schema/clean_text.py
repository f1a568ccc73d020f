"""SEC2: a string argument with a character no text of Backline's may hold (NUL, another
control character, a lone UTF-16 surrogate) gets INVALID_INPUT naming the argument, before
any resolver runs: nothing is half applied, and no store or encoder meets it (a lone
surrogate cannot be encoded as UTF-8, and failed deep in the store as "Unexpected error.").

Checked in one place for every root field that takes arguments, including input objects and
lists, when the schema is built (as `schema.auth.protect` attaches its check), so that a new
field is covered without anyone remembering it. A field whose result is a union with
`InvalidInputError` answers it typed; any other field raises it as a GraphQL error with the
code INVALID_INPUT."""

from __future__ import annotations

import re
from typing import Any, Callable

from strawberry.types.base import get_object_definition, has_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

from core.errors import InvalidInput
from schema.errors import InvalidInputError, as_error
from schema.guards import Guard, answers_with

# C0 controls but tab, line feed and carriage return (text has lines), DEL, C1 controls, and
# the surrogate range (valid only in pairs, which a Python str never holds).
NOT_ALLOWED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def offending(value: Any, path: str, names: Callable[[Any], str]) -> str | None:
    """The path (`input.text`) of the first string in `value` holding a character that is
    not allowed, or None."""
    if isinstance(value, str):
        return path if NOT_ALLOWED.search(value) else None
    if isinstance(value, (list, tuple)):
        return next((found for item in value if (found := offending(item, path, names))), None)
    if isinstance(value, dict):  # a JSON scalar: its keys are text too
        return next((found for key, item in value.items()
                     if (found := offending(key, path, names) or offending(item, f"{path}.{key}", names))), None)
    if has_object_definition(value):  # an input object
        for field in get_object_definition(value, strict=True).fields:
            found = offending(getattr(value, field.python_name, None), f"{path}.{names(field)}", names)
            if found:
                return found
    return None


class CleanText(Guard):
    def __init__(self) -> None:
        self.field: StrawberryField | None = None
        self._typed: bool | None = None

    def apply(self, field: StrawberryField) -> None:
        self.field = field

    def refusal(self, info: Info, kwargs: dict[str, Any]) -> InvalidInputError | None:
        converter = info.schema.config.name_converter
        for argument in self.field.arguments:
            value = kwargs.get(argument.python_name)
            if value is None:
                continue
            found = offending(value, converter.from_argument(argument), converter.from_field)
            if found:
                error = InvalidInput(
                    f"`{found}` holds a character that is not allowed (NUL, a control character "
                    "or a lone UTF-16 surrogate).", field=found)
                if self._typed is None:
                    self._typed = answers_with(self.field, InvalidInputError)
                if not self._typed:
                    raise error
                return as_error(error)
        return None


def check_text(root_type: type) -> type:
    """Attach `CleanText` to every field of `root_type` that takes arguments."""
    for field in get_object_definition(root_type, strict=True).fields:
        if field.arguments and not any(isinstance(e, CleanText) for e in field.extensions):
            field.extensions.append(CleanText())
    return root_type
