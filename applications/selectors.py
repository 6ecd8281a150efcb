"""Reads of the application catalogue, applications and entitlements, scoped to who is asking.

Residents see only their own (or, for an adviser in an acting-for session,
the acted-for customer's): anything else answers 404, the same as missing.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from oxtom.accounts.permissions import Permission

from .models import Application, ApplicationService, Entitlement


def application_services_active() -> list[ApplicationService]:
    """The services people can apply for now, in name order."""
    return list(ApplicationService.objects.select_related("case_service").filter(is_active=True)
                .order_by("name"))


def get_application_service(code: object) -> ApplicationService:
    """The active service with this code; 404 if unknown or switched off."""
    if not isinstance(code, str) or not code or len(code) > 40:
        raise Http404
    service = ApplicationService.objects.select_related("case_service").filter(code=code, is_active=True).first()
    if service is None:
        raise Http404
    return service


def applications_for_customer(customer: Any, *, limit: int = 100) -> list[Application]:
    """A customer's applications, newest first (one query)."""
    if customer is None:
        return []
    return list(Application.objects.select_related("service").filter(customer=customer)
                .order_by("-submitted_at", "-id")[:limit])


def entitlements_for_customer(customer: Any, *, include_old: bool = True, limit: int = 100) -> list[Entitlement]:
    """A customer's permits, badges and passes: active ones first, then by expiry (one query)."""
    if customer is None:
        return []
    qs: QuerySet = Entitlement.objects.select_related("service").filter(customer=customer)
    if not include_old:
        qs = qs.filter(status=Entitlement.Status.ACTIVE)
    rows = list(qs.order_by("-expires_on", "-id")[:limit])
    rows.sort(key=lambda e: (e.status != Entitlement.Status.ACTIVE,))
    return rows


def customer_for(user: Any, request: Any = None):
    """Whose records `user` may read here: the acted-for customer in an adviser's session, else their own."""
    if request is not None:
        from oxtom.customers.assist import acting_customer

        acted_for = acting_customer(request)
        if acted_for is not None:
            return acted_for
    if not getattr(user, "is_authenticated", False):
        return None
    from oxtom.customers.models import Customer

    return Customer.objects.filter(user=user, merged_into__isnull=True).first()


def get_application_for_user(user: Any, reference: object, *, request: Any = None) -> Application:
    """The user's own application by reference (404 for missing and for anyone else's).

    Pass `request` so an adviser acting for a customer sees that customer's.
    """
    customer = customer_for(user, request)
    if customer is None or not isinstance(reference, str) or not reference or len(reference) > 20:
        raise Http404
    application = (Application.objects.select_related("service", "payment", "case", "previous_entitlement")
                   .filter(reference=reference.strip().upper(), customer=customer).first())
    if application is None:
        raise Http404
    return application


def get_application_for_officer(user: Any, reference: object) -> Application:
    """An application an officer may open (its case, or what it issued, is their team's work); 404 otherwise.

    Scoped through the case (oxtom.cases.services.can_work_case) when it has one, else through its
    service's team (an automatic decision with no case: the permit it issued can still be revoked), so
    another team, a councillor or a resident gets 404 exactly as for a missing one.
    """
    reference = reference.strip().upper() if isinstance(reference, str) else ""
    if not reference or len(reference) > 20:
        raise Http404
    application = (Application.objects.select_related("service__case_service", "customer", "case__team",
                                                      "case__assignee", "decided_by", "reconsideration_of__decided_by")
                   .filter(reference=reference).first())
    if application is None or not officer_may_open(user, application):
        raise Http404
    return application


def officer_may_open(user: Any, application: Application) -> bool:
    """Through its case when it has one; without one (decided by the rules, never sampled for QA) only once it
    issued something, for the officers of its service's team, the same people who may revoke what it issued
    (ending.can_revoke)."""
    from oxtom.cases.services import can_take_cases, can_work_case

    if application.case_id is not None:
        return can_work_case(user, application.case)
    if application.status != Application.Status.ISSUED or not getattr(user, "is_authenticated", False):
        return False
    return can_take_cases(user, application.service.case_service.team_id)


@dataclass(frozen=True)
class RecordEntitlement:
    """One permit, badge or pass on the staff customer record, and its application page if the reader may open it."""

    entitlement: Entitlement
    application_reference: str | None  # None: the reader may not open the application page


RECORD_ENTITLEMENTS_LIMIT = 50
_ACTIVE_FIRST = Case(When(status=Entitlement.Status.ACTIVE, then=Value(0)), default=Value(1),
                     output_field=IntegerField())


def entitlements_on_record(user: Any, customer: Any, *, limit: int | None = None
                           ) -> tuple[list[RecordEntitlement], bool]:
    """The customer's permits, badges and passes as `user` may see them on the staff customer record.

    Staff who see every record (advisers: CUSTOMER_VIEW_ALL) see all of them, as they see the whole
    timeline; other staff only those whose application page they may open. Each row links to the
    application page exactly when `officer_may_open` lets the reader in (the page's own rule, so a
    link never leads to a 404 and no 404 is hidden behind a missing link). Active ones first, then
    newest expiry. Returns (rows, more): `more` when the customer holds more than `limit`.

    Two queries whatever the customer holds: the rows, and the team check once per deciding team
    (`officer_may_open` asks it per application; here it is asked once per team and answer).
    """
    from oxtom.customers.selectors import sees_every_customer

    if customer is None or not getattr(user, "is_authenticated", False):
        return [], False
    limit = RECORD_ENTITLEMENTS_LIMIT if limit is None else limit
    rows = list(Entitlement.objects.select_related("service", "application__service__case_service",
                                                   "application__case")
                .filter(customer=customer)
                .order_by(_ACTIVE_FIRST, "-expires_on", "-id")[:limit + 1])
    more = len(rows) > limit
    everyone = sees_every_customer(user)
    answers: dict[tuple, bool] = {}
    out = []
    for entitlement in rows[:limit]:
        application = entitlement.application
        # What officer_may_open's answer depends on: the case's team, or the service's team and the status.
        key = (("case", application.case.team_id) if application.case_id is not None
               else ("service", application.service.case_service.team_id, application.status))
        if key not in answers:
            answers[key] = officer_may_open(user, application)
        if answers[key] or everyone:
            out.append(RecordEntitlement(entitlement, application.reference if answers[key] else None))
    return out, more


ENTITLEMENT_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")


def find_entitlement_for_officer(user: Any, number: object) -> Entitlement | None:
    """A permit, badge or pass by its number, for an officer of its service's team (None for a number that is
    not one, does not exist, or is another team's: the officer is told the same either way)."""
    from oxtom.cases.services import can_take_cases

    number = number.strip().upper() if isinstance(number, str) else ""
    if not ENTITLEMENT_NUMBER.match(number):
        return None
    entitlement = (Entitlement.objects.select_related("service__case_service", "application")
                   .filter(number=number).first())
    if entitlement is None or not can_take_cases(user, entitlement.service.case_service.team_id):
        return None
    return entitlement


def get_entitlement_for_user(user: Any, number: object, *, request: Any = None) -> Entitlement:
    """The user's own permit, badge or pass by number (404 for missing and for anyone else's)."""
    customer = customer_for(user, request)
    # A NUL byte never gets this far: the request edge answers it 400 (oxtom/core/hygiene.py).
    if customer is None or not isinstance(number, str) or not number:
        raise Http404
    entitlement = (Entitlement.objects.select_related("service", "application", "payment_agreement")
                   .filter(number=number.strip().upper(), customer=customer).first())
    if entitlement is None:
        raise Http404
    return entitlement


def household_permit_count(service: ApplicationService, key: str, *, excluding: Entitlement | None = None) -> int:
    """Active permits of `service` at one household (address key from rules.address_key)."""
    qs = Entitlement.objects.filter(service=service, household_key=key, status=Entitlement.Status.ACTIVE)
    if excluding is not None:
        qs = qs.exclude(pk=excluding.pk)
    return qs.count()


def household_pending_count(service: ApplicationService, key: str) -> int:
    """Permits approved for one household but not yet issued (waiting for payment) that will add one.

    They count towards the household limit and the escalating charge, or two
    applications made before either is paid would both pass. A renewal or
    change of a permit still in force replaces it (no extra permit); one for
    a permit that has expired or ended adds one back when paid.
    """
    return Application.objects.filter(
        Q(previous_entitlement__isnull=True) | ~Q(previous_entitlement__status=Entitlement.Status.ACTIVE),
        service=service, status__in=(Application.Status.APPROVED, Application.Status.AWAITING_PAYMENT),
        details__address_key=key,
    ).count()


def applications_to_assess(user: Any, *, limit: int = 200) -> list[Application]:
    """Referred applications waiting for a decision in the teams `user` may work, soonest due first (one query).

    The same teams as the queues (oxtom.cases.selectors.teams_for_user): an officer
    sees their teams', an administrator every team's, anyone else none.
    """
    from oxtom.cases.selectors import teams_for_user

    if not (getattr(user, "is_authenticated", False) and user.has_permission(Permission.CASE_WORK)):
        return []
    return list(Application.objects.filter(status=Application.Status.REFERRED, case__isnull=False,
                                           case__team__in=teams_for_user(user))
                .select_related("service", "customer", "case", "case__team", "case__assignee")
                .order_by("case__due_at", "id")[:limit])



def entitlement_in_force(*, registration: str, zone: str, on: dt.date) -> Entitlement | None:
    """The permit covering `registration` in `zone` on `on`, or None (the REST API's permit check).

    A term still running when its renewal was issued is superseded but still in force
    until its successor starts, so it counts until then.
    """
    E = Entitlement.Status
    return (Entitlement.objects.select_related("service")
            .filter(details__vehicle_registration=registration, details__zone=zone,
                    starts_on__lte=on, expires_on__gte=on)
            .filter(Q(status=E.ACTIVE) | Q(status=E.SUPERSEDED, superseded_by__starts_on__gt=on))
            .order_by("-expires_on", "-id").first())


def normalise_registration(raw: str) -> str | None:
    """A vehicle registration as the permits store it, or None if it is not one (applications/rules.py)."""
    from .rules import normalise_registration as rule

    return rule(raw)
