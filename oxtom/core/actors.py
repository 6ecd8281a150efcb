"""Who a row says did something: the signed-in user, or nobody (a system job, an anonymous resident)."""
from __future__ import annotations

from typing import Any


def actor(by: Any) -> Any:
    """`by` when it is a signed-in user, else None (AnonymousUser and None are not people to record)."""
    return by if getattr(by, "is_authenticated", False) else None
