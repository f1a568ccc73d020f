"""PIN entry by DTMF digits (pure): digits gather until the PIN length is reached or `#`
is pressed; `*` starts again. Each complete entry is one attempt."""

from __future__ import annotations

from typing import Iterator

DTMF_DIGITS = frozenset("0123456789*#")
MAX_DIGITS_PER_REQUEST = 32


def entries(pending: str, digits: str, pin_length: int) -> Iterator[tuple[str | None, str]]:
    """Feed `digits` after `pending`; yields (attempt or None, pending after it) for every
    complete entry, then (None, what is still pending)."""
    buffer = pending
    for digit in digits:
        if digit == "*":
            buffer = ""
        elif digit == "#":
            if buffer:
                yield buffer, ""
            buffer = ""
        else:
            buffer += digit
            if len(buffer) >= pin_length:
                yield buffer, ""
                buffer = ""
    yield None, buffer
