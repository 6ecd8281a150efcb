"""Writes for API clients: register, issue and rotate keys, revoke, and the per-call record.

An administrator registers a client (`manage.py api_client create`, or the
Django admin for scopes and limits); the key exists in clear only in the
answer to create/rotate. Each client acts inside services as its own sign-in
with no usable password, so every change it makes is audited and timelined
as that client, and `oxtom.cases.services.can_work_case` decides what it may
touch exactly as for an officer.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from oxtom.accounts.models import Team, TeamMembership, User
from oxtom.core.audit import audit_record

from .models import ApiCall, ApiClient, ApiKey, Scope

KEY_PREFIX = "oxt_"
MAX_LIVE_KEYS = 2  # the old key and its replacement, while a client rotates
SERVICE_USER_DOMAIN = "api.oxtom.invalid"  # .invalid: no mail can ever reach it, so no password reset either


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _issue(client: ApiClient, key: str | None = None) -> str:
    key = key or _new_key()
    ApiKey.objects.create(client=client, prefix=key[len(KEY_PREFIX):][:8], key_hash=key_hash(key))
    return key


@transaction.atomic
def api_client_create(*, name: str, scopes: list[str], team: Team | None = None, rate_per_minute: int = 120,
                      description: str = "", by: Any, demo_key: str | None = None) -> tuple[ApiClient, str]:
    """Register a partner system; returns (client, its first key), the only time the key exists in clear."""
    name = slugify(name or "")[:60]
    if not name:
        raise ValidationError({"name": "Enter the client's name, like highways-contractor"})
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError({"name": f"There is already a client called {name}"})
    scopes = sorted(set(scopes or []))
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope {unknown[0]}: choose from {', '.join(Scope.values)}"})
    if {Scope.CASES_READ, Scope.CASES_UPDATE} & set(scopes) and team is None:
        raise ValidationError({"team": "A client that reads or updates cases needs the team whose cases they are"})
    if not 1 <= int(rate_per_minute) <= 10_000:
        raise ValidationError({"rate_per_minute": "The rate limit must be between 1 and 10,000 calls a minute"})
    # Officer permissions let services treat it as one of the team's workers (and nothing else: no
    # password, so it can never sign in to the staff area).
    user = User(email=f"{name}@{SERVICE_USER_DOMAIN}", full_name=f"{name} (partner system)",
                roles=["officer"] if team else [])
    user.set_unusable_password()
    user.save()
    if team is not None:
        TeamMembership.objects.create(team=team, user=user)
    client = ApiClient.objects.create(name=name, description=(description or "")[:200], scopes=scopes, team=team,
                                      user=user, rate_per_minute=int(rate_per_minute))
    key = _issue(client, demo_key)  # demo_key: only the embedded demo's published keys (api/demo.py)
    audit_record(by=by, action="create", target=client, summary=f"API client {name} registered",
                 scopes=scopes, team=team.slug if team else "")
    return client, key


@transaction.atomic
def api_key_rotate(*, client: ApiClient, by: Any) -> str:
    """A new key for the client; the older one keeps working until revoked (at most two live keys)."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    live = list(client.keys.filter(revoked_at__isnull=True).order_by("created_at"))
    if len(live) >= MAX_LIVE_KEYS:
        raise ValidationError({"key": "This client already has two keys: revoke the older one first"})
    key = _issue(client)
    audit_record(by=by, action="update", target=client, summary=f"API key issued for {client.name}",
                 prefix=key[len(KEY_PREFIX):][:8])
    return key


@transaction.atomic
def api_key_revoke(*, client: ApiClient, prefix: str, by: Any) -> ApiKey:
    """Stop one key working at once (the next call with it is refused). The row stays for the audit trail."""
    row = ApiKey.objects.select_for_update().filter(client=client, prefix=prefix, revoked_at__isnull=True).first()
    if row is None:
        raise ValidationError({"prefix": f"{client.name} has no live key starting {prefix}"})
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    audit_record(by=by, action="update", target=client, summary=f"API key {prefix} revoked for {client.name}")
    return row


@transaction.atomic
def api_client_deactivate(*, client: ApiClient, by: Any) -> ApiClient:
    """Turn a client off: every key stops working, and its sign-in is deactivated."""
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)
    client.keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    User.objects.filter(pk=client.user_id).update(is_active=False)
    client.refresh_from_db()
    audit_record(by=by, action="update", target=client, summary=f"API client {client.name} turned off")
    return client


def api_key_check(key: object) -> ApiKey | None:
    """The live key row (with its client) for a presented key, or None. Checked on every call, so a
    revoked key stops at once, mid-use."""
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX) or not 20 <= len(key) <= 100:
        return None
    row = (ApiKey.objects.select_related("client", "client__user", "client__team")
           .filter(key_hash=key_hash(key), revoked_at__isnull=True, client__is_active=True).first())
    if row is not None:
        now = timezone.now()
        # At most one write a minute per key for "last used": calls should not all update one row.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


def api_call_record(*, client: ApiClient | None, key_prefix: str, scope: str, method: str, path: str,
                    status: int) -> None:
    """One row per call (the path only: query strings carry registrations and phone numbers)."""
    ApiCall.objects.create(client=client, key_prefix=key_prefix[:8], scope=scope[:32], method=method[:8],
                           path=path[:200], status=status)
