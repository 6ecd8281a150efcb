"""Words in sentences: a name inside a sentence, and "a" or "an" before it. Pure functions.

Service names are stored as titles ("Older or disabled person's bus pass",
"Blue badge"); pages and messages put them mid-sentence, where they need a
lower-case start (but not an acronym's: "PIP award") and the right article
("an older ...", "a blue badge", "a one-off ...", "an hour's ...").
"""
from __future__ import annotations

import re

# Spelled with a vowel but said with a consonant ("a user", "a one-off", "a European"), and the reverse.
_CONSONANT_SOUND = re.compile(r"^(uni|use|usu|ura|uro|eu|ewe|one\b|once\b|ubiq)", re.IGNORECASE)
_VOWEL_SOUND = re.compile(r"^(hour|honest|honou?r|heir)", re.IGNORECASE)


def in_sentence(name: str) -> str:
    """'Blue badge' -> 'blue badge'; 'PIP award' and 'SEND transport' keep their capitals."""
    name = (name or "").strip()
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def article(phrase: str) -> str:
    """'a' or 'an' for the phrase as it is said."""
    word = (phrase or "").strip()
    if not word:
        return "a"
    if _VOWEL_SOUND.match(word):
        return "an"
    if _CONSONANT_SOUND.match(word):
        return "a"
    first = word.split()[0]
    if first.isupper() and len(first) > 1:  # an acronym said letter by letter: "an MOT", "an SEN", "a PIP"
        return "an" if first[0] in "AEFHILMNORSX" else "a"
    return "an" if word[0].lower() in "aeiou" else "a"


def with_article(name: str) -> str:
    """'Older or disabled person's bus pass' -> "an older or disabled person's bus pass"."""
    phrase = in_sentence(name)
    return f"{article(phrase)} {phrase}" if phrase else ""
