"""Demo complaints, made through the real services: stage 1 waiting to be acknowledged and answered, one
answered that the demo resident can escalate, one at stage 2 (for the second complaints officer, who did
not handle stage 1), and a closed one with learning actions and the Ombudsman's decision.
Idempotent: nothing is added once any complaint exists. Everyone here is fictional.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import services
from .models import Complaint, OmbudsmanDecision, Outcome

STORIES = (
    ("The bin crew left our recycling behind three weeks running and nobody replied to my emails.",
     "Collect it and reply when I write to you."),
    ("The pothole I reported was marked fixed but it is still there and has got bigger.",
     "Fix it properly and tell me when."),
    ("My blue badge renewal took ten weeks and I had to phone five times to find out where it was.",
     "An apology, and a faster renewal next time."),
    ("The library's opening hours on the website were wrong and I made a wasted trip.",
     ""),
    ("I was told someone would call me back about my parking permit and no one did.",
     "A call back."),
)


def complaints_step(context: Any) -> int:
    people = context.users("complaints", "complaints.2", "resident")
    first, second, resident_user = people.get("complaints"), people.get("complaints.2"), people.get("resident")
    if first is None or second is None or resident_user is None or Complaint.objects.exists():
        return 0
    from oxtom.customers.models import Customer
    from oxtom.customers.services import customer_ensure_for_user
    from oxtom.core.demo import DEMO_RESIDENT_DOMAIN

    resident = customer_ensure_for_user(user=resident_user, by=resident_user)
    others = list(Customer.objects.filter(email__endswith=f"@{DEMO_RESIDENT_DOMAIN}", merged_into__isnull=True)
                  .order_by("id")[:3])
    while len(others) < 3:
        others.append(resident)
    return seed_demo_complaints(first=first, second=second, resident=resident, resident_user=resident_user,
                                others=others)


def _service(name_part: str):
    return services.complaint_services().filter(name__icontains=name_part).first()


@transaction.atomic
def seed_demo_complaints(*, first: Any, second: Any, resident: Any, resident_user: Any, others: list) -> int:
    made = 0

    def complain(customer, story, service_hint, by):
        nonlocal made
        made += 1
        what, wanted = story
        return services.complaint_submit(customer=customer, what_happened=what, outcome_wanted=wanted, by=by,
                                         about_service=_service(service_hint) if service_hint else None)

    # 1. New, waiting to be acknowledged (the demo resident's own, so they see it in their account).
    complain(resident, STORIES[3], "", resident_user)
    # 2. Acknowledged, waiting for the stage 1 response.
    waiting = complain(others[0], STORIES[0], "waste", None)
    services.complaint_acknowledge(complaint=waiting, number=1, by=first)
    # 3. Answered at stage 1: the demo resident can ask for stage 2 from their account.
    answered = complain(resident, STORIES[1], "pothole", resident_user)
    services.complaint_acknowledge(complaint=answered, number=1, by=first)
    services.complaint_respond(complaint=answered, number=1, outcome=Outcome.PARTLY_UPHELD, by=first,
                               reasons="The repair was logged as done when only a temporary patch was laid.",
                               remedy="A permanent repair is booked and we apologise for the wrong status.")
    # 4. At stage 2, acknowledged by the second officer (who did not handle stage 1), waiting for the final response.
    escalated = complain(others[1], STORIES[4], "parking", None)
    services.complaint_acknowledge(complaint=escalated, number=1, by=first)
    services.complaint_respond(complaint=escalated, number=1, outcome=Outcome.NOT_UPHELD, by=first,
                               reasons="Our records show a call back was made and a message left.", remedy="")
    customer_user = getattr(others[1], "user", None)
    _escalate(escalated, "Nobody left me a message; I checked my phone.", customer_user, first)
    services.complaint_acknowledge(complaint=escalated, number=2, by=second)
    # 5. Closed after stage 2, with learning actions (one done) and the Ombudsman's decision.
    closed = complain(others[2], STORIES[2], "badge", None)
    services.complaint_acknowledge(complaint=closed, number=1, by=first)
    services.complaint_respond(complaint=closed, number=1, outcome=Outcome.NOT_UPHELD, by=first,
                               reasons="Renewals were within the published time.", remedy="")
    _escalate(closed, "Ten weeks is not reasonable and I had to chase five times.", getattr(others[2], "user", None),
              first)
    services.complaint_acknowledge(complaint=closed, number=2, by=second)
    services.complaint_respond(complaint=closed, number=2, outcome=Outcome.UPHELD, by=second,
                               reasons="Renewals took longer than our published standard and we did not keep you "
                                       "informed.", remedy="An apology and £50 for the time and trouble.")
    today = timezone.localdate()
    services.learning_action_add(complaint=closed, action="Send a text when a renewal is waiting on evidence",
                                 owner=first, due_on=today + dt.timedelta(days=30), by=second)
    done = services.learning_action_add(complaint=closed, action="Publish renewal waiting times on the badge page",
                                        owner=second, due_on=today + dt.timedelta(days=14), by=second)
    services.learning_action_complete(item=done, note="Added to the blue badge page", by=second)
    services.complaint_record_ombudsman(complaint=closed, decision=OmbudsmanDecision.NOT_INVESTIGATED, by=second,
                                        notes="The Ombudsman was satisfied with our remedy.")
    return made


def _escalate(complaint, reason: str, customer_user, adviser_fallback) -> None:
    """The complainant escalates themselves when they have an account; otherwise an adviser does for them."""
    if customer_user is not None:
        services.complaint_escalate(complaint=complaint, reason=reason, by=customer_user)
        return
    from oxtom.accounts.models import User
    from oxtom.core.demo import DEMO_DOMAIN

    adviser = User.objects.filter(email=f"adviser@{DEMO_DOMAIN}").first()
    services.complaint_escalate(complaint=complaint, reason=reason, by=adviser, on_behalf_of=True)
