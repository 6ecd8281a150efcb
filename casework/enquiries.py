"""Councillors' enquiries raised for constituents, as cases on the engine."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from oxtom.accounts.permissions import Permission
from oxtom.cases.models import Case, Service
from oxtom.cases.services._common import MAX_TEXT
from oxtom.cases.selectors import case_for_submission
from oxtom.cases.services.create import DuplicateSubmission, case_create
from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel, Customer


CONSENT_WORDING = (
    "The constituent asked me to raise this with the council, agreed that the council may use the "
    "details I have given to deal with it, and agreed that the council may share its reply with me."
)
CONSTITUENT_FIELDS = ("first_name", "last_name", "email", "phone", "address_line_1", "postcode")


def _constituent_customer(*, data: dict, by: Any) -> Customer:
    """The constituent's customer record: an existing live record with the same email or
    phone, else a new one. The councillor never sees which (they cannot browse records)."""
    from oxtom.customers.selectors import find_possible_duplicates
    from oxtom.customers.services import PossibleDuplicateError, customer_create

    try:
        return customer_create(data=data, by=by, channel=Channel.WEB)
    except PossibleDuplicateError:
        # Only a match on a contact detail the councillor typed is trusted; a name-only
        # match could attach the enquiry to a stranger's record.
        strong = [c for c in find_possible_duplicates(email=data.get("email", ""), phone=data.get("phone", ""))]
        if len(strong) == 1:
            return strong[0]
        return customer_create(data=data, by=by, channel=Channel.WEB, allow_duplicate=True)


@transaction.atomic
def member_enquiry_raise(
    *,
    service: Service,
    title: str,
    details: str,
    location: str = "",
    constituent: dict | None,
    consent_given: bool,
    submission_key: str,
    by: Any,
) -> Case:
    """A councillor raises an enquiry, for a constituent (with their consent) or about a place.

    The case goes to the enquiry service's team with the service's response
    target (an administrator sets it, e.g. 10 working days for every priority)
    and is always visible to the councillor who raised it. For an enquiry
    about a place, the councillor is the customer (their own record).
    Raises ValidationError (field -> message) for bad input and
    DuplicateSubmission when the same form arrives twice.
    """
    from oxtom.customers.services import customer_ensure_for_user

    if not (getattr(by, "is_authenticated", False) and by.has_permission(Permission.MEMBER_ENQUIRY_RAISE)):
        raise PermissionDenied("Only councillors can raise members' enquiries")
    if not by.member_division_id:
        raise ValidationError("You are not the member for a division yet: ask member services to set it")
    if service.kind != Service.Kind.ENQUIRY or not service.is_active:
        raise ValidationError({"service": "Choose an enquiry service from the list"})
    key = (submission_key or "").strip()
    if not key or len(key) > 64:
        raise ValidationError("The form has expired: start again")
    existing = case_for_submission(key)
    if existing is not None:  # before a constituent's record is made for it
        raise DuplicateSubmission(existing)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    details = (details or "").strip()
    location = (location or "").strip()
    if not title:
        errors["title"] = "Enter a subject for the enquiry"
    elif len(title) > 200:
        errors["title"] = "The subject must be 200 characters or fewer"
    if not details:
        errors["details"] = "Enter the details of the enquiry"
    elif len(details) > MAX_TEXT:
        errors["details"] = f"The details must be {MAX_TEXT:,} characters or fewer"
    if len(location) > 200:
        errors["location"] = "The place must be 200 characters or fewer"
    if constituent is not None and not consent_given:
        errors["consent"] = "Confirm that the constituent has given their consent"
    if constituent is None and not location:
        errors["location"] = "Enter the place the enquiry is about"
    if errors:
        raise ValidationError(errors)
    if constituent is not None:
        unknown = set(constituent) - set(CONSTITUENT_FIELDS)
        if unknown:
            raise ValueError(f"Unexpected constituent fields {sorted(unknown)}")
        data = {k: v for k, v in constituent.items() if v not in (None, "")}
        if not data.get("email") and not data.get("phone") and not data.get("address_line_1"):
            raise ValidationError({"email": "Enter an email address, phone number or address for the constituent"})
        data.setdefault("preferred_channel", "email" if data.get("email") else ("sms" if data.get("phone") else "post"))
        customer = _constituent_customer(data=data, by=by)
    else:
        customer = customer_ensure_for_user(user=by, by=by)
    answers = {"Enquiry": details}
    if location:
        answers["Place"] = location
    answers["Raised by"] = f"{by} (councillor for {by.member_division})"
    case = case_create(
        service=service, customer=customer, answers=answers, channel=Channel.WEB, by=by, title=title,
        division=by.member_division, submission_key=key, raised_by=by, shared_with_councillor=True,
        consent_wording=CONSENT_WORDING if constituent is not None else "",
    )
    audit_record(by=by, action="create", target=case, summary="Members' enquiry raised",
                 for_constituent=constituent is not None)
    return case
