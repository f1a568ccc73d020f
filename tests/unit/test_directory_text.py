"""DIR1 in the folding rules: case and accents never decide a match."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.directory.text import fold, search_key, words


def test_dir1_fold_removes_case_and_accents():
    assert fold("Hélène Œuvray") == "helene oeuvray"
    assert search_key("François  Lefèvre-Núñez") == "francois lefevre nunez"
    assert words("Bjørn Østergaard, Łódź") == ["bjorn", "ostergaard", "lodz"]


@given(st.text(max_size=40))
def test_dir1_folding_is_idempotent_and_ignores_case(text):
    assert fold(fold(text)) == fold(text)
    assert words(text.casefold()) == words(text)
