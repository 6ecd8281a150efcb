"""The staff home's recruitment section: what the co-ordinator (Tom) and a hiring manager (Jane) have to do.

- Co-ordinator: requests waiting to be picked up, their own vacancies being shortlisted, interviews today on
  their vacancies, accepted offers whose pre-employment checks are not all back.
- Hiring manager: their vacancies with a shortlist waiting for them to choose, interviews today (theirs or on
  their panels), offers whose checks are all back and wait for them to confirm.

Three queries for either (or both), whatever the number of vacancies: one of counts, the interviews today
(at most HOME_LIMIT) and the vacancies needing action (at most HOME_LIMIT). None for anyone else.
Candidates are not named here (a staff view of a candidate is audited, on the vacancy's pages).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from .models import (ApplicationStatus, CheckOutcome, InterviewSlot, JobApplication, Offer, OfferStatus, PanelMember,
                     PreEmploymentCheck, Vacancy, VacancyStatus)
from .services import is_coordinator, is_hiring_manager

HOME_LIMIT = 5


def recruitment_work(request: HttpRequest, *, today: dt.date | None = None) -> dict[str, Any] | None:
    user = request.user
    if not getattr(user, "can_enter_staff_area", False):
        return None
    coordinator, manager = is_coordinator(user), is_hiring_manager(user)
    if not (coordinator or manager):
        return None
    today = today or timezone.localdate()
    pending = PreEmploymentCheck.objects.filter(offer__application__vacancy=OuterRef("pk"),
                                                offer__status=OfferStatus.ACCEPTED, outcome=CheckOutcome.PENDING)
    accepted = Offer.objects.filter(application__vacancy=OuterRef("pk"), status=OfferStatus.ACCEPTED)
    shortlisted = Exists(JobApplication.objects.filter(vacancy=OuterRef("pk"), status=ApplicationStatus.SHORTLISTED))
    vacancies = Vacancy.objects.annotate(
        has_pending=Exists(pending), has_accepted=Exists(accepted), has_shortlist=shortlisted)
    mine_q = Q()
    conditions: dict[str, Q] = {}
    if coordinator:
        conditions["to_pick_up"] = Q(status=VacancyStatus.REQUESTED)
        conditions["shortlisting"] = Q(coordinator=user, status=VacancyStatus.SHORTLISTING)
        conditions["awaiting_checks"] = Q(coordinator=user, has_pending=True)
        mine_q |= Q(coordinator=user, status=VacancyStatus.SHORTLISTING) | Q(coordinator=user, has_pending=True)
    if manager:
        conditions["to_choose"] = Q(manager=user, has_shortlist=True)
        conditions["to_confirm"] = Q(manager=user, has_accepted=True, has_pending=False)
        mine_q |= Q(manager=user, has_shortlist=True) | Q(manager=user, has_accepted=True, has_pending=False)
    counts = vacancies.aggregate(**{name: Count("pk", filter=cond) for name, cond in conditions.items()})
    action = list(vacancies.filter(mine_q).select_related("role_profile").order_by("requested_at", "id")[:HOME_LIMIT])
    for v in action:
        v.home_action = (
            "Choose whom to interview" if manager and v.manager_id == user.pk and v.has_shortlist else
            "Confirm the appointment" if manager and v.manager_id == user.pk and v.has_accepted and not v.has_pending
            else "Checks to record" if v.has_pending else "Shortlist candidates")
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    panel = PanelMember.objects.filter(vacancy=OuterRef("vacancy_id"), user=user)
    interviews = InterviewSlot.objects.filter(application__isnull=False, starts_at__gte=start,
                                              starts_at__lt=start + dt.timedelta(days=1))
    who = Q(vacancy__manager=user) | Exists(panel)
    if coordinator:
        who |= Q(vacancy__coordinator=user)
    interviews_today = list(interviews.filter(who).select_related("vacancy__role_profile")
                            .order_by("starts_at", "id")[:HOME_LIMIT])
    return {"coordinator": coordinator, "manager": manager, "counts": counts, "action": action,
            "interviews": interviews_today}
