"""Name keys: prefix keys sort the same everywhere; phonetic keys match names that sound alike."""
from __future__ import annotations

import pytest

from oxtom.customers.phonetics import phonetic_key, prefix_upper_bound, search_key


@pytest.mark.parametrize("a, b", [
    ("Smith", "Smyth"), ("Smith", "Smithe"), ("McDonald", "MacDonald"), ("mcdonald", "McDonald"),
    ("Catherine", "Kathryn"), ("Thompson", "Thomson"), ("Jon", "John"), ("Stephen", "Steven"),
    ("Philips", "Phillips"), ("Clarke", "Clark"), ("O'Brien", "OBrien"), ("Reid", "Reed"),
])
def test_names_that_sound_alike_share_a_key(a, b):
    assert phonetic_key(a) == phonetic_key(b)


@pytest.mark.parametrize("a, b", [("Smith", "Jones"), ("Brown", "Green"), ("Taylor", "Turner")])
def test_different_names_have_different_keys(a, b):
    assert phonetic_key(a) != phonetic_key(b)


def test_search_keys_are_ascii_letters_only():
    assert search_key("O’Brien-Smith") == "obriensmith"
    assert search_key("Zoë") == "zoe"
    assert search_key("<script>") == "script"
    assert phonetic_key("") == "" and phonetic_key("123") == ""


def test_prefix_upper_bound():
    assert prefix_upper_bound("smi") == "smj"
    assert "smith" < prefix_upper_bound("smi") and "smj" >= prefix_upper_bound("smi")
