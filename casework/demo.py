"""Demo work for the member services team (`manage.py seed_demo`): a councillor's enquiry waiting in its queue.

Raised through the same service a councillor uses (member_enquiry_raise),
about a place, so no constituent's details are involved. Idempotent by its
submission key.
"""
from __future__ import annotations

from typing import Any

from oxtom.cases.models import Case, Service

KEY = "demo-member-enquiry-1"


def seed_demo_member_enquiry(*, councillor: Any) -> int:
    """1 when the enquiry was raised, 0 when it exists or there is no councillor or enquiry service."""
    from .enquiries import member_enquiry_raise

    service = Service.objects.filter(kind=Service.Kind.ENQUIRY, is_active=True).order_by("pk").first()
    if councillor is None or service is None or Case.objects.filter(submission_key=KEY).exists():
        return 0
    member_enquiry_raise(
        service=service, title="Flooding on the footpath by the recreation ground",
        details="Several residents have told me the footpath floods after rain and stays under water for days.",
        location="Footpath beside the recreation ground", constituent=None, consent_given=False,
        submission_key=KEY, by=councillor,
    )
    return 1
