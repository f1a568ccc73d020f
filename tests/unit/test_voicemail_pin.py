"""VM2's keypad rules and options, pure: PIN entries from DTMF digits, and the voicemail
options of plugins.toml with their defaults."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ConfigurationError
from core.voicemail.options import VoicemailOptions
from core.voicemail.pin import entries


def attempts(pending: str, digits: str, length: int = 4) -> tuple[list[str], str]:
    found = list(entries(pending, digits, length))
    return [a for a, _ in found if a is not None], found[-1][1]


def test_vm2_digits_gather_until_the_pin_length():
    assert attempts("", "12") == ([], "12")
    assert attempts("12", "34") == (["1234"], "")
    assert attempts("", "12345678") == (["1234", "5678"], "")


def test_vm2_hash_ends_an_entry_early_and_star_starts_again():
    assert attempts("", "12#") == (["12"], "")
    assert attempts("", "#") == ([], "")
    assert attempts("99", "*1234") == (["1234"], "")


@given(st.text(alphabet="0123456789", max_size=20))
def test_vm2_plain_digits_split_into_whole_pins_and_a_remainder(digits):
    found, pending = attempts("", digits)
    assert all(len(a) == 4 for a in found)
    assert "".join(found) + pending == digits
    assert len(pending) < 4


def test_vm2_options_default_in_code():
    assert VoicemailOptions.from_config({}) == VoicemailOptions(4, 3, 300, "1234")


@pytest.mark.parametrize("options", [
    {"voicemail_pin_tries": 0},
    {"voicemail_lockout_seconds": "soon"},
    {"voicemail_pin_length": 6},  # the default PIN is then too short
    {"voicemail_default_pin": 1234},
])
def test_vm2_bad_voicemail_options_stop_start_up_naming_them(options):
    with pytest.raises(ConfigurationError, match="voicemail_"):
        VoicemailOptions.from_config(options)
