"""Writes for the MASH referral service: a referral opens a case on the engine; screening closes it.

The case is a staff request (the MASH officer who took the referral is its requester), safeguarding
(always urgent) and special category, in the MASH team's queue, with no answers or names on it: the
referral's details live in insight.Referral, read only through the MASH pages, every view audited.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.cases.models import Outcome, Service
from oxtom.cases.services import case_close, case_create
from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel

from ..models import Referral

SERVICE_CODE = "mash-referral"
TEAM_SLUG = "mash"
MAX_CONCERNS = 5000
MAX_REASONS = 2000
_CHILD_KEY = re.compile(r"^[A-Za-z0-9-]{1,32}$")


def can_screen(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active \
        and user.has_permission(Permission.SAFEGUARDING_SCREEN)


def _require_mash(by: Any) -> None:
    if not can_screen(by):
        raise PermissionDenied("Only the MASH team works safeguarding referrals")


def mash_service() -> Service:
    return Service.objects.select_related("team").get(code=SERVICE_CODE)


def _text(value: str | None, field: str, label: str, limit: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: f"Enter {label}"})
    if len(text) > limit:
        raise ValidationError({field: f"{label[0].upper()}{label[1:]} must be {limit:,} characters or fewer"})
    return text


@transaction.atomic
def referral_create(
    *, by: Any, referrer_name: str, referrer_agency: str, referrer_contact: str = "", child_key: str,
    child_name: str, child_date_of_birth: dt.date, child_sex: str, child_ethnicity: str, child_disability: bool,
    deprivation_decile: int, concerns: str, police_flag: bool = False, school_flag: bool = False,
    health_flag: bool = False, channel: str = Channel.PHONE, submission_key: str = "",
    received_at: dt.datetime | None = None,
) -> Referral:
    """Record a referral from a partner: a safeguarding case in the MASH screening queue, and its record.

    A second submission of the same form raises the engine's DuplicateSubmission (carrying the case).
    """
    _require_mash(by)
    if referrer_agency not in Referral.Agency.values:
        raise ValidationError({"referrer_agency": "Choose the agency that referred"})
    key = (child_key or "").strip().upper()
    if not _CHILD_KEY.match(key):
        raise ValidationError({"child_key": "Enter the child's identifier: letters, numbers and hyphens, up to 32"})
    today = timezone.localdate()
    if child_date_of_birth is None or child_date_of_birth > today or (today - child_date_of_birth).days > 18 * 366:
        raise ValidationError({"child_date_of_birth": "The date of birth must be in the past and under 18 years ago"})
    if child_sex not in ("female", "male"):
        raise ValidationError({"child_sex": "Choose the child's sex"})
    if child_ethnicity not in tuple("ABCDE"):
        raise ValidationError({"child_ethnicity": "Choose the child's ethnic group"})
    try:
        decile = int(deprivation_decile)
    except (TypeError, ValueError):
        decile = 0
    if not 1 <= decile <= 10:
        raise ValidationError({"deprivation_decile": "The area's deprivation decile is from 1 to 10"})
    referrer_name = _text(referrer_name, "referrer_name", "the referrer's name", 120)
    referrer_contact = _text(referrer_contact, "referrer_contact", "the referrer's contact details", 200,
                             required=False)
    child_name = _text(child_name, "child_name", "the child's name", 120)
    concerns = _text(concerns, "concerns", "the concerns", MAX_CONCERNS)
    service = mash_service()
    case = case_create(service=service, customer=None, requested_by=by, answers={}, channel=channel, by=by,
                       title=f"Safeguarding referral from {Referral.Agency(referrer_agency).label.lower()}",
                       safeguarding=True, special_category=True, submission_key=submission_key,
                       received_at=received_at)
    referral = Referral.objects.create(
        case=case, referrer_name=referrer_name, referrer_agency=referrer_agency, referrer_contact=referrer_contact,
        child_key=key, child_name=child_name, child_date_of_birth=child_date_of_birth, child_sex=child_sex,
        child_ethnicity=child_ethnicity, child_disability=bool(child_disability), deprivation_decile=decile,
        concerns=concerns, police_flag=bool(police_flag), school_flag=bool(school_flag),
        health_flag=bool(health_flag))
    audit_record(by=by, action="create", target=referral, summary=f"MASH referral {case.reference} recorded")
    return referral


@transaction.atomic
def referral_screen(*, referral: Referral, outcome: str, reasons: str, expected_version: int, by: Any) -> Referral:
    """The screening decision: no further action, early help or a social care assessment; closes the case.

    The onward work (early help, the assessment) happens in children's social care's own system; this
    case records the MASH decision and its reasons.
    """
    _require_mash(by)
    if outcome not in Referral.Screening.values:
        raise ValidationError({"outcome": "Choose the outcome of screening"})
    reasons = _text(reasons, "reasons", "the reasons for the decision", MAX_REASONS)
    referral = Referral.objects.select_for_update(of=("self",)).select_related("case").get(pk=referral.pk)
    if referral.screening_outcome:
        raise ValidationError("This referral has already been screened")
    label = Referral.Screening(outcome).label
    case_close(case=referral.case,
               outcome=Outcome.NO_FURTHER_ACTION if outcome == Referral.Screening.NO_FURTHER_ACTION
               else Outcome.COMPLETED,
               note=f"Screened: {label}", expected_version=expected_version, by=by)
    referral.screening_outcome, referral.screening_reasons = outcome, reasons
    referral.screened_by, referral.screened_at = by, timezone.now()
    referral.save(update_fields=["screening_outcome", "screening_reasons", "screened_by", "screened_at"])
    audit_record(by=by, action="update", target=referral, summary=f"MASH referral screened: {label}",
                 outcome=outcome)
    return referral
