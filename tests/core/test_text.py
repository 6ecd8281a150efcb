"""Names mid-sentence with the right article ("an older or disabled person's bus pass", not "a older")."""
from __future__ import annotations

import pytest

from oxtom.core.text import article, in_sentence, with_article


@pytest.mark.parametrize("name, expected", [
    ("Older or disabled person's bus pass", "an older or disabled person's bus pass"),
    ("Blue badge", "a blue badge"),
    ("Residents' parking permit", "a residents' parking permit"),
    ("Electric vehicle charging permit", "an electric vehicle charging permit"),
    ("Unit-based permit", "a unit-based permit"),
    ("Uncommon permit", "an uncommon permit"),
    ("One-off event licence", "a one-off event licence"),
    ("Hourly parking permit", "an hourly parking permit"),
    ("House move permit", "a house move permit"),
    ("MOT exemption", "an MOT exemption"),
    ("PIP reassessment", "a PIP reassessment"),
    ("", ""),
])
def test_with_article(name, expected):
    assert with_article(name) == expected


def test_in_sentence_keeps_acronyms():
    assert in_sentence("SEND transport") == "SEND transport"
    assert in_sentence("Blue badge") == "blue badge"
    assert article("") == "a"
