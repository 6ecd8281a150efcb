"""Street name normalisation for the gazetteer: pure functions, no database.

Residents type "banbury rd", "St. Giles'" or "High St, Witney"; the loader
and the search both reduce a name to the same key, so those find "Banbury
Road", "St Giles" and "High Street" in Witney.
"""
from __future__ import annotations

import re

# Whole-word abbreviations as they appear on signs and in addresses.
_ABBREVIATIONS = {
    "rd": "road", "ave": "avenue", "av": "avenue", "ln": "lane", "cl": "close", "dr": "drive",
    "cres": "crescent", "cresc": "crescent", "pl": "place", "sq": "square", "gdns": "gardens",
    "tce": "terrace", "terr": "terrace", "gr": "grove", "pde": "parade", "mkt": "market",
}
MAX_SEARCH_LENGTH = 100
_HOSTILE = re.compile(r"[<>{}\[\]\\\x00-\x1f\x7f]")


def street_key(text: str) -> str:
    """'St. Aldate's' -> 'saint aldates'; 'High St' -> 'high street'; 'Banbury Rd.' -> 'banbury road'.

    "St" is Saint before a name and Street at the end of one, which is how
    the county's names use it (St Giles, St Clement's; High St, Sheep St).
    """
    text = text.lower().replace("&", " and ")
    text = re.sub(r"['\u2019`]", "", text)  # St Giles' / St Aldate's: the apostrophe joins, not splits
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    out = []
    for i, word in enumerate(words):
        if word == "st":
            word = "street" if i == len(words) - 1 and i > 0 else "saint"
        out.append(_ABBREVIATIONS.get(word, word))
    return " ".join(out)


def split_search(text: str) -> tuple[str, str]:
    """'High St, Witney' -> ('high street', 'witney'): the part after the last comma names the town."""
    street, _, town = text.rpartition(",") if "," in text else (text, "", "")
    return street_key(street), street_key(town)


def is_hostile(text: str) -> bool:
    """Markup, brackets or control characters: never part of a street name."""
    return bool(_HOSTILE.search(text))
