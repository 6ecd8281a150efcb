"""The email link's token: derived, never stored.

token = HMAC(SECRET_KEY, "entitlement id : expiry date"), so
* the nightly run computes the same token again after a crash (a resumed
  run writes the same row and the same email, no duplicates);
* a reminder carries the same link as the invitation;
* only sha256(token) is stored, and a copy of the database alone opens
  no links (the key is not in it). Rotating SECRET_KEY voids old links;
  residents can still reply by text or sign in.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date

from django.utils.crypto import salted_hmac

_SALT = "applications.renewals.invitation-token"
TOKEN_RE = re.compile(r"^[0-9a-f]{64}$")


def make_token(entitlement_id: int, due: date) -> str:
    return salted_hmac(_SALT, f"{entitlement_id}:{due.isoformat()}", algorithm="sha256").hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(TOKEN_RE.match(token or ""))
