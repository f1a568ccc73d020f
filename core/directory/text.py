"""Text folding for directory search: case- and accent-insensitive (DIR1)."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Letters that NFKD does not decompose into a base letter and a mark.
_SPECIAL = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})


def fold(text: str) -> str:
    """`Hélène Œuvray` -> `helene oeuvray`."""
    # Decomposed first as well: compatibility forms (mathematical letters, say) decompose to
    # letters that have a case of their own, which casefold then folds.
    compatible = unicodedata.normalize("NFKD", text).casefold().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", compatible)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def search_key(name: str) -> str:
    """The stored form of a name: its folded words, space-separated."""
    return " ".join(words(name))
