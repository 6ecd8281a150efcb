"""UK postcode normalisation: pure functions, no database.

A postcode is an outward code (area + district, e.g. "OX14") and an inward
code (sector digit + unit letters, e.g. "4SB"). Lookups fall back from the
unit ("OX14 4SB") to the sector ("OX14 4") to the district ("OX14").
"""
from __future__ import annotations

import re

# The shape Royal Mail uses (BS 7666): letters never used in the inward unit
# (C, I, K, M, O, V) are excluded so typos like "OX1 1CO" are caught early.
_FULL = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
_SECTOR = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?) ?([0-9])$")
_MAX_RAW_LENGTH = 16  # anything longer is not a postcode, whatever it contains


def normalise_postcode(raw: object) -> str | None:
    """'ox14 4sb' -> 'OX14 4SB'; None when it is not a full UK postcode."""
    if not isinstance(raw, str) or len(raw) > _MAX_RAW_LENGTH:
        return None
    compact = re.sub(r"\s+", "", raw).upper()
    match = _FULL.match(compact)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


def normalise_postcode_key(raw: object) -> str | None:
    """Normalise a full postcode, a sector ('OX1 1') or a district ('OX1') for the centroid table."""
    full = normalise_postcode(raw)
    if full:
        return full
    if not isinstance(raw, str) or len(raw) > _MAX_RAW_LENGTH:
        return None
    text = " ".join(raw.split()).upper()
    if _OUTWARD.match(text):
        return text
    match = _SECTOR.match(text)
    if match:
        return f"{match.group(1)} {match.group(2)}"
    return None


def postcode_kind(key: str) -> str:
    """'unit', 'sector' or 'district' for a normalised key."""
    if " " not in key:
        return "district"
    return "sector" if len(key.split(" ")[1]) == 1 else "unit"


def lookup_keys(postcode: str) -> list[str]:
    """Most specific first: ['OX14 4SB', 'OX14 4', 'OX14'] for a normalised full postcode."""
    outward, inward = postcode.split(" ")
    return [postcode, f"{outward} {inward[0]}", outward]
