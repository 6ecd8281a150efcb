"""Open311 API keys: one per client system, stored as a SHA-256 hash, shown once at creation.

A key is 32 random bytes (URL-safe), so a fast hash is enough: there is
nothing to brute-force that a slow hash would protect.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from oxtom.core.audit import audit_record

from .models import Open311Key


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def open311_key_create(*, name: str, by: Any) -> tuple[Open311Key, str]:
    """Make a key for a client system; returns (row, the key itself) — the only time the key exists in clear."""
    name = slugify(name or "")[:60]
    if not name:
        raise ValidationError({"name": "Enter the name of the client system, like confirm-backoffice"})
    if Open311Key.objects.filter(name=name).exists():
        raise ValidationError({"name": f"There is already a key called {name}: revoke it or choose another name"})
    key = secrets.token_urlsafe(32)
    row = Open311Key.objects.create(name=name, prefix=key[:8], key_hash=_hash(key))
    open311_key_owner(row)
    audit_record(by=by, action="create", target=row, summary=f"Open311 key created for {name}")
    return row, key


@transaction.atomic
def open311_key_revoke(*, name: str, by: Any) -> Open311Key:
    """Stop a key working at once. The row stays, so the audit trail still names it."""
    row = Open311Key.objects.select_for_update().filter(name=name).first()
    if row is None:
        raise ValidationError({"name": f"There is no key called {name}"})
    if not row.is_active:
        raise ValidationError({"name": f"The key for {name} is already revoked"})
    row.is_active, row.revoked_at = False, timezone.now()
    row.save(update_fields=["is_active", "revoked_at"])
    audit_record(by=by, action="update", target=row, summary=f"Open311 key revoked for {name}")
    return row


OWNER_EMAIL_DOMAIN = "open311-clients.invalid"  # .invalid: never a real mailbox (RFC 2606)


def open311_key_owner(row: Open311Key) -> Any:
    """The client's own account, made on first need: requests it files are recorded as done "by" it.

    It holds no role and no usable password and is inactive, so nobody can sign in as it;
    it exists to be named as the actor in case histories, timelines and the audit trail.
    """
    if row.owner_id is not None:
        return row.owner
    from django.contrib.auth import get_user_model

    User = get_user_model()
    with transaction.atomic():
        owner, created = User.objects.get_or_create(
            email=f"{row.name}@{OWNER_EMAIL_DOMAIN}",
            defaults={"full_name": f"{row.name} (Open311 client)", "roles": [], "is_active": False},
        )
        if created:
            owner.set_unusable_password()
            owner.save(update_fields=["password"])
        Open311Key.objects.filter(pk=row.pk, owner__isnull=True).update(owner=owner)
    row.refresh_from_db(fields=["owner"])
    return row.owner


def open311_key_check(key: object) -> Open311Key | None:
    """The active key row for a presented key, or None. Records when it was last used."""
    if not isinstance(key, str) or not 20 <= len(key) <= 100:
        return None
    row = Open311Key.objects.filter(key_hash=_hash(key), is_active=True).first()
    if row is not None:
        Open311Key.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row
