"""An application service's money and term as an administrator edits them (CATALOGUE_EDIT): the fee for a
new issue and for a replacement, how many months a permit, badge or pass lasts, and what applicants are
promised. Rule settings that are structured data (zones and their charges, thresholds) stay in `config`,
checked by rules.config_problems, and are not edited here.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from oxtom.cases.catalogue import can_edit_catalogue
from oxtom.core.audit import audit_record

from .models import PROMISE_DAYS, ApplicationService

MAX_FEE_PENCE = 100_000  # £1,000: anything more is a typo for these services
MAX_VALIDITY_MONTHS = 120
MAX_PROMISE = 200


@transaction.atomic
def application_service_settings_update(*, service: ApplicationService, fee_pence: int, replacement_fee_pence: int,
                                        validity_months: int, decision_promise: str, by: Any) -> ApplicationService:
    """Change the fees, term and decision promise; the same values again change and record nothing."""
    if not can_edit_catalogue(by):
        raise PermissionDenied("Only an administrator can change the service catalogue")
    service = ApplicationService.objects.select_for_update().get(pk=service.pk)
    errors = {}
    for key, value, words in (("fee_pence", fee_pence, "The fee"),
                              ("replacement_fee_pence", replacement_fee_pence, "The replacement fee")):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_FEE_PENCE:
            errors[key] = f"{words} must be from £0 to £{MAX_FEE_PENCE // 100:,}"
    if not isinstance(validity_months, int) or not 1 <= validity_months <= MAX_VALIDITY_MONTHS:
        errors["validity_months"] = f"How long it lasts must be from 1 to {MAX_VALIDITY_MONTHS} months"
    promise = (decision_promise or "").strip() if isinstance(decision_promise, str) else ""
    if len(promise) > MAX_PROMISE:
        errors["decision_promise"] = f"What we promise applicants must be {MAX_PROMISE} characters or fewer"
    elif "((" in promise.replace(PROMISE_DAYS, "") or "))" in promise.replace(PROMISE_DAYS, ""):
        errors["decision_promise"] = (f"The only placeholder a promise can use is {PROMISE_DAYS}, for the "
                                      "service's target in working days")
    if errors:
        raise ValidationError(errors)
    new = {"fee_pence": fee_pence, "replacement_fee_pence": replacement_fee_pence,
           "validity_months": validity_months, "decision_promise": promise}
    changed = {k: {"from": getattr(service, k), "to": v} for k, v in new.items() if getattr(service, k) != v}
    if not changed:
        return service
    for key in changed:
        setattr(service, key, new[key])
    service.modified_by = by
    service.save(update_fields=[*changed, "modified_at", "modified_by"])
    audit_record(by=by, action="update", target=service, summary=f"Fees and term changed for {service.name}",
                 changed=changed)
    return service
