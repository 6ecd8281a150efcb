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
                            qa_sample_rate: Decimal, is_active: bool, by: Any,
                            clock_policy: dict[str, Any] | None = None) -> Service:
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
    policy = _clock_policy(clock_policy, errors) if clock_policy is not None else {}
    if errors:
        raise ValidationError(errors)
    new = {"team_id": team.pk, "sla_working_days": {str(k): int(v) for k, v in sla_working_days.items()},
           "qa_sample_rate": rate.quantize(Decimal("0.001")), "is_active": bool(is_active), **policy}
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


WAIT_CHOICES = {"pause": "Pause the clock", "restart": "Restart the clock when they answer", "run": "Keep the clock running"}


def _clock_policy(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The clock policy's fields from the page's values (oxtom/cases/clock.py), or errors by field."""
    from .models import MAX_SLA_WORKING_DAYS, CalendarChoice

    calendar = values.get("calendar")
    if calendar not in CalendarChoice.values:
        errors["calendar"] = "Choose which bank holidays to leave out"
    wait = values.get("customer_wait")
    if wait not in WAIT_CHOICES:
        errors["customer_wait"] = "Choose what waiting for the customer does to the clock"
    extensions, days = values.get("max_extensions"), values.get("max_extension_working_days")
    if not isinstance(extensions, int) or isinstance(extensions, bool) or not 0 <= extensions <= 5:
        errors["max_extensions"] = "Extensions allowed must be a whole number from 0 to 5"
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_SLA_WORKING_DAYS:
        errors["max_extension_working_days"] = f"An extension must be from 1 to {MAX_SLA_WORKING_DAYS} working days"
    return {"calendar": calendar, "clock_pauses_for_customer": wait != "run",
            "clock_restarts_for_customer": wait == "restart", "max_extensions": extensions,
            "max_extension_working_days": days, "different_decider": bool(values.get("different_decider"))}
