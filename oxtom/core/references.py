"""Reference codes people read over the phone: case, customer, payment, booking and permit numbers.

One alphabet everywhere, with no look-alikes (0/O, 1/I, 5/S, 8/B, 2/Z), so a reference
read aloud or typed from a letter is the one we issued. Codes are random (not
sequential), so one tells nothing about another; callers that need them unique check
the table (collisions are rare at 25^8 but possible at county scale).
"""
from __future__ import annotations

import secrets

REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"


def random_code(length: int, *, prefix: str = "") -> str:
    """`prefix` then `length` random characters of the reference alphabet, e.g. random_code(8, prefix="BK")."""
    return prefix + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(length))
