"""Partners' changes go live only after a council moderator approves them; the moderator sees what changed.

A partner may have one change waiting per service: a newer proposal
replaces the waiting one (SUPERSEDED), so the moderator never approves an
out-of-date edit. Each change remembers the service version it was made
from; if the live entry moved on since (a moderator edited it), approval
refuses and says so rather than overwrite the newer words unseen.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.notify.services import notification_queue

from ..models import ChangeRequest, Organisation, PartnerMembership, Service
from ..text import clean_text
from .directory import LABELS, EDITABLE, can_moderate, clean_service_data, service_apply, snapshot


def may_edit(user: Any, organisation: Organisation) -> bool:
    """Partners edit only the organisations they are members of; moderators edit any."""
    if can_moderate(user):
        return True
    return bool(getattr(user, "is_authenticated", False)) and PartnerMembership.objects.filter(
        user=user, organisation=organisation).exists()


@dataclass(frozen=True)
class DiffRow:
    field: str
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _words(field: str, value: Any) -> str:
    from ..models import Location, TaxonomyTerm

    if value is None or value == "":
        return "Not given"
    if field == "is_free":
        return "Yes" if value else "No"
    if field == "status":
        return dict(Service.Status.choices).get(value, value)
    if field == "terms":
        names = dict(TaxonomyTerm.objects.filter(code__in=value).values_list("code", "name"))
        return ", ".join(sorted(names.get(c, c) for c in value)) or "Not given"
    if field == "locations":
        names = [str(n) for n in Location.objects.filter(uuid__in=value).values_list("name", flat=True)]
        return ", ".join(sorted(names)) or "Not given"
    return str(value)


def change_diff(change: ChangeRequest) -> list[DiffRow]:
    """Every editable field, before and after, in words (changed rows first for the moderator's eye)."""
    rows = [DiffRow(f, LABELS[f], _words(f, change.before.get(f)), _words(f, change.proposed.get(f))) for f in EDITABLE]
    return sorted(rows, key=lambda r: not r.changed)


@transaction.atomic
def change_propose(*, organisation: Organisation, service: Service | None, data: dict[str, Any], by: Any) -> ChangeRequest:
    """A partner's edit (or new service), waiting for a moderator. Nothing identical to the live entry is queued."""
    if not may_edit(by, organisation):
        raise PermissionDenied
    if service is not None and service.organisation_id != organisation.pk:
        raise PermissionDenied
    clean = clean_service_data(data, organisation=organisation)
    before = snapshot(service)
    if service is not None and before == clean:
        raise ValidationError({"name": "You have not changed anything"})
    waiting = ChangeRequest.objects.select_for_update().filter(
        organisation=organisation, service=service, status=ChangeRequest.Status.PENDING)
    if service is None:
        # New services: the same proposal twice (a double click, a resend) is one request.
        for other in waiting:
            if other.proposed == clean:
                return other
    else:
        waiting.update(status=ChangeRequest.Status.SUPERSEDED, decided_at=timezone.now())
    change = ChangeRequest.objects.create(
        organisation=organisation, service=service, base_version=service.version if service else 0,
        before=before, proposed=clean, submitted_by=by, submitted_at=timezone.now())
    audit_record(by=by, action="create", target=change,
                 summary=f"Proposed change to {(service.name if service else clean['name'])[:180]}")
    return change


def _tell_partner(change: ChangeRequest, *, approved: bool, by: Any) -> None:
    user = change.submitted_by
    if user is None or not user.email:
        return
    name = change.service.name if change.service else change.proposed.get("name", "")
    message = (f"Your change to {name} has been approved and is now in the directory."
               if approved else f"Your change to {name} was not approved: {change.reason}")
    notification_queue(customer=None, to=user.email, template="staff-alert", by=by,
                       context={"subject": "Your directory change", "message": message},
                       idempotency_key=f"community:change:{change.pk}:{'approved' if approved else 'rejected'}")


@transaction.atomic
def change_approve(*, change: ChangeRequest, by: Any) -> Service:
    if not can_moderate(by):
        raise PermissionDenied
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != ChangeRequest.Status.PENDING:
        raise ValidationError("This change has already been decided")
    if change.service_id is not None:
        live = Service.objects.select_for_update().get(pk=change.service_id)
        if live.version != change.base_version:
            raise ValidationError("The entry has changed since the partner made this edit: reject it and ask them to "
                                  "make it again")
    # The words were checked when proposed; check again (a taxonomy term or place may have gone since).
    clean = clean_service_data(change.proposed, organisation=change.organisation)
    service = service_apply(organisation=change.organisation, service=change.service, data=clean, by=by,
                            summary=f"Approved a partner's change to {clean['name'][:180]}")
    change.status, change.decided_by, change.decided_at = ChangeRequest.Status.APPROVED, by, timezone.now()
    change.service = service
    change.save(update_fields=["status", "decided_by", "decided_at", "service"])
    audit_record(by=by, action="update", target=change, summary="Approved directory change")
    _tell_partner(change, approved=True, by=by)
    return service


@transaction.atomic
def change_reject(*, change: ChangeRequest, reason: str, by: Any) -> ChangeRequest:
    if not can_moderate(by):
        raise PermissionDenied
    reason = clean_text(reason, label="Reason", max_length=500, required=True, multiline=True,
                        required_message="Enter a reason, so the partner knows what to change")
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != ChangeRequest.Status.PENDING:
        raise ValidationError("This change has already been decided")
    change.status, change.decided_by, change.decided_at, change.reason = (
        ChangeRequest.Status.REJECTED, by, timezone.now(), reason)
    change.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(by=by, action="update", target=change, summary="Rejected directory change")
    _tell_partner(change, approved=False, by=by)
    return change
