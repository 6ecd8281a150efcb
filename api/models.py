"""Partner systems that call the REST API: who they are, their hashed keys, what they may do, and every call.

A key is shown once, when it is issued; only its SHA-256 hash is kept (32 random
bytes need no slow hash). A client may hold two live keys while it rotates: the
new one works at once and the old one until it is revoked.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models


class Scope(models.TextChoices):
    ENTITLEMENTS_CHECK = "entitlements:check", "Check whether a vehicle has a valid permit (enforcement handhelds)"
    CASES_READ = "cases:read", "Read the client's team's cases"
    CASES_UPDATE = "cases:update", "Update the client's team's cases: status and public notes"
    CUSTOMERS_LOOKUP = "customers:lookup", "Find a customer's reference by phone number (telephony screen-pop)"


def validate_scopes(value: object) -> None:
    from django.core.exceptions import ValidationError

    if not isinstance(value, list) or any(s not in Scope.values for s in value):
        raise ValidationError("Scopes must be a list of: " + ", ".join(Scope.values))


class ApiClient(models.Model):
    """One partner system (a contractor's works system, the enforcement handhelds, the telephony platform)."""

    name = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    scopes = models.JSONField(default=list, blank=True, validators=[validate_scopes])
    # Whose cases cases:read and cases:update reach. Empty: no cases at all.
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The sign-in the client acts as inside services (audit trail, can_work_case): no usable password.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client")
    rate_per_minute = models.PositiveIntegerField(default=120)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return self.is_active and scope in (self.scopes or [])


class ApiKey(models.Model):
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=8, help_text="The first characters, so people can tell keys apart")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.client.name} {self.prefix}…"


class ApiCall(models.Model):
    """One call: which client, which key, the scope it used and the answer. The path only (no query string):
    queries carry registrations and phone numbers."""

    client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    key_prefix = models.CharField(max_length=8, blank=True)
    scope = models.CharField(max_length=32, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["client", "-occurred_at"], name="api_call_client")]
