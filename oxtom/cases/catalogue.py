"""The service catalogue as an administrator edits it from the staff pages (CATALOGUE_EDIT).

One write, `service_settings_update`: the team that works a service's cases,
its working-day SLA per priority, the share of closed cases sampled for a
quality check, and whether it takes new cases. Checked, validated by the
model's own rules (validate_sla, the QA rate's bounds) and audited with what
changed. Cases already open keep the due date they were given: a new SLA
applies to cases received from now on.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from oxtom.accounts.models import Team
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record

from .models import Service, validate_sla


def can_edit_catalogue(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_permission(Permission.CATALOGUE_EDIT)


@transaction.atomic
def service_settings_update(*, service: Service, team: Team, sla_working_days: dict[str, int],
                            qa_sample_rate: Decimal, is_active: bool, by: Any) -> Service:
    """Change a service's routing team, SLA table, QA sample rate and whether it is taking cases.

    Submitting the same values again changes and records nothing.
    """
    if not can_edit_catalogue(by):
        raise PermissionDenied("Only an administrator can change the service catalogue")
    service = Service.objects.select_for_update().get(pk=service.pk)
    errors: dict[str, str] = {}
    try:
        validate_sla(sla_working_days)
    except ValidationError as exc:
        errors["sla_working_days"] = exc.messages[0]
    try:
        rate = Decimal(qa_sample_rate)
    except (InvalidOperation, TypeError, ValueError):
        rate = None
    if rate is None or not Decimal("0") <= rate <= Decimal("1"):
        errors["qa_sample_rate"] = "The share of cases checked must be from 0% to 100%"
    if team is None or not Team.objects.filter(pk=getattr(team, "pk", None)).exists():
        errors["team"] = "Choose the team that works this service's cases"
    if errors:
        raise ValidationError(errors)
    new = {"team_id": team.pk, "sla_working_days": {str(k): int(v) for k, v in sla_working_days.items()},
           "qa_sample_rate": rate.quantize(Decimal("0.001")), "is_active": bool(is_active)}
    before = {name: getattr(service, name) for name in new}
    changed = [name for name in new if before[name] != new[name]]
    if not changed:
        return service
    for name in changed:
        setattr(service, name, new[name])
    service.modified_by = by
    service.save(update_fields=[*("team" if n == "team_id" else n for n in changed), "modified_at", "modified_by"])
    audit_record(by=by, action="update", target=service, summary=f"Catalogue settings changed for {service.name}",
                 changed={name: {"from": _plain(before[name]), "to": _plain(new[name])} for name in changed})
    return service


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
