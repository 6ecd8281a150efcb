"""Reads behind the API, each scoped to what the calling client may see.

The only module here that knows where each capability keeps its records, so a
capability moving (applications to its own app) changes imports here alone.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from oxtom.cases.models import Case
from oxtom.cases.selectors import cases_for_user

from .models import ApiClient

MAX_REFERENCE = 20
_REFERENCE = re.compile(r"[A-Z0-9-]{1,20}")


def entitlement_on(*, registration: str, zone: str, on: dt.date):
    """The permit covering `registration` in `zone` on `on`, or None.

    A term still running when its renewal was issued is superseded but still in force
    until its successor starts, so it counts until then.
    """
    from applications.selectors import entitlement_in_force

    return entitlement_in_force(registration=registration, zone=zone, on=on)


def normalise_registration(raw: str) -> str | None:
    from applications.selectors import normalise_registration as rule

    return rule(raw)


def cases_for_client(client: ApiClient) -> QuerySet[Case]:
    """The client's team's cases, through the same visibility rule as an officer of that team."""
    if client.team_id is None:
        return Case.objects.none()
    return (cases_for_user(client.user).filter(team_id=client.team_id)
            .select_related("service", "street_report"))


def get_case_for_client(client: ApiClient, reference: Any) -> Case:
    reference = str(reference or "").strip().upper()
    if not _REFERENCE.fullmatch(reference):  # also keeps NUL bytes and the like away from PostgreSQL
        raise Http404
    case = cases_for_client(client).filter(reference=reference).first()
    if case is None:
        raise Http404
    return case


def report_of(case: Case):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return case.street_report
    except ObjectDoesNotExist:
        return None


def customers_with_phone(e164: str, *, limit: int = 5):
    """Live (not merged-away) customers holding this number: an indexed lookup."""
    from oxtom.customers.models import Customer

    return list(Customer.objects.filter(phone=e164, merged_into__isnull=True).only("id", "reference")
                .order_by("reference")[:limit])
