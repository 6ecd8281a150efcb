"""The staff home's section: starters and leavers for managers and HR, IT requests for the desk and checkers."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from oxtom.accounts.permissions import Permission

from .models import AccessRequest, Onboarding


def my_people_work(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    manager = user.has_permission(Permission.STAFF_MANAGE) or user.has_permission(Permission.RECRUITMENT_WORK)
    desk = user.has_permission(Permission.ICT_DESK)
    checks = AccessRequest.objects.filter(checker=user, status=AccessRequest.Status.AWAITING_CHECK).count() \
        if manager else 0
    if not user.can_enter_staff_area:
        return None
    # Everyone on staff can ask the ICT service desk (no query for them).
    data: dict[str, Any] = {"checks": checks, "manager": manager, "desk": desk}
    if manager:
        from .selectors import onboardings_for

        # One query: starters getting ready, and those starting this week (today to the week's Sunday).
        today = timezone.localdate()
        week_end = today + dt.timedelta(days=6 - today.weekday())
        data.update(onboardings_for(user).filter(status=Onboarding.Status.OPEN).aggregate(
            starters=Count("pk"), this_week=Count("pk", filter=Q(start_date__gte=today, start_date__lte=week_end))))
    if desk:
        data["desk_requests"] = AccessRequest.objects.filter(status=AccessRequest.Status.WITH_DESK).count()
    return data
