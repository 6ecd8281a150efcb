"""Search keys for names: a plain key for prefix search and a phonetic key for "sounds like".

Advisers hear names over the phone, so "Smyth" must find "Smith", "Mcdonald"
must find "McDonald" and "Catherine" must find "Kathryn". Both keys are
stored on the customer row and indexed, so name search is an index lookup
at county scale, never a scan.

The phonetic key is our own small algorithm in the spirit of Soundex/NYSIIS,
tuned for British surnames: it keeps the first sound, folds letters that
sound alike, and drops vowels after the first letter. It is deliberately
tolerant; results are ranked with exact prefix matches first.
"""
from __future__ import annotations

import re
import unicodedata

_NON_LETTERS = re.compile(r"[^a-z]")

# Applied in order to the whole (lower-case, letters-only) name.
_START_RULES = (
    ("mac", "mc"),
    ("kn", "n"),
    ("wr", "r"),
    ("ps", "s"),
    ("wh", "w"),
    ("gn", "n"),
    ("pf", "f"),
)
_RULES = (
    ("sch", "sk"),
    ("tch", "ch"),
    ("ph", "f"),
    ("ck", "k"),
    ("cq", "k"),
    ("gh", "g"),
    ("dg", "j"),
    ("mps", "ms"),
    ("mb", "m"),
    ("th", "t"),
    ("dt", "t"),
    ("ce", "se"),
    ("ci", "si"),
    ("cy", "si"),
    ("ch", "x"),
    ("sh", "x"),
    ("c", "k"),
    ("q", "k"),
    ("x", "ks"),
    ("z", "s"),
    ("y", "i"),
    ("v", "f"),
)
_VOWELS = set("aeiou")


def search_key(value: str) -> str:
    """Lower-case ASCII letters only: 'O’Brien' -> 'obrien', 'Zoë' -> 'zoe'.

    Letters-only keys sort the same under every database collation, so a
    prefix search can be an index range (key >= 'smi' AND key < 'smj').
    """
    decomposed = unicodedata.normalize("NFKD", value or "")
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_LETTERS.sub("", ascii_only)


def phonetic_key(value: str) -> str:
    """A key equal for names that sound alike: Smith/Smyth/Smithe -> 'smt'."""
    name = search_key(value)
    if not name:
        return ""
    for old, new in _START_RULES:
        if name.startswith(old):
            name = new + name[len(old):]
            break
    for old, new in _RULES:
        name = name.replace(old, new)
    first, rest = name[0], name[1:]
    # 'h' and 'w' only shape neighbouring vowels after the first letter.
    rest = "".join(ch for ch in rest if ch not in _VOWELS and ch not in "hw")
    key = first
    for ch in rest:
        if ch != key[-1]:
            key += ch
    # Leading vowels sound alike (Ellis/Allis); keep that they are a vowel.
    if key[0] in _VOWELS or key[0] == "i":
        key = "a" + key[1:]
    return key[:16]


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (for index ranges)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
