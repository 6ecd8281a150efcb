"""Shared base models: timestamps, the audit trail and worker heartbeats."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    """Who created/changed a row and when. Services set the *_by fields."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    modified_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """An append-only record of who did or saw what.

    Staff views of personal data and every change made by a service are
    written here; `target_type`/`target_id` name the object without a
    generic foreign key so the trail survives deletion of the target.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        MERGE = "merge", "Merged"
        SIGN_IN = "sign_in", "Signed in"
        EXPORT = "export", "Exported"

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=255, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # Where the request came from (oxtom/core/clientip.py: the proxy's header only when
    # TRUSTED_PROXY_COUNT says there is one); empty for the system's own work (tasks, commands).
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id", "occurred_at"])]
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.target_type}:{self.target_id}"


class Heartbeat(models.Model):
    """Last time a background process proved it was alive (read by /healthz)."""

    name = models.CharField(max_length=32, primary_key=True)
    seen_at = models.DateTimeField()


class SubmittedForm(models.Model):
    """A state-changing form that has been acted on, by its one-off submission key.

    Why: a double click, a browser retry or a replayed request must not make a
    second note, update or decision (oxtom/core/submissions.py). The key is a
    hash of the signed-in person (or session) and the form's random key, so
    one person's keys can never block another's. Purged after a few days.
    """

    key = models.CharField(max_length=64, unique=True)
    done_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Where the first submission sent the person (its redirect), so a replay lands on the same page.
    redirect_to = models.CharField(max_length=500, blank=True)
